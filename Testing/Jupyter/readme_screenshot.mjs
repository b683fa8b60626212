// Regenerates the README's notebook picture: a real `jupyter notebook` server runs a copy of
// Examples/Python/notebook.ipynb in headless Chromium (the show() cell, a drag in its view,
// then the cell that moves and recolours the cone), and the two cells are captured.
// Usage (from the repository root, after the build):
//   xvfb-run -a -s "-noreset -screen 0 1920x1080x24" node Testing/Jupyter/readme_screenshot.mjs OUT.png
// Environment: PYTHONPATH (default build/lib/python3.11/site-packages), CHROMIUM.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const { chromium } = createRequire(path.join(here, "../Browser/package.json"))("playwright-core");
const out = path.resolve(process.argv[2] || "notebook.png");
const sleep = ms => new Promise(r => setTimeout(r, ms));

const port = await new Promise(resolve => {
  const probe = net.createServer().listen(0, "127.0.0.1", () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
});
const token = randomBytes(16).toString("hex");
const dir = mkdtempSync(path.join(os.tmpdir(), "renderstream-notebook-"));
copyFileSync(path.join(root, "Examples/Python/notebook.ipynb"), path.join(dir, "notebook.ipynb"));
const jupyter = spawn("jupyter", ["notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`,
  "--port-retries=0", "--allow-root", `--notebook-dir=${dir}`, `--NotebookApp.token=${token}`], {
  stdio: "ignore",
  env: { ...process.env, PYTHONPATH: process.env.PYTHONPATH || path.join(root, "build/lib/python3.11/site-packages") },
});
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--headless=new", "--no-first-run"] });
try {
  for (let i = 0; ; i++) { // the server answers once it listens
    try { if ((await fetch(`http://127.0.0.1:${port}/api`)).ok) break; } catch (e) { if (i > 300) throw e; }
    await sleep(100);
  }
  const page = await browser.newPage({ viewport: { width: 1000, height: 2400 }, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${port}/notebooks/notebook.ipynb?token=${token}`);
  await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel &&
    Jupyter.notebook.kernel.is_connected(), null, { timeout: 30000 });
  const cells = await page.evaluate(() => Jupyter.notebook.get_cells().map(c => (c.metadata.tags || [])[0] || ""));
  const index = tag => cells.indexOf(tag);
  await page.evaluate(i => Jupyter.notebook.execute_cells(i), [index("scene"), index("show")]);

  const iframe = await page.waitForSelector(".output_area iframe", { timeout: 30000 });
  const frame = await iframe.contentFrame();
  for (;;) { // the sign-in page reloads into the viewer; wait for its first picture
    const ok = await frame.evaluate(() => window.renderStream && window.renderStream.stats.framesReceived > 0).catch(() => false);
    if (ok) break;
    await sleep(100);
  }
  await sleep(1500); // the page has sized the window to the view and is idle
  const box = await iframe.boundingBox();
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) { await page.mouse.move(x - 10 * i, y + 5 * i); await sleep(30); }
  await page.mouse.up();
  await page.evaluate(i => Jupyter.notebook.execute_cells(i), [index("change")]);
  await page.mouse.move(5, 5); // out of the view: no hover effect
  await sleep(2500);           // the change and the still frame are on screen

  const first = await page.locator(".cell").nth(index("show")).boundingBox();
  const last = await page.locator(".cell").nth(index("change")).boundingBox();
  await page.screenshot({ path: out, clip: { x: first.x, y: first.y, width: first.width,
                                             height: last.y + last.height - first.y } });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  jupyter.kill("SIGTERM"); // the server shuts its kernel down, which stops the stream
  await new Promise(r => jupyter.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
