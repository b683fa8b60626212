// StreamCone behind the reverse proxies people use, started here on loopback with a TLS
// certificate made here: Debian's nginx (the README's snippet, read from the README, on a
// non-default port, and a prefix mount) and Caddy (its default reverse_proxy, at the address
// the app was given as its public URL). Headless Chromium opens each, with the #token= links
// the app prints; every check looks at what the page, a client or nginx's access log really got.
// Run: node --test proxies.test.mjs. Environment as viewer.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, statSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const binDir = process.env.RENDERSTREAM_BIN_DIR || path.resolve(here, "../../build/bin");
const outDir = process.env.RENDERSTREAM_TEST_OUTPUT || path.resolve(here, "../../build/Testing/Browser");
mkdirSync(outDir, { recursive: true });
const { chromium } = await import("playwright-core");
const log = (...a) => console.log("#", ...a);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const HOST = "viz.example.test";

const children = [];
process.on("exit", () => { for (const c of children) c.kill("SIGKILL"); });
function run(exe, args, options = {}) {
  const child = spawn(exe, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  children.push(child);
  let out = "";
  child.stdout.on("data", d => { out += d; });
  child.stderr.on("data", d => { out += d; });
  child.output = () => out;
  return child;
}
const freePort = () => new Promise(resolve => {
  const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
});
async function waitForPort(port, what, child) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise(r => { const c = net.connect(port, "127.0.0.1", () => { c.destroy(); r(true); }); c.on("error", () => r(false)); });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on ${port}: ${child.output()}`);
}

let dir, app, appPort, token, viewToken, publicLink, browser;
const ports = {};

// The README's nginx snippet, as a user would paste it.
function readmeLocation(port) {
  const readme = readFileSync(path.resolve(here, "../../README.md"), "utf8");
  const block = readme.match(/```nginx\n([\s\S]*?)```/);
  assert.ok(block, "the README has an nginx snippet");
  return block[1].replaceAll("PORT", String(port));
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "renderstream-proxies-"));
  for (const name of ["nginx", "nginxNoHost", "nginxBuffering", "caddy", "caddyHttp"]) ports[name] = await freePort();
  // Caddy's address is the app's public URL: the link it prints is Caddy's.
  app = run(path.join(binDir, "StreamCone"), ["--offscreen", "--size", "640x480", "--seconds", "170",
    "--public-url", `https://${HOST}:${ports.caddy}`]);
  for (let i = 0; i < 400 && !/RenderStream: on this machine/.test(app.output()); i++) await sleep(50);
  const p = app.output().match(/RenderStream: serving (https:\/\/\S+)/);
  const m = app.output().match(/RenderStream: on this machine http:\/\/127\.0\.0\.1:(\d+)\/#token=(\w+)/);
  const v = app.output().match(/view-only: https:\/\/[^#]+#token=(\w+)/);
  assert.ok(p && m && v, "StreamCone started: " + app.output());
  [publicLink, appPort, token, viewToken] = [p[1], Number(m[1]), m[2], v[1]];
  assert.equal(publicLink, `https://${HOST}:${ports.caddy}/#token=${token}`, "the printed link is the public URL's");

  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${HOST}`,
    "-addext", `subjectAltName=DNS:${HOST}`, "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
  const tls = `ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;`;
  const location = readmeLocation(appPort);
  // The prefix mount: the same block under /viz/, with the prefix stripped (trailing slash).
  const prefix = location.replace("location / {", "location /viz/ {").replace(`http://127.0.0.1:${appPort};`, `http://127.0.0.1:${appPort}/;`);
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(t => `${t}_temp_path ${dir}/${t};`).join(" ");
  writeFileSync(path.join(dir, "nginx.conf"), `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events {}
http {
  access_log ${dir}/access.log; ${temp}
  server { listen 127.0.0.1:${ports.nginx} ssl; server_name ${HOST}; ${tls}
${location}
${prefix}
  }
  # The snippet without "proxy_buffering off": the server's own headers must keep MJPEG prompt.
  server { listen 127.0.0.1:${ports.nginxBuffering} ssl; server_name ${HOST}; ${tls}
${location.replace("proxy_buffering off;", "")}
  }
  # A proxy that drops the Host header: the server must refuse its WebSocket, and say why.
  server { listen 127.0.0.1:${ports.nginxNoHost} ssl; server_name ${HOST}; ${tls}
    location / { proxy_pass http://127.0.0.1:${appPort}; proxy_http_version 1.1; proxy_set_header Host "";
      proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; }
  }
}
`);
  const nginx = run("nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-g", "daemon off;"]);
  writeFileSync(path.join(dir, "Caddyfile"), `{
  admin off
  auto_https disable_redirects
  http_port ${ports.caddyHttp}
  storage file_system ${dir}/caddy
}
${HOST}:${ports.caddy} {
  tls ${dir}/cert.pem ${dir}/key.pem
  reverse_proxy 127.0.0.1:${appPort}
}
`);
  const caddy = run("caddy", ["run", "--config", path.join(dir, "Caddyfile"), "--adapter", "caddyfile"],
    { env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
  await waitForPort(ports.nginx, "nginx", nginx);
  await waitForPort(ports.caddy, "caddy", caddy);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--headless=new",
           `--host-resolver-rules=MAP ${HOST} 127.0.0.1`] });
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  for (const c of children) c.kill("SIGTERM");
  await sleep(300);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const stats = page => page.evaluate(() => ({ ...window.renderStream.stats, frameTimes: undefined, shownTimes: undefined, latencySamples: undefined }));
function difference(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}
async function serverStats() {
  const res = await fetch(`http://127.0.0.1:${appPort}/stats?token=${token}`);
  return res.json();
}
const accessLog = () => path.join(dir, "access.log");
// Opens `link` in a fresh context, waits for the picture, drags across it; returns what it saw,
// and what nginx logged meanwhile.
async function viewAndDrag(link, name) {
  const context = await browser.newContext({ viewport: { width: 640, height: 480 }, ignoreHTTPSErrors: true });
  const logStart = statSync(accessLog()).size;
  let seen;
  try {
    const page = await context.newPage();
    await page.goto(link);
    await page.waitForFunction(() => window.renderStream && window.renderStream.stats.framesReceived > 0 &&
      window.renderStream.stats.frameWidth > 0, null, { timeout: 15000 });
    await sleep(800); // the still after the first frames
    const before = await page.evaluate(() => window.renderStream.sample(64, 48));
    const framesBefore = (await stats(page)).framesReceived;
    const box = await page.locator("#view").boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) { await page.mouse.move(box.x + box.width / 2 + 12 * i, box.y + box.height / 2); await sleep(30); }
    await page.mouse.up();
    await sleep(1000);
    const after = await page.evaluate(() => window.renderStream.sample(64, 48));
    const s = await stats(page);
    await page.screenshot({ path: path.join(outDir, `proxy-${name}.png`) });
    seen = { stats: s, frames: s.framesReceived - framesBefore, moved: difference(before, after),
      cookies: await context.cookies(), secure: await page.evaluate(() => window.isSecureContext),
      address: page.url() };
  } finally {
    await context.close();
  }
  await sleep(300); // nginx logs a WebSocket when it closes
  seen.logged = readFileSync(accessLog(), "utf8").slice(logStart);
  return seen;
}
function assertLive(seen, what, cookiePath = "/") {
  log(`${what}: ${seen.frames} frames in the drag, picture moved ${seen.moved.toFixed(2)}, codec ${seen.stats.codec}`);
  assert.ok(seen.stats.connected, `${what}: connected`);
  assert.ok(seen.frames >= 3, `${what}: frames came during the drag (${seen.frames})`);
  assert.ok(seen.moved > 3, `${what}: the drag turned the picture (${seen.moved.toFixed(2)})`);
  assert.ok(seen.secure, `${what}: https is a secure context`);
  assert.equal(seen.stats.codec, "h264", `${what}: so the page decodes H.264`);
  const cookie = seen.cookies.find(c => c.name === `renderstream_token_${appPort}`);
  assert.ok(cookie && cookie.secure && cookie.httpOnly, `${what}: the token cookie is Secure and HttpOnly`);
  assert.equal(cookie.path, cookiePath, `${what}: the cookie is scoped to the mount`);
  assert.ok(!seen.address.includes("token"), `${what}: the token left the address bar (${seen.address})`);
}
// A #token= link: the token never reached the proxy (and the check can fail: the page's
// requests, its WebSocket included, are in the log).
function assertTokenNotLogged(seen, what) {
  assert.match(seen.logged, /"GET \/(viz\/)?ws(\?codec=h264)? HTTP\/1\.1" 101/, `${what}: nginx logged the session`);
  assert.ok(!seen.logged.includes(token) && !seen.logged.includes(viewToken),
    `${what}: no token in nginx's access log:\n${seen.logged}`);
}

test("nginx with the README's snippet, on a non-default port", async () => {
  const seen = await viewAndDrag(`https://${HOST}:${ports.nginx}/#token=${token}`, "nginx");
  assertLive(seen, "nginx");
  assertTokenNotLogged(seen, "nginx");
});

test("nginx, mounted under /viz/ with the prefix stripped", async () => {
  const seen = await viewAndDrag(`https://${HOST}:${ports.nginx}/viz/#token=${token}`, "nginx-prefix");
  assertLive(seen, "nginx /viz/", "/viz");
  assertTokenNotLogged(seen, "nginx /viz/");
});

test("Caddy's default reverse_proxy, at the public URL the app printed", async () => {
  assertLive(await viewAndDrag(publicLink, "caddy"), "Caddy");
});

test("the view-only link through nginx shows the picture and its drags change nothing", async () => {
  const seen = await viewAndDrag(`https://${HOST}:${ports.nginx}/#token=${viewToken}`, "nginx-view-only");
  assert.ok(seen.stats.viewOnly && seen.stats.framesReceived >= 1, "view-only, with a picture");
  assert.ok(seen.moved < 1, `a view-only drag changed nothing (${seen.moved.toFixed(2)})`);
  assertTokenNotLogged(seen, "view-only");
});

test("a ?token= link (as curl and scripts use) works too, and the page then drops it from the address bar", async () => {
  const seen = await viewAndDrag(`https://${HOST}:${ports.nginx}/?token=${token}`, "nginx-query");
  assertLive(seen, "nginx ?token=");
  const lines = seen.logged.split("\n").filter(l => l.includes(token));
  assert.equal(lines.length, 1, `only the page request itself carried the token:\n${seen.logged}`);
});

// The time until the first complete JPEG of /stream.mjpeg through nginx on `port`.
function firstMjpegFrame(port) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = https.get({ host: "127.0.0.1", port, path: `/stream.mjpeg?token=${token}`,
      headers: { Host: `${HOST}:${port}` }, rejectUnauthorized: false }, res => {
      let bytes = Buffer.alloc(0);
      res.on("data", d => {
        bytes = Buffer.concat([bytes, d]);
        if (bytes.indexOf(Buffer.from([0xff, 0xd9])) > 0) { resolve(performance.now() - started); req.destroy(); }
      });
    });
    req.on("error", e => { if (e.code !== "ECONNRESET") reject(e); });
    setTimeout(() => reject(new Error(`no complete JPEG through nginx on ${port} within 5 s`)), 5000);
  });
}

test("MJPEG through nginx: every part arrives at once, none is held back", async () => {
  // Static scene: only the current frame (and nothing more) is due; nginx must not sit on it,
  // with the README's snippet and, thanks to X-Accel-Buffering: no, without its proxy_buffering off.
  const snippet = await firstMjpegFrame(ports.nginx);
  const buffering = await firstMjpegFrame(ports.nginxBuffering);
  log(`MJPEG through nginx: first complete frame after ${snippet.toFixed(0)} ms (snippet), ${buffering.toFixed(0)} ms (proxy buffering on)`);
  assert.ok(snippet < 1500, `the first frame came through at once (${snippet.toFixed(0)} ms)`);
  assert.ok(buffering < 1500, `and without proxy_buffering off too (${buffering.toFixed(0)} ms)`);
});

test("a page on the same host name but another port may not open the WebSocket", async () => {
  const before = (await serverStats()).refused.origin;
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  try {
    const page = await context.newPage();
    await page.goto(`https://${HOST}:${ports.nginxNoHost}/?token=${viewToken}`); // another origin, same host
    const opened = await page.evaluate(url => new Promise(resolve => {
      const ws = new WebSocket(url);
      ws.onopen = () => resolve(true);
      ws.onerror = ws.onclose = () => resolve(false);
    }), `wss://${HOST}:${ports.nginx}/ws?token=${token}`);
    assert.equal(opened, false, "the upgrade from the other port was refused");
  } finally {
    await context.close();
  }
  const after = (await serverStats()).refused.origin;
  assert.ok(after > before, `counted as refused.origin (${before} -> ${after})`);
});

test("a proxy that drops the Host header gets a refusal that says why", async () => {
  const before = (await serverStats()).refused.origin;
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  try {
    const page = await context.newPage();
    await page.goto(`https://${HOST}:${ports.nginxNoHost}/?token=${token}`);
    await page.waitForFunction(() => window.renderStream.stats.refused !== "", null, { timeout: 10000 });
    const s = await stats(page);
    assert.equal(s.framesReceived, 0, "no WebSocket without a Host to check the Origin against");
    const banner = await page.locator("#banner").textContent();
    log(`the page says: ${banner}`);
    assert.match(banner, /^The server refused this page: a WebSocket from a page at .*no Host header\. Behind a proxy, forward the Host header/);
    assert.equal(await page.locator("#state").textContent(), "Refused");
    const refusedSoFar = (await serverStats()).refused.origin;
    await sleep(3000);
    assert.equal((await serverStats()).refused.origin, refusedSoFar, "and it stopped retrying");
    await page.screenshot({ path: path.join(outDir, "proxy-refused.png") });
  } finally {
    await context.close();
  }
  assert.ok((await serverStats()).refused.origin > before, "counted as refused.origin");
  // What the refusal says (curl, or the proxy's own log, shows this body).
  const refusal = await new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port: ports.nginxNoHost, path: `/ws?token=${token}`,
      rejectUnauthorized: false, headers: { Host: `${HOST}:${ports.nginxNoHost}`, Connection: "Upgrade",
        Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        Origin: `https://${HOST}:${ports.nginxNoHost}` } }, res => {
      let body = "";
      res.on("data", d => { body += d; });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
    req.end();
  });
  log(`through a proxy without Host: ${refusal.status} ${refusal.body.trim()}`);
  assert.equal(refusal.status, 403);
  assert.match(refusal.body, /the request has no Host header\. Behind a proxy, forward the Host header/);
  assert.match(app.output(), /refused 127\.0\.0\.1: a WebSocket from a page at https:\/\/viz\.example\.test:\d+/,
    "the server logged the refusal with its fix (once a minute per client)");
});
