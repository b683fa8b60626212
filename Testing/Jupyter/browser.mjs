// Headless Chromium for TestJupyter.py, driven over stdin/stdout: one JSON command a line
// ({"cmd": "open", "name": "nb", "url": "..."}), one JSON reply a line ({"ok": true,
// "result": ...} or {"ok": false, "error": "..."}). Each named page holds a notebook-like page
// whose first <iframe> is the RenderStream view; the checks look into that frame.
// Environment: CHROMIUM (default /usr/bin/chromium); playwright-core from Testing/Browser.
import readline from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../Browser/package.json"));
const { chromium } = require("playwright-core");
const sleep = ms => new Promise(r => setTimeout(r, ms));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  timeout: 30000,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--headless=new",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run"],
});
const pages = new Map(); // name -> { context, page, messages }

// The view's frame, and an evaluation inside it that survives the sign-in page's reload.
async function viewFrame(name) {
  const { page } = pages.get(name);
  const frame = await (await page.waitForSelector("iframe", { timeout: 10000 })).contentFrame();
  if (!frame) throw new Error("the iframe has no frame");
  return frame;
}
async function inView(name, fn, arg) {
  const frame = await viewFrame(name);
  try { return await frame.evaluate(fn, arg); } catch (e) { return undefined; } // navigating
}
const viewState = name => inView(name, () => window.renderStream && {
  framesReceived: window.renderStream.stats.framesReceived,
  frameWidth: window.renderStream.stats.frameWidth,
  frameHeight: window.renderStream.stats.frameHeight,
  quietMs: performance.now() - window.renderStream.stats.lastFrameAt,
  sample: window.renderStream.sample(64, 48),
  text: document.body.innerText,
});
async function until(what, condition, timeoutMs) {
  const start = Date.now();
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const commands = {
  // A page (its own cookies) at `url`, once its view shows a picture.
  async open({ name, url }) {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const messages = []; // JSON text messages the view's WebSocket received
    page.on("websocket", ws => ws.on("framereceived", f => {
      if (typeof f.payload === "string") try { messages.push(JSON.parse(f.payload)); } catch (e) { /* not JSON */ }
    }));
    pages.set(name, { context, page, messages });
    await page.goto(url);
    const state = await until("a picture in the view", async () => {
      const s = await viewState(name);
      return s && s.framesReceived >= 1 && s.frameWidth > 0 && s;
    }, 15000);
    return { frameUrl: (await viewFrame(name)).url(), ...state };
  },
  // A page at `url` without waiting for its view: for frames that must be refused.
  async visit({ name, url, waitMs = 2000 }) {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    const page = await context.newPage();
    pages.set(name, { context, page, messages: [] });
    await page.goto(url);
    await sleep(waitMs);
    const frame = await viewFrame(name);
    return { frameUrl: frame.url(), viewer: await frame.evaluate(() => !!window.renderStream).catch(() => false) };
  },
  state: ({ name }) => viewState(name),
  // The picture once no frame has come for quietMs (the still frame follows 300 ms after input).
  settle: ({ name, quietMs = 700 }) =>
    until("the view to settle", async () => { const s = await viewState(name); return s && s.quietMs >= quietMs && s; }, 10000),
  // Waits for a frame after `after` frames.
  async nextFrame({ name, after, timeoutMs = 10000 }) {
    return until(`a frame after #${after}`, async () => { const s = await viewState(name); return s && s.framesReceived > after && s; }, timeoutMs);
  },
  // A left drag from the iframe's centre by (dx, dy) CSS px, held there for holdMs.
  async drag({ name, dx, dy, steps = 10, holdMs = 0 }) {
    const { page } = pages.get(name);
    const box = await (await page.$("iframe")).boundingBox();
    const x = box.x + box.width / 2, y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let i = 1; i <= steps; i++) {
      await page.mouse.move(x + dx * i / steps, y + dy * i / steps);
      await sleep(16);
    }
    await sleep(holdMs);
    await page.mouse.up();
    return null;
  },
  // Clicks an element of the view's page (its toolbar), e.g. "text=Joystick".
  async click({ name, selector }) {
    await (await viewFrame(name)).locator(selector).first().click();
    return null;
  },
  messages: ({ name }) => pages.get(name).messages,
  async screenshot({ name, path: file, selector }) {
    const { page } = pages.get(name);
    await (selector ? page.locator(selector).first() : page).screenshot({ path: file });
    return file;
  },
  async close({ name }) {
    const entry = pages.get(name);
    pages.delete(name);
    if (entry) await entry.context.close();
    return null;
  },
};

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  const { cmd, ...args } = JSON.parse(line);
  let reply;
  try {
    if (cmd === "quit") break;
    reply = { ok: true, result: (await commands[cmd](args)) ?? null };
  } catch (e) {
    reply = { ok: false, error: String(e && e.stack || e) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
}
await browser.close();
