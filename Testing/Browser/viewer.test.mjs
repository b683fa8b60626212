// Browser end-to-end test of the viewer page (issue 5): StreamCone streams, headless Chromium
// opens the printed link through playwright-core, and every check looks at the picture the
// page really received: mouse, touch (CDP touch events, seen by the page as pointer events of
// type "touch"), and a real connection loss through a TCP proxy. Run: node --test viewer.test.mjs
// Environment: RENDERSTREAM_BIN_DIR (holds StreamCone), RENDERSTREAM_TEST_OUTPUT (screenshots),
// CHROMIUM (default /usr/bin/chromium).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inputToFrameLatency } from "./latency.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const binDir = process.env.RENDERSTREAM_BIN_DIR || path.resolve(here, "../../build/bin");
const outDir = process.env.RENDERSTREAM_TEST_OUTPUT || path.resolve(here, "../../build/Testing/Browser");
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(outDir, { recursive: true });

// playwright-core 1.65 needs Node 20 or newer (Debian 12's own nodejs is 18).
if (Number(process.versions.node.split(".")[0]) < 20)
  throw new Error(`Node ${process.versions.node} is too old for playwright-core: install Node 20 or newer`);

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (e) {
  throw new Error(`playwright-core is missing: run 'npm ci' in ${here} (./run test does it)`);
}

const log = (...a) => console.log("#", ...a);
const sleep = ms => new Promise(r => setTimeout(r, ms));

// ---- the streaming application --------------------------------------------------------------
let app = null, browser = null;
let url = "", viewOnlyUrl = "";
// The app's HOME: page recordings land in its ~/Videos/RenderStream (the default --record-dir).
const appHome = mkdtempSync(path.join(os.tmpdir(), "renderstream-viewer-home-"));
const recordDir = path.join(appHome, "Videos", "RenderStream");

function startStreamCone() {
  return new Promise((resolve, reject) => {
    const exe = path.join(binDir, "StreamCone");
    // --seconds is only a safety net (after() stops it): longer than the whole run on a busy machine.
    app = spawn(exe, ["--offscreen", "--size", "640x480", "--seconds", "170", "--port", "0"],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HOME: appHome } });
    let out = "", err = "";
    const timer = setTimeout(() => reject(new Error(`no ready line from ${exe} in 20 s\n${out}\n${err}`)), 20000);
    const check = () => {
      const ready = out.match(/RenderStream: serving (http:\/\/\S+)/);
      const view = err.match(/\(view-only: (http:\/\/[^\s)]+)\)/);
      if (ready && view) { clearTimeout(timer); url = ready[1]; viewOnlyUrl = view[1]; resolve(); }
    };
    app.stdout.on("data", d => { out += d; check(); });
    app.stderr.on("data", d => { err += d; check(); });
    app.on("error", e => { clearTimeout(timer); reject(e); });
    app.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (!url) reject(new Error(`StreamCone exited (${code ?? signal}) before its ready line\n${out}\n${err}`));
      app = null;
    });
  });
}

function stopStreamCone() {
  if (!app) return Promise.resolve();
  const child = app;
  return new Promise(resolve => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => { clearTimeout(kill); resolve(); });
    child.kill("SIGTERM");
  });
}
// Whatever happens (failure, Ctrl-C, an uncaught error), the application does not outlive us.
process.on("exit", () => { if (app) app.kill("SIGKILL"); rmSync(appHome, { recursive: true, force: true }); });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { if (app) app.kill("SIGKILL"); process.exit(1); });

// The printed link is http://127.0.0.1:PORT/#token=T: a client that is not the page puts the
// token in the query.
const tokenOf = link => new URLSearchParams(new URL(link).hash.slice(1)).get("token");
const withQuery = (link, query) => link.replace("#", "?" + query + "#");
async function serverStats() {
  const u = new URL(url);
  u.pathname = "/stats";
  u.search = "token=" + tokenOf(url);
  const res = await fetch(u);
  assert.equal(res.status, 200, "/stats answers");
  return res.json();
}

// ---- page helpers ---------------------------------------------------------------------------
const stats = page => page.evaluate(() => ({ ...window.renderStream.stats, frameTimes: undefined, shownTimes: undefined }));
const sample = page => page.evaluate(() => window.renderStream.sample(64, 48));
function difference(a, b) { // mean absolute grey-level difference, 0..255
  assert.ok(a && b && a.length === b.length, "two samples of the same size");
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}
// Share of the picture covered by the cone (lighter than the dark blue background): grows when
// the camera zooms in.
const coverage = s => s.filter(v => v > 80).length / s.length;
// Mean column (0..1, left to right) of the cone's pixels in a 64-wide sample: grows when the
// scene pans to the right.
function coneCentreX(s, width = 64) {
  let sum = 0, n = 0;
  s.forEach((v, i) => { if (v > 80) { sum += (i % width) / (width - 1); n++; } });
  return n ? sum / n : NaN;
}
// The zoom check: the picture changed, and the cone covers more of it than before.
function assertZoomedIn(before, after, what) {
  const d = difference(before, after), c0 = coverage(before), c1 = coverage(after);
  log(`${what}: difference ${d.toFixed(2)}, cone coverage ${c0.toFixed(2)} -> ${c1.toFixed(2)}`);
  assert.ok(d > 3, `${what} changed the picture (difference ${d.toFixed(2)})`);
  assert.ok(c1 > c0, `${what} zoomed in (cone coverage ${c0.toFixed(2)} -> ${c1.toFixed(2)})`);
  return d;
}
// A pan moves the picture by about the fingers' travel (both as shares of the width).
function assertFollows(moved, travel, what) {
  log(`${what}: picture moved ${moved.toFixed(3)} of the width for ${travel.toFixed(3)} of finger travel`);
  assert.ok(moved > 0.6 * travel && moved < 1.4 * travel,
    `${what}: the picture follows the fingers (moved ${moved.toFixed(3)}, fingers ${travel.toFixed(3)})`);
}
// Polls a condition on the test's side (the page's are page.waitForFunction).
async function until(condition, what, timeoutMs = 15000) {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
// A fresh context (its own cookies) showing `link`, once its first frame is on screen. `sent`
// collects the JSON messages the page sends on its WebSockets, as the browser's network sees them.
async function openViewer(link, options = {}) {
  const context = await browser.newContext({ viewport: { width: 640, height: 480 }, deviceScaleFactor: 1, ...options });
  try {
    const page = await context.newPage();
    const sent = [];
    page.on("websocket", ws => ws.on("framesent", f => { if (typeof f.payload === "string") sent.push(JSON.parse(f.payload)); }));
    await page.goto(link);
    await waitForFrames(page, 1);
    return { context, page, sent };
  } catch (e) {
    await context.close();
    throw e;
  }
}
async function waitForFrames(page, count = 1) {
  await page.waitForFunction(n => window.renderStream && window.renderStream.stats.framesReceived >= n &&
    window.renderStream.stats.frameWidth > 0, count, { timeout: 15000 });
}
// Runs an action that changes the picture, waits for the first frame after it, then settles.
async function act(page, action) {
  const n = await page.evaluate(() => window.renderStream.stats.framesReceived);
  await action();
  await page.waitForFunction(k => window.renderStream.stats.framesReceived > k, n, { timeout: 5000 });
  return settle(page);
}
// Waits until no frame has arrived for quietMs (the server's still frame comes 300 ms after the
// last input), then returns the picture on screen.
async function settle(page, quietMs = 700, timeoutMs = 8000) {
  const start = Date.now();
  for (;;) {
    const quiet = await page.evaluate(() => performance.now() - window.renderStream.stats.lastFrameAt);
    if (quiet >= quietMs) break;
    if (Date.now() - start > timeoutMs) throw new Error("frames never stopped coming");
    await sleep(Math.max(50, quietMs - quiet));
  }
  await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
  return sample(page);
}
async function viewCenter(page) {
  const box = await page.locator("#view").boundingBox();
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}
async function drag(page, dx, dy, { steps = 10, button = "left" } = {}) {
  const { x, y } = await viewCenter(page);
  await page.mouse.move(x, y);
  await page.mouse.down({ button });
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(x + dx * i / steps, y + dy * i / steps);
    await sleep(16);
  }
  await page.mouse.up({ button });
}
// Touch through the DevTools protocol (a context with hasTouch): each finger goes from
// `from` to `to` ([dx, dy] CSS px from the view's centre). Fingers land one after the other,
// move together in `steps`, then lift in reverse order.
async function touchGesture(page, cdp, fingers, steps = 10) {
  const c = await viewCenter(page);
  const at = (t, n = fingers.length) => fingers.slice(0, n).map(({ from, to }, id) =>
    ({ id, x: c.x + from[0] + (to[0] - from[0]) * t, y: c.y + from[1] + (to[1] - from[1]) * t }));
  const touch = (type, touchPoints) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints });
  for (let n = 1; n <= fingers.length; n++) { await touch("touchStart", at(0, n)); await sleep(16); }
  for (let i = 1; i <= steps; i++) { await touch("touchMove", at(i / steps)); await sleep(16); }
  for (let n = fingers.length - 1; n >= 0; n--) { await touch("touchEnd", at(1, n)); await sleep(16); }
}
// Records the pointer events the view receives (type, pointerType, pointerId), so a test can
// check what the browser really delivered; pointerLog(page) returns them and starts over.
const watchPointers = page => page.evaluate(() => {
  const log = window.pointerLog = [];
  for (const type of ["pointerdown", "pointermove", "pointerup", "pointercancel"])
    document.getElementById("view").addEventListener(type, e => log.push({ type, kind: e.pointerType, id: e.pointerId }));
});
const pointerLog = page => page.evaluate(() => window.pointerLog.splice(0));
function assertTouches(events, fingers, what) {
  const count = type => events.filter(e => e.type === type).length;
  log(`${what}: pointer events`, ["pointerdown", "pointermove", "pointerup", "pointercancel"].map(t => `${t} ${count(t)}`).join(", "));
  assert.deepEqual([...new Set(events.map(e => e.kind))], ["touch"], `${what}: only pointer events of type "touch"`);
  const downs = events.filter(e => e.type === "pointerdown");
  assert.equal(new Set(downs.map(e => e.id)).size, fingers, `${what}: ${fingers} finger(s) went down`);
  assert.equal(downs.length, fingers, `${what}: one pointerdown per finger`);
  assert.equal(count("pointerup"), fingers, `${what}: every finger lifted (pointerup, not cancelled)`);
  assert.ok(count("pointermove") >= 2 * fingers, `${what}: the fingers moved`);
}

// A TCP proxy between the browser and the server: a page loaded through it opens its /ws through
// it too (location.host), so destroying the proxied sockets is a real connection loss. It notes
// when each WebSocket upgrade request arrives, and can refuse them (close the socket) for a while.
async function startProxy(target) {
  const upstream = new URL(target);
  const open = new Set(), wsAttempts = [];
  let refusing = false;
  const server = net.createServer(client => {
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => {});
    client.once("data", first => {
      const isWs = first.toString("latin1").startsWith("GET /ws");
      if (isWs) wsAttempts.push({ at: performance.now(), refused: refusing });
      if (isWs && refusing) { client.destroy(); return; }
      const up = net.connect(Number(upstream.port), upstream.hostname);
      open.add(up);
      up.on("close", () => { open.delete(up); client.destroy(); });
      up.on("error", () => {});
      client.on("close", () => up.destroy());
      up.write(first);
      client.pipe(up);
      up.pipe(client);
    });
  });
  await new Promise((resolve, reject) => { server.once("error", reject); server.listen(0, "127.0.0.1", resolve); });
  return {
    wsAttempts,
    link(pageUrl) { const u = new URL(pageUrl); u.hostname = "127.0.0.1"; u.port = String(server.address().port); return u.href; },
    refuse(on) { refusing = on; },
    drop() { for (const s of open) s.destroy(); },
    close() { for (const s of open) s.destroy(); return new Promise(r => server.close(r)); },
  };
}
async function shot(page, name) {
  const file = path.join(outDir, name);
  await page.screenshot({ path: file });
  log("screenshot", file);
}

// ---- the test -------------------------------------------------------------------------------
before(async () => {
  await startStreamCone();
  log("app", url, "view-only", viewOnlyUrl);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    timeout: 30000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--headless=new",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run"], // playwright gives every launch a fresh temporary profile
  });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  await stopStreamCone();
});

let context, page, baseline, back;

test("the page connects, negotiates H.264, receives frames and fills the window", async () => {
  context = await browser.newContext({ viewport: { width: 800, height: 600 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  const errors = [];
  page.on("pageerror", e => errors.push(String(e)));
  page.on("console", m => { if (m.type() === "error") errors.push(m.text()); });
  page.on("response", r => { if (r.status() >= 400) errors.push(r.status() + " " + r.url()); });
  await page.goto(url);
  await waitForFrames(page, 1);
  // The page asks for its own size (800x600 CSS px at DPR 1); wait for a frame of that size.
  await page.waitForFunction(() => window.renderStream.stats.frameWidth === 800 &&
    window.renderStream.stats.frameHeight === 600, null, { timeout: 10000 });
  baseline = await settle(page);
  const s = await stats(page);
  assert.equal(s.viewOnly, false);
  assert.equal(s.codec, "h264", "http://127.0.0.1 is a secure context: WebCodecs decodes H.264 here");
  assert.ok(s.keyFrames >= 1 && s.videoFrames >= 1, "video frames arrived, starting with a key frame");
  assert.equal(s.decodeErrors, 0);
  assert.match(await page.locator("#codec").textContent(), /^H\.264 \(\w+\)$/);
  assert.ok(await page.locator("#badge").isHidden(), "no view-only badge for the full link");
  assert.ok(baseline.some(v => v > 40), "the frame is not black");
  // The printed link's #token= was traded for the cookie, and left the address bar.
  assert.equal(page.url(), url.slice(0, url.indexOf("#")), "no token in the address bar");
  const cookies = await page.context().cookies();
  assert.ok(cookies.some(c => c.value === tokenOf(url) && c.httpOnly && c.sameSite === "Strict"), "the cookie holds it");
  await shot(page, "viewer.png");
  assert.deepEqual(errors, [], "no errors in the page");
});

test("a drag rotates the picture", async () => {
  const rotated = await act(page, () => drag(page, 150, 0));
  const d = difference(baseline, rotated);
  log("drag: difference", d.toFixed(2));
  assert.ok(d > 3, `a 150 px drag changed the picture (difference ${d.toFixed(2)})`);
  await shot(page, "viewer-rotated.png");
  // Dragging back by the same amount undoes the trackball rotation.
  back = await act(page, () => drag(page, -150, 0));
  log("drag back: difference to the start", difference(baseline, back).toFixed(2));
});

test("the wheel zooms and 'r' resets the camera", async () => {
  const before = await sample(page);
  const { x, y } = await viewCenter(page);
  await page.mouse.move(x, y);
  const zoomed = await act(page, async () => {
    for (let i = 0; i < 5; i++) { await page.mouse.wheel(0, -100); await sleep(40); }
  });
  const dz = assertZoomedIn(before, zoomed, "five wheel steps");
  await shot(page, "viewer-zoomed.png");

  await page.locator("#view").focus();
  const reset = await act(page, () => page.keyboard.press("r"));
  await shot(page, "viewer-reset.png");
  // ResetCamera keeps the view direction: compare with the picture before the zoom.
  const dr = difference(back, reset);
  log("'r': difference to the unzoomed picture", dr.toFixed(2));
  assert.ok(dr < dz / 2 && dr < 3, `'r' brought the picture back (difference ${dr.toFixed(2)})`);
});

test("the toolbar's reset button and style choice reach the application", async () => {
  const before = await serverStats();
  const zoomed = await act(page, async () => {
    for (let i = 0; i < 4; i++) { await page.mouse.wheel(0, 100); await sleep(40); }
  });
  assert.ok(difference(back, zoomed) > 3, "zoomed out");
  const reset = await act(page, () => page.getByRole("button", { name: "Reset camera" }).click());
  const dr = difference(back, reset);
  log("reset button: difference to the start", dr.toFixed(2));
  assert.ok(dr < 3, `the Reset camera button brought the picture back (difference ${dr.toFixed(2)})`);
  await page.getByText("Joystick").click();
  await page.getByText("Trackball").click();
  let afterStats;
  await until(async () => (afterStats = await serverStats()).input.accepted >= before.input.accepted + 7,
    "wheel, reset and style actions to arrive", 5000);
  assert.equal(afterStats.input.rejected, 0, "the server accepted every message the page sent");
});

test("resizing the page resizes the frames (CSS size x devicePixelRatio)", async () => {
  await page.setViewportSize({ width: 520, height: 390 });
  await page.waitForFunction(() => window.renderStream.stats.frameWidth === 520 &&
    window.renderStream.stats.frameHeight === 390, null, { timeout: 10000 });
  await settle(page);
  await shot(page, "viewer-resized.png");

  // A second window at DPR 2 asks for twice its CSS size, capped by the shared buffer.
  const { context: hi, page: hiPage } = await openViewer(url, { viewport: { width: 400, height: 300 }, deviceScaleFactor: 2 });
  try {
    const hello = (await stats(hiPage)).hello;
    const s = Math.min(1, hello.maxWidth / 800, hello.maxHeight / 600);
    const want = [Math.floor(800 * s), Math.floor(600 * s)];
    await hiPage.waitForFunction(([w, h]) => window.renderStream.stats.frameWidth === w &&
      window.renderStream.stats.frameHeight === h, want, { timeout: 10000 });
    log("DPR 2 window 400x300 CSS px: frames", want.join("x"), "(max", hello.maxWidth + "x" + hello.maxHeight + ")");
    await settle(hiPage);
    await shot(hiPage, "viewer-dpr2.png");
  } finally {
    await hi.close();
  }
  // Back to 640x480 for what follows: the first page asks again after its own resize.
  await page.setViewportSize({ width: 640, height: 480 });
  await page.waitForFunction(() => window.renderStream.stats.frameWidth === 640 &&
    window.renderStream.stats.frameHeight === 480, null, { timeout: 10000 });
});

test("a view-only page shows its badge and its drags change nothing", async () => {
  // Its own context: the page's cookie would otherwise replace the full-access one.
  const { context: vo, page: voPage } = await openViewer(viewOnlyUrl);
  try {
    await voPage.waitForFunction(() => window.renderStream.stats.viewOnly === true);
    assert.ok(await voPage.locator("#badge").isVisible(), "the view-only badge is visible");
    assert.ok(await voPage.locator("#reset").isHidden(), "no reset button without input rights");
    const first = await settle(voPage);
    const mainFirst = await sample(page);
    const server = await serverStats();
    const framesBefore = (await stats(voPage)).framesReceived;

    await drag(voPage, 200, 80);
    await voPage.mouse.wheel(0, -300);
    await voPage.locator("#view").focus();
    await voPage.keyboard.press("r");
    await sleep(800);

    const s = await stats(voPage);
    assert.equal(s.eventsSent, 0, "a view-only page sends nothing");
    assert.equal(s.framesReceived, framesBefore, "no new frame: nothing changed");
    assert.equal(difference(first, await sample(voPage)), 0, "the view-only picture is identical");
    assert.equal(difference(mainFirst, await sample(page)), 0, "the full page's picture is identical too");
    const serverAfter = await serverStats();
    assert.equal(serverAfter.input.accepted, server.input.accepted, "the server received no input");
    await shot(voPage, "viewer-view-only.png");
  } finally {
    await vo.close();
  }
});

// ---- recording from the page (issue 27) -------------------------------------------------------
test("recording: the full page records and downloads; everyone sees REC; a view-only page has no button", async () => {
  const { context: vo, page: voPage } = await openViewer(viewOnlyUrl);
  try {
    await voPage.waitForFunction(() => window.renderStream.stats.viewOnly === true);
    assert.ok(await page.locator("#record").isVisible(), "the full page has Record");
    assert.ok(await voPage.locator("#record").isHidden(), "the view-only page has no Record");
    assert.ok(await voPage.locator("#recordings").isHidden(), "nor the downloads");
    assert.ok(await page.locator("#recState").isHidden(), "no REC before recording");

    await page.locator("#record").click();
    for (const p of [page, voPage]) {
      await p.waitForFunction(() => window.renderStream.stats.recording?.active === true, null, { timeout: 5000 });
      await p.locator("#recState").waitFor({ state: "visible" });
    }
    assert.match(await voPage.locator("#recState").textContent(), /^● REC \d+ s · /, "the watcher is told");
    assert.equal(await page.locator("#record").textContent(), "■ Stop");
    await act(page, () => drag(page, 160, 40));
    await page.waitForFunction(() => window.renderStream.stats.recording.seconds >= 1, null, { timeout: 10000 });
    await shotSideBySide([page, voPage], "viewer-recording.png");
    await page.locator("#record").click();
    await page.waitForFunction(() => window.renderStream.stats.recording?.active === false, null, { timeout: 10000 });
    assert.ok(await voPage.locator("#recState").isHidden(), "REC goes away for everyone");

    const files = readdirSync(recordDir).filter(f => f.endsWith(".mp4"));
    assert.equal(files.length, 1, "one recording in ~/Videos/RenderStream: " + files);
    const probe = spawnSync("ffprobe", ["-v", "error", "-show_streams", "-of", "json", path.join(recordDir, files[0])], { encoding: "utf8" });
    const stream = JSON.parse(probe.stdout).streams[0];
    assert.equal(stream.codec_name, "h264");
    const shown = await stats(page);
    assert.deepEqual([stream.width, stream.height], [shown.frameWidth, shown.frameHeight], "the window's size, as the page gets it");

    await page.locator("#recordings").click();
    const link = page.locator("#files a");
    await link.first().waitFor();
    assert.equal(await link.first().textContent(), files[0]);
    const bytes = await page.evaluate(async href => (await (await fetch(href)).arrayBuffer()).byteLength,
      await link.first().getAttribute("href"));
    assert.equal(bytes, statSync(path.join(recordDir, files[0])).size, "the download is the file");
    const refused = await voPage.evaluate(async () => (await fetch("recordings/")).status);
    assert.equal(refused, 403, "a view-only page may not list them");
  } finally {
    await vo.close();
    await page.locator("#files").evaluate(e => { e.hidden = true; });
  }
});

// ---- several people in one scene (issue 26) ---------------------------------------------------
const named = (link, name) => withQuery(link, "name=" + encodeURIComponent(name));
const visible = (page, selector) => page.locator(selector).isVisible();
// Side by side in one picture: each page's screenshot as an image in a blank page.
async function shotSideBySide(pages, name) {
  const images = await Promise.all(pages.map(p => p.screenshot()));
  const sheet = await browser.newPage({ viewport: { width: 640 * pages.length + 10 * (pages.length - 1), height: 480 } });
  try {
    await sheet.setContent(`<body style="margin:0;background:#000;display:flex;gap:10px">${images.map(i =>
      `<img src="data:image/png;base64,${i.toString("base64")}">`).join("")}</body>`);
    await sheet.waitForFunction(() => [...document.images].every(i => i.complete));
    await shot(sheet, name);
  } finally {
    await sheet.close();
  }
}

test("together: one page steers, the other's drag changes nothing, asks and is given control; pointers and names show as text", async () => {
  await sleep(2200); // the first page of this file steered a moment ago: let the implicit rule free it
  const a = await openViewer(named(url, "<b>Ada</b>"));
  const b = await openViewer(named(url, "Bob"));
  const v = await openViewer(named(viewOnlyUrl, "Eve"));
  try {
    const [ada, bob, eve] = [a.page, b.page, v.page];
    await bob.waitForFunction(() => window.renderStream.stats.participants.filter(p => ["<b>Ada</b>", "Bob", "Eve"].includes(p.name)).length === 3);
    assert.ok(!(await visible(ada, "#nameForm")), "a name in the link: the page does not ask for one");
    // Ada presses and holds still: she steers, and every page says so (her name as text).
    const { x, y } = await viewCenter(ada);
    await ada.mouse.move(x, y);
    await ada.mouse.down();
    await ada.mouse.move(x + 40, y);
    await bob.waitForFunction(() => window.renderStream.stats.driver === "<b>Ada</b>");
    await eve.waitForFunction(() => window.renderStream.stats.driver === "<b>Ada</b>");
    assert.equal(await bob.locator("#driver").textContent(), "<b>Ada</b> steers");
    assert.equal(await bob.locator("#people b").count(), 0, "the name is text, not markup");
    assert.deepEqual((await stats(bob)).participants.filter(p => p.self), [{ name: "Bob", role: "participant", self: true }]);
    assert.ok(await visible(bob, "#ask"), "Bob may ask for control");
    assert.ok(!(await visible(ada, "#ask")) && await visible(ada, "#release"), "Ada may keep or release");
    assert.ok(!(await visible(eve, "#ask")), "a view-only page cannot ask");
    // Bob's drag while Ada holds her button: nothing moves, and it is counted. Measured from
    // the still of Ada's move (a video page shows it as a JPEG): on a busy machine it may come
    // after settle()'s quiet spell, and it differs from the last video frame.
    await bob.waitForFunction(() => window.renderStream.stats.shown === "jpeg", null, { timeout: 5000 });
    const before = await settle(bob);
    const notApplied = (await serverStats()).control.notApplied;
    await drag(bob, 160, 0);
    await sleep(500);
    const after = await settle(bob);
    const moved = difference(before, after);
    const counted = (await serverStats()).control.notApplied - notApplied;
    log(`Bob's drag while Ada steers: picture difference ${moved.toFixed(2)}, ${counted} events not applied`);
    assert.equal(moved, 0, "the picture did not change");
    assert.ok(counted >= 3, "the drag was counted as not applied");
    // Pointers: Eve's (view only) and Bob's show on Ada's page, labelled, and move nothing.
    const ev = await viewCenter(eve);
    const t0 = Date.now();
    await eve.mouse.move(ev.x - 100, ev.y - 60);
    await eve.mouse.move(ev.x - 90, ev.y - 50);
    await ada.waitForFunction(() => [...document.querySelectorAll("#cursors .cursor span")].some(s => s.textContent === "Eve"),
      null, { timeout: 5000 });
    log(`Eve's pointer on Ada's page after ${Date.now() - t0} ms`);
    await bob.mouse.move(x - 50, y + 30);
    await ada.waitForFunction(() => [...document.querySelectorAll("#cursors .cursor span")].some(s => s.textContent === "Bob"),
      null, { timeout: 5000 });
    assert.equal(difference(after, await settle(bob)), 0, "pointers move nothing");
    await ada.mouse.up();
    await shotSideBySide([ada, bob], "together.png");
    // Ada keeps control (presenting: an ask is not granted however idle she is), Bob asks, Ada's
    // page shows the request; she gives; Bob's drag now turns the scene.
    await ada.locator("#keep").click();
    await bob.waitForFunction(() => document.getElementById("driver").textContent === "<b>Ada</b> steers (presenting)");
    await bob.locator("#ask").click();
    await ada.waitForFunction(() => !document.getElementById("request").hidden);
    assert.equal(await ada.locator("#requestText").textContent(), "Bob asks for control");
    await shotSideBySide([ada, bob], "together-ask.png");
    await ada.locator("#give").click();
    await bob.waitForFunction(() => window.renderStream.stats.driver === "Bob");
    const given = await settle(bob);
    const turned = await act(bob, () => drag(bob, 160, 0));
    log("Bob's drag once given control: difference", difference(given, turned).toFixed(2));
    assert.ok(difference(given, turned) > 3, "Bob's drag turns the scene once he steers");
    // Bob closes his tab while steering: control is free at once.
    await b.context.close();
    await ada.waitForFunction(() => window.renderStream.stats.driver === null, null, { timeout: 3000 });
  } finally {
    for (const c of [a, b, v]) await c.context.close().catch(() => {});
  }
});

test("together: a page that finds nobody steering steers at once and is never asked anything", async () => {
  await sleep(2200);
  const a = await openViewer(named(url, "Solo"));
  try {
    const before = await settle(a.page);
    const after = await act(a.page, () => drag(a.page, 150, 0));
    assert.ok(difference(before, after) > 3, "the drag turned the scene");
    await a.page.waitForFunction(() => window.renderStream.stats.driver === "Solo");
    for (const id of ["#ask", "#request", "#note", "#nameForm"]) assert.ok(!(await visible(a.page, id)), `no ${id}`);
  } finally {
    await a.context.close();
  }
});

test("the viewer reconnects with backoff after the connection drops", async () => {
  const proxy = await startProxy(url);
  const { context: ctx, page: p } = await openViewer(proxy.link(url));
  try {
    assert.equal((await stats(p)).connects, 1, "one connection, through the proxy");
    assert.equal(proxy.wsAttempts.length, 1, "the page's /ws went through the proxy");
    // The connection drops, and the attempts that follow find nobody: the page keeps retrying.
    proxy.refuse(true);
    const droppedAt = performance.now();
    proxy.drop();
    await p.waitForFunction(() => !window.renderStream.stats.connected, null, { timeout: 10000 });
    assert.equal(await p.locator("#state").textContent(), "Reconnecting…");
    assert.ok(await p.locator("#banner").isVisible(), "the connection-lost banner shows");
    assert.match(await p.locator("#banner").textContent(), /^Connection lost — reconnecting in \d+ s…$/);
    await shot(p, "viewer-reconnecting.png");
    await until(() => proxy.wsAttempts.length >= 2, "a refused reconnection attempt");
    const down = await stats(p);
    assert.equal(down.connected, false, "still down after a refused attempt");
    assert.equal(down.connects, 1);
    assert.equal(await p.locator("#state").textContent(), "Reconnecting…");

    // The next attempt gets through: connected again, banner gone, frames and input flow.
    proxy.refuse(false);
    await p.waitForFunction(() => window.renderStream.stats.connected && window.renderStream.stats.connects === 2,
      null, { timeout: 20000 });
    const attempts = proxy.wsAttempts.slice(1).map(a => (a.at - droppedAt).toFixed(0) + " ms" + (a.refused ? " (refused)" : ""));
    log("reconnection attempts after the drop:", attempts.join(", "));
    assert.deepEqual(proxy.wsAttempts.map(a => a.refused),
      [false, ...Array(proxy.wsAttempts.length - 2).fill(true), false], "refused while the proxy refused, then through");
    // Backoff: an attempt starts only after the previous one failed, so each gap is at least the
    // page's wait; after a failed attempt the wait has grown past its 250 ms (±20 %) start.
    // (A lower bound: a slow machine only makes the gaps longer.)
    const gap = proxy.wsAttempts[2].at - proxy.wsAttempts[1].at;
    assert.ok(gap > 300, `the page backs off instead of retrying at once (${gap.toFixed(0)} ms between attempts)`);
    await p.waitForFunction(() => document.getElementById("state").textContent === "Connected", null, { timeout: 5000 });
    assert.ok(await p.locator("#banner").isHidden(), "the banner is gone once connected");
    await waitForFrames(p, down.framesReceived + 1);
    const before = await settle(p);
    const after = await act(p, () => drag(p, 120, 40));
    const d = difference(before, after);
    log("drag after reconnecting: difference", d.toFixed(2));
    assert.ok(d > 3, `a drag after reconnecting changed the picture (difference ${d.toFixed(2)})`);
    await shot(p, "viewer-reconnected.png");
  } finally {
    await ctx.close();
    await proxy.close();
  }
});

test("touch: one finger rotates, two fingers pan, two fingers moving apart zoom in", async () => {
  const { context: ctx, page: p, sent } = await openViewer(url, { hasTouch: true });
  // What the page put on the wire for a gesture: "down 0", "move", "wheel -1", "up 0", ...
  const wire = from => sent.slice(from).filter(m => m.type === "pointer" || m.type === "wheel")
    .map(m => m.type === "wheel" ? "wheel " + m.dy : m.action + (m.action === "move" ? "" : " " + m.button));
  try {
    const cdp = await ctx.newCDPSession(p);
    await watchPointers(p);
    const server = await serverStats();
    const start = await settle(p);
    let from = sent.length;
    const rotated = await act(p, () => touchGesture(p, cdp, [{ from: [0, 0], to: [150, 0] }]));
    assertTouches(await pointerLog(p), 1, "one-finger drag");
    const drag1 = wire(from);
    log("one-finger drag sent:", drag1.join(", "));
    assert.equal(drag1[0], "down 0", "one finger presses the left button (rotate)");
    assert.equal(drag1.at(-1), "up 0", "and releases it");
    assert.ok(drag1.includes("move") && drag1.every(m => ["down 0", "move", "up 0"].includes(m)), "moves in between, nothing else");
    const d = difference(start, rotated);
    log("one-finger drag: difference", d.toFixed(2));
    assert.ok(d > 3, `a 150 px one-finger drag changed the picture (difference ${d.toFixed(2)})`);
    await shot(p, "viewer-touch-rotated.png");

    from = sent.length;
    const panned = await act(p, () => touchGesture(p, cdp, [{ from: [-40, 0], to: [80, 0] }, { from: [40, 0], to: [160, 0] }], 8));
    assertTouches(await pointerLog(p), 2, "two-finger pan");
    const pan = wire(from);
    log("two-finger pan sent:", pan.join(", "));
    assert.ok(pan.includes("down 1") && pan.at(-1) === "up 1" && !pan.some(m => m.startsWith("wheel")),
      "two fingers at a constant distance drag with the middle button (pan), no zoom");
    const x0 = coneCentreX(rotated), x1 = coneCentreX(panned);
    log(`two-finger pan: cone centre x ${x0.toFixed(3)} -> ${x1.toFixed(3)}`);
    assert.ok(x1 > x0 + 0.05, `fingers moving right pan the cone right (centre x ${x0.toFixed(3)} -> ${x1.toFixed(3)})`);
    // The picture follows the fingers (120 px of 640): no tick of ours re-applies the last pan
    // step between moves (that once moved it 1.5-2x as far, or out of view).
    assertFollows(x1 - x0, 120 / 640, "two-finger pan right");
    const left = await act(p, () => touchGesture(p, cdp, [{ from: [40, 0], to: [-40, 0] }, { from: [120, 0], to: [40, 0] }], 8));
    await pointerLog(p);
    const x2 = coneCentreX(left);
    log(`two-finger pan left: cone centre x ${x1.toFixed(3)} -> ${x2.toFixed(3)}`);
    assert.ok(x2 < x1 - 0.05, `fingers moving left pan the cone left (centre x ${x1.toFixed(3)} -> ${x2.toFixed(3)})`);
    assertFollows(x1 - x2, 80 / 640, "two-finger pan left");
    await shot(p, "viewer-touch-panned.png");
    // Panning moved the focal point off the cone; 'r' recentres it before the pinch.
    const recentred = await act(p, () => p.keyboard.press("r"));

    from = sent.length;
    const zoomed = await act(p, () => touchGesture(p, cdp, [{ from: [-50, 0], to: [-110, 0] }, { from: [50, 0], to: [110, 0] }], 8));
    assertTouches(await pointerLog(p), 2, "pinch");
    const pinch = wire(from);
    log("pinch sent:", pinch.join(", "));
    // First finger: left press; second finger: that ends, the middle button (pan) takes over
    // at the centroid, and the growing finger distance sends wheel-forward steps (zoom in).
    assert.deepEqual(pinch.filter(m => m !== "move").slice(0, 3), ["down 0", "up 0", "down 1"],
      "the second finger turns rotation into pan");
    assert.equal(pinch.at(-1), "up 1", "lifting the fingers releases the middle button");
    assert.ok(pinch.includes("wheel -1") && !pinch.includes("wheel 1"), "fingers moving apart send wheel steps forward only");
    assertZoomedIn(recentred, zoomed, "a pinch (fingers 100 -> 220 px apart)");
    await shot(p, "viewer-touch-pinched.png");
    const serverAfter = await serverStats();
    assert.equal(serverAfter.input.rejected, server.input.rejected, "the server accepted every touch message");
    assert.ok(serverAfter.input.accepted > server.input.accepted, "touch input reached the server");
  } finally {
    await ctx.close();
  }
});

test("input-to-frame latency at 640x480 over 50 drags (logged, not asserted)", async () => {
  const { x, y } = await viewCenter(page);
  const { arrived, shown, samples } = await inputToFrameLatency(page, { drags: 50, x, y });
  assert.ok(samples >= 45, `frames answered the drags (${samples}/50)`);
  const f = v => v.toFixed(1) + " ms";
  console.log(`# latency 640x480 (${(await stats(page)).codec}) over ${samples} drags: arrived p50 ${f(arrived.p50)}, ` +
    `p95 ${f(arrived.p95)}, min ${f(arrived.min)}, max ${f(arrived.max)}; decoded p50 ${f(shown.p50)}, p95 ${f(shown.p95)}`);
  const s = await serverStats();
  assert.equal(s.input.rejected, 0, "no rejected input over the whole run");
});

// ---- H.264 and its fallbacks -----------------------------------------------------------------
// The server's current picture as the page would sample it (64x48 grey levels).
const snapshotSample = page => page.evaluate(async () => {
  const res = await fetch("/snapshot.jpg", { cache: "no-store" });
  const image = await createImageBitmap(await res.blob());
  const c = new OffscreenCanvas(64, 48), g = c.getContext("2d");
  g.drawImage(image, 0, 0, 64, 48);
  const rgba = g.getImageData(0, 0, 64, 48).data, out = new Array(64 * 48);
  for (let i = 0; i < out.length; i++) out[i] = (rgba[4 * i] * 299 + rgba[4 * i + 1] * 587 + rgba[4 * i + 2] * 114) / 1000;
  return out;
});
const videoOnScreen = p => p.waitForFunction(() => window.renderStream.stats.shown === "video", null, { timeout: 10000 });

test("H.264: the decoded picture is the application's, a drag changes it, holding still does not", async () => {
  // A first page brings the window to this page size; once it is quiet, a new viewer's key
  // frame comes from the held frame and nothing renders after it, so no still covers it.
  const first = await openViewer(url);
  await settle(first.page);
  await first.context.close();
  const { context: ctx, page: p } = await openViewer(url);
  try {
    await videoOnScreen(p);
    const shown = await sample(p), truth = await snapshotSample(p);
    const d = difference(shown, truth);
    log(`H.264 picture vs /snapshot.jpg: difference ${d.toFixed(2)}`);
    assert.ok(d < 3, `the decoded H.264 picture matches the application's (difference ${d.toFixed(2)})`);
    const before = await settle(p);
    const rotated = await act(p, () => drag(p, 140, 30));
    assert.ok(difference(before, rotated) > 3, "a drag changed the picture");
    assert.equal((await stats(p)).shown, "jpeg", "once the drag ends, the sharp still covers the video");
    // Holding the button still: no new video, and the picture stays.
    const { x, y } = await viewCenter(p);
    await p.mouse.move(x, y);
    const held = await stats(p);
    await p.mouse.down();
    await sleep(1500);
    const during = await stats(p);
    const still = await sample(p);
    await p.mouse.up();
    log(`holding still for 1.5 s: ${during.videoFrames - held.videoFrames} video frames`);
    assert.equal(during.videoFrames, held.videoFrames, "holding the button still sends no video");
    assert.ok(difference(rotated, still) < 1, "holding still does not change the picture");
    const s = await stats(p);
    assert.equal(s.decodeErrors, 0);
    assert.equal(s.deltasSkipped, 0, "the server never sent a delta frame before a key frame");
    await shot(p, "viewer-h264.png");
  } finally {
    await ctx.close();
  }
});

test("?codec=jpeg falls back to JPEG, and so does a page without WebCodecs", async () => {
  const forced = await openViewer(withQuery(url, "codec=jpeg"));
  const bare = await browser.newContext({ viewport: { width: 640, height: 480 } });
  try {
    const s = await stats(forced.page);
    assert.equal(s.codec, "jpeg");
    assert.equal(s.videoFrames, 0);
    assert.equal(await forced.page.locator("#codec").textContent(), "JPEG (forced by ?codec=jpeg)");
    const before = await settle(forced.page);
    const after = await act(forced.page, () => drag(forced.page, -120, 0));
    assert.ok(difference(before, after) > 3, "a drag changes the JPEG picture");
    const clients = (await serverStats()).clientList.filter(c => c.kind === "websocket");
    assert.ok(clients.some(c => c.codec === "jpeg") , "the server sends this page JPEG");

    await bare.addInitScript(() => { delete window.VideoDecoder; });
    const p = await bare.newPage();
    await p.goto(url);
    await waitForFrames(p, 1);
    const b = await stats(p);
    assert.equal(b.codec, "jpeg", "no VideoDecoder: JPEG");
    assert.equal(b.videoWhy, "this browser has no WebCodecs");
    assert.equal(await p.locator("#codec").textContent(), "JPEG (this browser has no WebCodecs)");
    const moved = await act(p, () => drag(p, 100, 0));
    assert.ok(difference(await sample(p), moved) < 1 && b.framesReceived >= 1);
  } finally {
    await forced.context.close();
    await bare.close();
  }
});

test("H.264: a viewer that reconnects in the middle of a drag gets a clean picture", async () => {
  const proxy = await startProxy(url);
  const { context: ctx, page: p } = await openViewer(proxy.link(url));
  try {
    await videoOnScreen(p);
    const { x, y } = await viewCenter(p);
    await p.mouse.move(x, y);
    await p.mouse.down();
    for (let i = 1; i <= 10; i++) { await p.mouse.move(x + 8 * i, y); await sleep(30); }
    proxy.drop(); // mid-stream: the decoder had deltas in flight
    await p.waitForFunction(() => window.renderStream.stats.connects === 2 && window.renderStream.stats.connected,
      null, { timeout: 20000 });
    for (let i = 11; i <= 25; i++) { await p.mouse.move(x + 8 * i, y); await sleep(30); }
    await p.mouse.up();
    await p.waitForFunction(() => window.renderStream.stats.keyFrames >= 2, null, { timeout: 10000 });
    const s = await stats(p);
    log(`reconnected: ${s.keyFrames} key frames, ${s.videoFrames} video frames, ${s.decodeErrors} decode errors, ` +
      `${s.deltasSkipped} deltas skipped`);
    assert.equal(s.codec, "h264");
    assert.equal(s.decodeErrors, 0, "no decoder error after reconnecting");
    assert.equal(s.deltasSkipped, 0, "the new connection started at a key frame");
    await settle(p);
    const d = difference(await sample(p), await snapshotSample(p));
    assert.ok(d < 3, `after reconnecting the picture is the application's (difference ${d.toFixed(2)})`);
  } finally {
    await ctx.close();
    await proxy.close();
  }
});

// ---- behind a proxy that mounts the viewer under a prefix --------------------------------------
// A reverse proxy that serves the server under `prefix` and strips it, as jupyter-server-proxy,
// JupyterHub services and nginx's `location /viz/ { proxy_pass http://server/; }` do; it
// forwards WebSocket upgrades too and refuses whatever is outside the prefix.
async function startPrefixProxy(target, prefix) {
  const upstream = new URL(target);
  const strip = p => p.slice(prefix.length - 1);
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url);
    if (!req.url.startsWith(prefix)) { res.writeHead(404); res.end("outside the mount\n"); return; }
    const up = http.request({ host: upstream.hostname, port: upstream.port, path: strip(req.url),
      method: req.method, headers: req.headers }, r => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  const sockets = new Set();
  server.on("upgrade", (req, client, head) => {
    seen.push(req.url);
    if (!req.url.startsWith(prefix)) { client.destroy(); return; }
    const up = net.connect(Number(upstream.port), upstream.hostname, () => {
      let request = `${req.method} ${strip(req.url)} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) request += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      up.write(request + "\r\n");
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    for (const s of [up, client]) { sockets.add(s); s.on("error", () => {}); s.on("close", () => { sockets.delete(s); up.destroy(); client.destroy(); }); }
  });
  await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));
  return {
    seen,
    link(pageUrl) { const u = new URL(pageUrl); u.port = String(server.address().port); u.pathname = prefix; return u.href; },
    close() { for (const s of sockets) s.destroy(); server.closeAllConnections(); return new Promise(r => server.close(r)); },
  };
}

test("under a prefix mount (/viz/) the page opens /viz/ws, shows the picture and a drag turns it", async () => {
  const proxy = await startPrefixProxy(url, "/viz/");
  const { context: ctx, page: p } = await openViewer(proxy.link(url));
  try {
    const s = await stats(p);
    assert.ok(s.connected && s.framesReceived >= 1, "connected through the mount");
    assert.ok(proxy.seen.some(u => u.startsWith("/viz/ws?")), `the WebSocket went to /viz/ws (${proxy.seen.join(", ")})`);
    assert.ok(!proxy.seen.some(u => !u.startsWith("/viz/")), "nothing outside the mount was asked for");
    const before = await settle(p);
    const after = await act(p, () => drag(p, 120, 0));
    assert.ok(difference(before, after) > 3, "a drag through the mount changed the picture");
    await shot(p, "viewer-prefix-mount.png");
  } finally {
    await ctx.close();
    await proxy.close();
  }
});

// The application's live children (its server), from /proc.
function childrenOf(pid) {
  const children = [];
  for (const entry of readdirSync("/proc").filter(name => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === pid && state !== "Z") children.push(Number(entry));
    } catch { /* it ended meanwhile */ }
  }
  return children;
}

test("a killed server comes back on the same link: after each of three kill -9s the page shows the picture within 3 s", async () => {
  const { context: ctx, page: p } = await openViewer(url);
  try {
    for (let kill = 1; kill <= 3; kill++) {
      const servers = childrenOf(app.pid);
      assert.equal(servers.length, 1, "the application has one server");
      const before = await stats(p);
      const killedAt = performance.now();
      process.kill(servers[0], "SIGKILL");
      await p.waitForFunction(b => window.renderStream.stats.connects > b.connects &&
        window.renderStream.stats.framesReceived > b.framesReceived, before, { timeout: 10000 });
      const seconds = (performance.now() - killedAt) / 1000;
      log(`kill -9 #${kill} of the server: the page showed a picture again after ${seconds.toFixed(2)} s`);
      assert.ok(seconds < 3, `a picture within 3 s of kill #${kill} (${seconds.toFixed(2)} s)`);
      assert.notEqual(childrenOf(app.pid)[0], servers[0], "a new server");
      assert.equal((await serverStats()).server.restarts, kill, "the printed link reaches it, and it counts");
    }
    assert.equal(await p.locator("#state").textContent(), "Connected");
    const before = await settle(p);
    const after = await act(p, () => drag(p, 120, 40));
    assert.ok(difference(before, after) > 3, "a drag still turns the scene");
    await shot(p, "viewer-after-server-restarts.png");
  } finally {
    await ctx.close();
  }
});

// Last: it ends the application.
test("when the application is killed, the page says the stream ended and stops retrying", async () => {
  const { context: ctx, page: p } = await openViewer(url);
  try {
    const child = app;
    const killedAt = performance.now();
    child.kill("SIGKILL"); // its server sees the segment's creator gone and closes with 1001
    await p.waitForFunction(() => window.renderStream.stats.ended, null, { timeout: 5000 });
    log(`the page said "stream ended" ${(performance.now() - killedAt).toFixed(0)} ms after the kill`);
    assert.equal(await p.locator("#state").textContent(), "Stream ended");
    assert.match(await p.locator("#banner").textContent(), /^Stream ended: the application stopped streaming/);
    await sleep(2000);
    assert.equal(await p.locator("#state").textContent(), "Stream ended", "no reconnect attempts since");
    await shot(p, "viewer-ended.png");
  } finally {
    await ctx.close();
  }
});
