// "Which of these are ..?" in real headless Chromium against a real `beetroot serve` with LFW
// photos of four tennis players and politicians, a library the detector splits into pieces: faces
// chosen by a click and by their number key join the person on Enter, the others are kept apart,
// and "None of them" (N) keeps every one apart. Screenshots at desktop and phone width go to
// $ARTIFACTS_DIR.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { artifacts, lfw, startServer, signedInPage, until } from "./harness.mjs";

const players = ["Andy_Roddick", "Tim_Henman", "Trent_Lott", "Steffi_Graf"];
let server;

before(async () => {
  server = await startServer();
  if (!existsSync(lfw)) return;
  const form = new FormData();
  for (const player of players)
    for (const name of readdirSync(join(lfw, player)).sort().slice(0, 12))
      form.append("photo", new Blob([readFileSync(join(lfw, player, name))], { type: "image/jpeg" }), name);
  assert.equal((await server.api("/api/photos", { method: "POST", body: form })).status, 202);
  await until(async () => (await server.api("/api/people?limit=1")).body.queueDepth === 0, "the photos ingested");
});
after(async () => { await server?.stop(); });

// Every person any open question puts next to `personId`.
async function askedWith(personId) {
  const asked = new Set();
  for (const q of (await server.api("/api/questions?limit=100")).body.questions) {
    const persons = [q.personId, q.otherPersonId, ...(q.candidates || []).map((c) => c.personId)];
    if (persons.includes(personId)) persons.forEach((p) => p && p !== personId && asked.add(p));
  }
  return asked;
}

test("which of these: chosen by click and key, Enter answers, N keeps every one apart", { skip: !existsSync(lfw) }, async () => {
  const first = (await server.api("/api/questions?limit=1")).body.questions[0];
  assert.equal(first.kind, "which-are-person", "pieces of one person are asked about together first");
  assert.ok(first.candidates.length >= 2);
  const faces = (await server.api(`/api/people/${first.personId}`)).body.faces.length;

  const phone = await signedInPage(server, { width: 390, height: 844 }, true);
  await phone.goto(server.url + "#/questions");
  await phone.waitForSelector("#question .candidate");
  await phone.waitForFunction(() => [...document.images].every((image) => image.complete));
  await phone.screenshot({ path: join(artifacts, "which-question-phone.png"), fullPage: true });

  const page = await signedInPage(server);
  await page.goto(server.url + "#/questions");
  await page.waitForSelector("#question .candidate");
  assert.equal(await page.getAttribute("#question", "data-kind"), "which-are-person");
  assert.equal(await page.locator("#question .candidate").count(), first.candidates.length);
  await page.keyboard.press("1");
  await page.click("#question .candidate >> nth=1");
  await page.click("#question .candidate >> nth=1");  // a second click takes the choice back
  await page.keyboard.press("2");
  await page.click("#question .candidate >> nth=1");
  assert.deepEqual(await page.locator("#question .candidate[aria-pressed=true]").count(), 1);
  await page.waitForFunction(() => [...document.images].every((image) => image.complete));
  await page.screenshot({ path: join(artifacts, "which-question.png"), fullPage: true });
  const key = await page.getAttribute("#question", "data-key");
  await page.keyboard.press("Enter");
  await until(async () => (await page.getAttribute("#question", "data-key")) !== key, "the next question");

  const [chosen, ...left] = first.candidates;
  const person = (await server.api(`/api/people/${first.personId}`)).body;
  assert.equal(person.faces.length, faces + chosen.faceCount, "the chosen one joined");
  assert.equal((await server.api(`/api/people/${chosen.personId}`)).status, 404);
  const asked = await askedWith(first.personId);
  for (const other of left) {
    assert.equal((await server.api(`/api/people/${other.personId}`)).status, 200, "the others stay who they were");
    assert.ok(!asked.has(other.personId), "and are not asked about with this person again");
  }

  // "None of them" on the next question of this kind.
  while ((await page.getAttribute("#question", "data-kind")) !== "which-are-person") {
    const skipped = await page.getAttribute("#question", "data-key");
    await page.keyboard.press("s");
    await until(async () => (await page.getAttribute("#question", "data-key")) !== skipped, "the question after Not sure");
  }
  const none = await page.getAttribute("#question", "data-key");
  const [noneOf, candidates] = [none.split("/")[1], none.split("/").slice(4)];
  await page.keyboard.press("n");
  await until(async () => (await page.getAttribute("#question", "data-key")) !== none, "the question after None of them");
  const stillAsked = await askedWith(noneOf);
  for (const candidate of candidates) assert.ok(!stillAsked.has(candidate), "None of them keeps each one apart");
});
