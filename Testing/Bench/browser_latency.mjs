// Bench: input-to-frame latency in headless Chromium, JPEG against H.264, on StreamCone at
// 1280x720 (a page per codec, rounds alternating so drift hits both). Prints one JSON object.
// Run by bench.sh (needs Testing/Browser/node_modules: `npm ci` there).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const browserDir = path.resolve(here, "../Browser");
const { chromium } = await import(path.join(browserDir, "node_modules/playwright-core/index.mjs"));
const { inputToFrameLatency } = await import(path.join(browserDir, "latency.mjs"));
const binDir = process.argv[2] || path.resolve(here, "../../build/bin");
const smoke = process.argv.includes("--smoke");

const app = spawn(path.join(binDir, "StreamCone"), ["--offscreen", "--size", "1280x720", "--seconds", "300"],
  { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((resolve, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error("StreamCone did not start")), 30000);
  app.stdout.on("data", d => { out += d; const m = out.match(/RenderStream: serving (http:\/\/\S+)/); if (m) { clearTimeout(timer); resolve(m[1]); } });
});
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--headless=new"] });
try {
  const result = {};
  const runs = { jpeg: [], h264: [] }, breakdowns = {};
  for (let round = 0; round < (smoke ? 1 : 3); round++) {
    for (const codec of ["jpeg", "h264"]) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
      const page = await context.newPage();
      await page.goto(url.replace("#", "?codec=" + codec + "#")); // the link is http://HOST:PORT/#token=T
      await page.waitForFunction(c => window.renderStream && window.renderStream.stats.codec === c && window.renderStream.stats.framesReceived > 0,
        codec, { timeout: 20000 });
      await page.waitForTimeout(1000);
      const box = await page.locator("#view").boundingBox();
      runs[codec].push(await inputToFrameLatency(page, { drags: smoke ? 5 : 20, x: box.x + box.width / 2, y: box.y + box.height / 2 }));
      // Where the time of the drags' frames went (the page's medians over the last second).
      breakdowns[codec] = await page.evaluate(() => ({ ...window.renderStream.stats.breakdown }));
      await context.close();
    }
  }
  for (const codec of ["jpeg", "h264"]) {
    const median = key => runs[codec].map(r => r[key].p50).sort((a, b) => a - b)[Math.floor(runs[codec].length / 2)];
    result[codec] = { arrivedP50Ms: +median("arrived").toFixed(1), shownP50Ms: +median("shown").toFixed(1),
      samples: runs[codec].reduce((n, r) => n + r.samples, 0), breakdown: breakdowns[codec] };
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
  app.kill("SIGTERM");
}
