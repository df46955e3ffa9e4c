// The questions of the People page in real headless Chromium against a real `beetroot serve` with
// LFW photos of four men: answered with keys and clicks, Yes merges two persons (the grid has one
// tile fewer), No is remembered (the question never comes back), Not sure shows the next one.
// Screenshots at desktop and phone width go to $ARTIFACTS_DIR.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { artifacts, lfw, startServer, signedInPage, until } from "./harness.mjs";

const men = ["George_W_Bush", "Colin_Powell", "Tony_Blair", "Donald_Rumsfeld"];
let server;

before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

async function uploadPhotos() {
  const form = new FormData();
  for (const man of men)
    for (const name of readdirSync(join(lfw, man)).sort().slice(0, 12))
      form.append("photo", new Blob([readFileSync(join(lfw, man, name))], { type: "image/jpeg" }), name);
  const sent = await server.api("/api/photos", { method: "POST", body: form });
  assert.equal(sent.status, 202);
  await until(async () => (await server.api("/api/people?limit=1")).body.queueDepth === 0, "the photos ingested");
}

async function questionKeys() {
  return (await server.api("/api/questions?limit=100")).body.questions.map((q) =>
    [q.kind, q.personId, q.otherPersonId || "", q.faceId || ""].join("/"));
}

test("questions: yes merges, no is remembered, not sure moves on, keys and clicks", { skip: !existsSync(lfw) }, async () => {
  await uploadPhotos();
  const before = (await server.api("/api/people?limit=1")).body.total;
  assert.ok((await questionKeys()).length >= 3, "the library has questions to ask");

  const page = await signedInPage(server);
  await page.click("#questions-link");
  await page.waitForSelector("#question");
  await page.waitForFunction(() => [...document.images].every((image) => image.complete));
  await page.screenshot({ path: join(artifacts, "questions.png"), fullPage: true });

  // Yes by key: a same-person question merges two persons.
  const first = await page.getAttribute("#question", "data-key");
  assert.match(first, /^(same-person|is-this-person|belongs-to-person)\//);
  await page.keyboard.press("y");
  await until(async () => (await page.getAttribute("#question", "data-key")) !== first, "the next question");
  if (first.startsWith("same-person"))
    assert.equal((await server.api("/api/people?limit=1")).body.total, before - 1, "Yes merged two persons");

  // No by click: stored, and never asked again.
  const second = await page.getAttribute("#question", "data-key");
  await page.click("#question button[data-answer=no]");
  await until(async () => (await page.getAttribute("#question", "data-key")) !== second, "the question after No");
  assert.ok(!(await questionKeys()).includes(second), "a question answered No does not come back");

  // Not sure by key: the page moves on, and the server still has the question for later.
  const third = await page.getAttribute("#question", "data-key");
  await page.keyboard.press("s");
  await until(async () => (await page.getAttribute("#question", "data-key")) !== third, "the question after Not sure");
  assert.ok((await questionKeys()).includes(third), "a skipped question stays on the server");

  // The grid follows: one tile fewer after the merge.
  await page.click("a.brand");
  await until(async () => (await page.locator(".tile").count()) ===
                          (await server.api("/api/people?limit=1")).body.total, "the grid to show everyone");

  const phone = await signedInPage(server, { width: 390, height: 844 }, true);
  await phone.goto(server.url + "#/questions");
  await phone.waitForSelector("#question");
  await phone.waitForFunction(() => [...document.images].every((image) => image.complete));
  await phone.screenshot({ path: join(artifacts, "questions-phone.png") });
});
