// The People page in real headless Chromium against a real `beetroot serve`: upload (file picker
// and drag and drop), watch the grid fill in, rename, merge, move a face, delete a photo, reload
// and find every change kept. Screenshots go to $ARTIFACTS_DIR (default <repo>/artifacts).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { artifacts, demo, lfw, startServer, signedInPage, until } from "./harness.mjs";

let server, url, token, browser, apiGet;

before(async () => {
  server = await startServer();
  ({ url, token, browser } = server);
  apiGet = server.api;
});

after(async () => { await server?.stop(); });

async function dropFile(page, path, name) {
  const { readFileSync } = await import("node:fs");
  const bytes = [...readFileSync(path)];
  await page.evaluate(({ bytes, name }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(bytes)], name, { type: "image/jpeg" }));
    dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, { bytes, name });
}

test("people page: upload, grid, rename, merge, move a face, delete a photo, reload", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("dialog", (dialog) => dialog.accept());
  await page.goto(url);

  // A wrong token is refused; the right one opens the page.
  await page.fill("input[name=token]", "wrong");
  await page.click("form.login button");
  await page.waitForSelector("text=That is not the API token.");
  await page.fill("input[name=token]", token);
  await page.click("form.login button");
  await page.waitForSelector("text=No people yet");
  // The server set the session cookie: out of the page script's reach, and not the token itself.
  const session = (await page.context().cookies()).find((c) => c.name === "beetroot_session");
  assert.ok(session && session.httpOnly && session.sameSite === "Strict", JSON.stringify(session));
  assert.notEqual(session.value, token);
  assert.equal(await page.evaluate(() => document.cookie), "");

  // Five demo photos through the file picker, then one more and a repeat of a person's photo dropped.
  const photos = [1, 2, 3, 4, 5].map((n) => join(demo, `sample${n}.jpg`));
  await page.setInputFiles("#file-input", photos);
  await dropFile(page, join(demo, "sample6.jpg"), "sample6.jpg");
  const powell = join(lfw, "Colin_Powell");
  const repeat = existsSync(powell);
  if (repeat) {
    await page.setInputFiles("#file-input", [join(powell, "Colin_Powell_0001.jpg")]);
    await dropFile(page, join(powell, "Colin_Powell_0002.jpg"), "Colin_Powell_0002.jpg");
  }
  const expectedPhotos = repeat ? 8 : 6;
  await until(async () => {
    const people = await apiGet("/api/people?limit=1");
    return people.body.queueDepth === 0 && (await photoCount()) === expectedPhotos;
  }, "all photos ingested");
  // The grid fills in by itself as ingestion proceeds: people seen twice or more on the main grid,
  // the faces seen once under Others.
  const everyone = (await apiGet("/api/people?limit=1000")).body;
  const main = (await apiGet("/api/people?shelf=main&limit=1000")).body;
  assert.ok(main.total < everyone.total, "the demo photos' strangers are Others");
  await until(async () => (await page.locator("#people .tile").count()) === main.total, "the main grid");
  await page.click("#others summary");
  await until(async () => (await page.locator(".tile").count()) === everyone.total, "Others to show the rest");
  await page.screenshot({ path: join(artifacts, "people-grid.png"), fullPage: true });
  if (repeat) assert.ok(everyone.people[0].faceCount >= 2, "a person seen in two photos is one tile");

  // Rename in place.
  const first = everyone.people[0];
  await page.click(`.tile[data-person="${first.personId}"] a.cover`);
  await page.fill("input.rename", "Colin");
  await page.press("input.rename", "Enter");
  await page.waitForSelector("text=Name saved");

  // Merge two people into the one with more faces.
  await page.goto(url + "#/");
  const [a, b] = everyone.people.slice(1, 3);
  await page.check(`.tile[data-person="${a.personId}"] input.pick`);
  await page.check(`.tile[data-person="${b.personId}"] input.pick`);
  await page.click("#merge");
  await page.waitForSelector("text=Merged 2 people");
  await until(async () => (await page.locator(".tile").count()) === everyone.total - 1, "one tile fewer");
  const survivor = a.faceCount >= b.faceCount ? a : b;
  const merged = (await apiGet(`/api/people/${survivor.personId}`)).body;
  assert.equal(merged.faceCount, a.faceCount + b.faceCount);

  // Move a face out of the merged person into a new person.
  await page.goto(url + `#/person/${survivor.personId}`);
  await page.waitForSelector(".tile.face");
  const movedFace = await page.getAttribute(".tile.face >> nth=0", "data-face");
  await page.click(".tile.face >> nth=0 >> button.move");
  await page.waitForSelector("text=Face moved");
  await until(async () => (await page.locator(".tile.face").count()) === merged.faceCount - 1, "the face to leave");
  await page.screenshot({ path: join(artifacts, "person-page.png"), fullPage: true });

  // Delete a photo from its page: one that shows none of the people changed above.
  const changed = new Set([first.personId, a.personId, b.personId]);
  const kept = new Set();
  for (const f of [...merged.faces, ...(await apiGet(`/api/people/${first.personId}`)).body.faces]) kept.add(f.photoId);
  let faceOfPhoto;
  for (const p of everyone.people.filter((p) => !changed.has(p.personId))) {
    faceOfPhoto = (await apiGet(`/api/people/${p.personId}`)).body.faces.find((f) => !kept.has(f.photoId));
    if (faceOfPhoto) break;
  }
  assert.ok(faceOfPhoto, "a photo to delete");
  await page.goto(url + `#/photo/${faceOfPhoto.photoId}`);
  await page.click("#delete-photo");
  await page.waitForSelector("text=Photo deleted");

  // Everything is kept: a reload, and the API, show the same.
  await page.reload();
  await page.goto(url + `#/person/${first.personId}`);
  assert.equal(await page.inputValue("input.rename"), "Colin");
  assert.equal((await apiGet(`/api/photos/${faceOfPhoto.photoId}`)).status, 404);
  const movedFrom = merged.faces.find((f) => f.faceId === movedFace);  // its photo is kept above
  const movedTo = (await apiGet(`/api/photos/${movedFrom.photoId}`)).body.faces.find((f) => f.faceId === movedFace);
  assert.notEqual(movedTo.personId, survivor.personId);
  assert.equal((await apiGet(`/api/people/${movedTo.personId}`)).body.faceCount, 1);
  assert.equal((await apiGet(`/api/people/${a.faceCount >= b.faceCount ? b.personId : a.personId}`)).status, 404);
  // The README's picture (docs/images/people-page.jpg): the grid after a reload, Others open.
  await page.goto(url + "#/");
  await page.click("#others summary");
  await page.waitForSelector("#others .tile");
  await page.screenshot({ path: join(artifacts, "people-page.png") });

  // A phone-sized screen.
  const phone = await signedInPage(server, { width: 390, height: 844 }, true);
  await phone.waitForSelector(".tile");
  await phone.screenshot({ path: join(artifacts, "people-grid-phone.png") });
  // Signing out ends the session: the next load asks for the token again.
  await phone.click("#sign-out");
  await phone.waitForSelector("text=Signed out.");
  await phone.reload();
  await phone.waitForSelector("form.login");
});

async function photoCount() {
  // Counted through the faces' photos and each uploaded photo's status, as a user would see it.
  const response = await fetch(url + "/metrics");
  const match = /beetroot_photos_ingested_total (\d+)/.exec(await response.text());
  return match ? Number(match[1]) : 0;
}
