// Loads the People page in Chromium 5 times and prints the medians of the time to the first tile
// and to the first screen of tiles with their thumbnails drawn. Used by people_bench.
// Usage: node people_render.mjs URL TOKEN
import { createRequire } from "node:module";
const require = createRequire(new URL("../tests/web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [url, token] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
await context.addCookies([{ name: "beetroot_token", value: token, url }]);
const firstTile = [], firstScreen = [];
for (let i = 0; i < 5; ++i) {
  const page = await context.newPage();
  const start = Date.now();
  await page.goto(url);
  await page.waitForSelector(".tile, .empty");
  firstTile.push(Date.now() - start);
  // Every tile in view with its thumbnail decoded (or the empty-state message).
  await page.waitForFunction(() => [...document.querySelectorAll(".tile img")]
    .filter((img) => img.getBoundingClientRect().top < innerHeight).every((img) => img.complete && img.naturalWidth > 0));
  firstScreen.push(Date.now() - start);
  await page.close();
}
await browser.close();
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`first tile ${median(firstTile)} ms, first screen drawn ${median(firstScreen)} ms;`);
