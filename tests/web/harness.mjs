// What the page tests share: a real `beetroot serve` on a scratch folder, Debian's Chromium, the
// API called with the token, and waiting for a condition.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir, homedir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const repo = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const demo = join(process.env.BEETROOT_MODELS ?? join(homedir(), ".local/share/beetroot/models"), "demo");
export const lfw = join(process.env.BEETROOT_SHARED_DATA ?? join(repo, "../shared/data"), "lfw/lfw-deepfunneled");
export const artifacts = process.env.ARTIFACTS_DIR ?? join(repo, "artifacts");
const binary = process.env.BEETROOT_BINARY ?? join(repo, "build/beetroot");

export async function until(predicate, what, timeoutMs = 300000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

// A server and a browser; stop() checks that the server exits 0 on SIGTERM.
export async function startServer() {
  const data = mkdtempSync(join(tmpdir(), "beetroot-e2e-"));
  const token = "e2e-" + Math.random().toString(36).slice(2);
  mkdirSync(artifacts, { recursive: true });
  const server = spawn(binary, ["serve", "--port", "0"], {
    env: { ...process.env, BEETROOT_DATA: data, BEETROOT_API_TOKEN: token }, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    server.stdout.on("data", (chunk) => {
      const match = /listening on (\S+)/.exec(chunk.toString());
      if (match) resolve(match[1]);
    });
    server.on("exit", (code) => reject(new Error(`beetroot serve exited with ${code}`)));
  });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const api = async (path, options = {}) => {
    const response = await fetch(url + path, { ...options, headers: { Authorization: `Bearer ${token}`, ...options.headers } });
    return { status: response.status, body: response.status === 200 ? await response.json() : null };
  };
  const stop = async () => {
    await browser.close();
    const exited = new Promise((resolve) => server.on("exit", resolve));
    server.kill("SIGTERM");
    assert.equal(await exited, 0, "beetroot serve exits 0 on SIGTERM");
    rmSync(data, { recursive: true, force: true });
  };
  return { url, token, browser, api, stop };
}

// A page of the browser, signed in with the token.
export async function signedInPage(server, viewport = { width: 1280, height: 900 }, isMobile = false) {
  const page = await server.browser.newPage({ viewport, isMobile });
  await page.goto(server.url);
  await page.fill("input[name=token]", server.token);
  await page.click("form.login button");
  return page;
}
