// The viewer page's pure modules (Module/web), in node without a browser: the arithmetic and
// the messages the page's behaviour rests on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backingSize, denormalise, frameRect, normalise, renderSize } from "../../Module/web/geometry.js";
import { cleanName, controlButtons, cursorDue, driverLine, initialName, presenceOf } from "../../Module/web/people.js";
import { createClickCounter } from "../../Module/web/clicks.js";
import { centroid, pinchNotch, pinchScale } from "../../Module/web/gestures.js";
import { codecParam, fragmentToken, linkToken, probeUrl, withoutToken, wsUrl } from "../../Module/web/urls.js";
import { keyMessage, pointerDown, wheel } from "../../Module/web/messages.js";
import { median, pushBounded } from "../../Module/web/stats.js";
import { formatBytes, formatSeconds, recordingView } from "../../Module/web/recording.js";

// A location-like object, as urls.js reads it.
const at = href => { const u = new URL(href); return { href: u.href, protocol: u.protocol, search: u.search, hash: u.hash }; };

test("a wide canvas letterboxes the frame left and right", () => {
  assert.deepEqual(frameRect(1000, 500, 500, 400), { x: 187.5, y: 0, w: 625, h: 500 });
});

test("a tall canvas letterboxes the frame above and below", () => {
  assert.deepEqual(frameRect(400, 900, 800, 600), { x: 0, y: 300, w: 400, h: 300 });
});

test("without a picture the frame is the whole canvas", () => {
  assert.deepEqual(frameRect(640, 480), { x: 0, y: 0, w: 640, h: 480 });
});

test("points are fractions of the frame, clamped to [0, 1] in the bars", () => {
  const box = { left: 10, top: 20 }, rect = frameRect(400, 900, 800, 600); // frame at y 300..600
  assert.deepEqual(normalise(10 + 200, 20 + 450, box, rect), { x: 0.5, y: 0.5 });
  assert.deepEqual(normalise(10 + 100, 20 + 375, box, rect), { x: 0.25, y: 0.25 });
  assert.deepEqual(normalise(0, 20 + 100, box, rect), { x: 0, y: 0 }, "left of and above the frame");
  assert.deepEqual(normalise(10 + 900, 20 + 899, box, rect), { x: 1, y: 1 }, "right of and below it");
});

test("the backing store has one pixel per device pixel, at least one", () => {
  assert.deepEqual(backingSize(300.4, 200.6, 2), { width: 601, height: 401 });
  assert.deepEqual(backingSize(0, 0, 1), { width: 1, height: 1 });
});

test("the render size asked for keeps the aspect within the server's maximum", () => {
  assert.deepEqual(renderSize(1000, 500, 2, 1000, 1000), { width: 1000, height: 500 });
  assert.deepEqual(renderSize(800, 600, 1, 0, 0), { width: 800, height: 600 }, "no maximum");
  assert.deepEqual(renderSize(800, 600, 1.5, 4096, 4096), { width: 1200, height: 900 });
});

test("two presses close in time and place are a double click, a third stays double", () => {
  const count = createClickCounter();
  const press = (t, x = 100, y = 100, button = 0) => count({ timeStamp: t, clientX: x, clientY: y, button });
  assert.equal(press(1000), 1);
  assert.equal(press(1300), 2);
  assert.equal(press(1600), 2, "triple: still a double for VTK");
  assert.equal(press(2500), 1, "too late");
  assert.equal(press(2600, 110, 100), 1, "10 px away");
  assert.equal(press(2700, 112, 103), 2, "within 6 px");
  assert.equal(press(2800, 112, 103, 2), 1, "another button");
});

test("two fingers pan at their centroid and zoom one notch per 8 % of spread", () => {
  assert.deepEqual(centroid({ x: 0, y: 0 }, { x: 30, y: 40 }), { cx: 15, cy: 20, dist: 50 });
  assert.equal(pinchScale(150, 100), 1.5);
  assert.equal(pinchScale(50, 0), 50, "a start distance below 1 counts as 1");
  assert.equal(pinchNotch(109, 100), -1, "apart: zoom in (wheel forward)");
  assert.equal(pinchNotch(92, 100), 1, "together: zoom out");
  assert.equal(pinchNotch(105, 100), 0, "a plain pan's jitter: no zoom");
  assert.equal(pinchNotch(93, 100), 0);
});

test("the WebSocket URL keeps the page's prefix and becomes wss under https", () => {
  assert.equal(wsUrl(at("https://viz.example/viz/?codec=jpeg#token=abc")), "wss://viz.example/viz/ws");
  assert.equal(wsUrl(at("http://127.0.0.1:8080/index.html")), "ws://127.0.0.1:8080/ws");
  assert.equal(wsUrl(at("http://h:1/viz/"), { token: "t k", video: true }), "ws://h:1/viz/ws?token=t+k&codec=h264");
  assert.equal(probeUrl(at("https://viz.example/viz/")), "https://viz.example/viz/ws");
  assert.equal(probeUrl(at("http://h:1/"), "t"), "http://h:1/ws?token=t");
});

test("the token comes from the fragment before the query", () => {
  assert.equal(linkToken(at("http://h/?token=query#token=fragment")), "fragment");
  assert.equal(linkToken(at("http://h/?token=query")), "query");
  assert.equal(linkToken(at("http://h/#other=1")), null);
  assert.equal(fragmentToken(at("http://h/?token=query")), null);
  assert.equal(codecParam(at("http://h/?codec=h264")), "h264");
});

test("the address loses its token but keeps the rest", () => {
  assert.equal(withoutToken(at("http://h/viz/?codec=jpeg&token=q#token=f")), "http://h/viz/?codec=jpeg");
  assert.equal(withoutToken(at("http://h/viz/#keep")), "http://h/viz/#keep");
});

test("input messages keep the protocol's fields", () => {
  assert.equal(JSON.stringify(pointerDown({ x: 0.5, y: 0.25 }, 0, { ctrl: false, shift: true, alt: false, meta: false }, 2)),
    '{"type":"pointer","action":"down","x":0.5,"y":0.25,"button":0,"ctrl":false,"shift":true,"alt":false,"meta":false,"detail":2}');
  assert.equal(JSON.stringify(wheel({ x: 0, y: 1 }, -1, false, false)), '{"type":"wheel","x":0,"y":1,"dy":-1,"ctrl":false,"shift":false}');
  const key = (type, key, code, mods = {}) => keyMessage({ type, key, code, ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...mods });
  assert.deepEqual(key("keydown", "r", "KeyR"),
    { type: "key", action: "down", key: "r", code: "KeyR", ctrl: false, shift: false, alt: false, meta: false });
  assert.equal(key("keyup", "r", "KeyR").action, "up");
  assert.equal(key("keydown", "r", "KeyR", { ctrlKey: true }), null, "the browser's shortcut");
  assert.equal(key("keydown", "Control", "ControlLeft", { ctrlKey: true }).key, "Control");
  assert.equal(key("keydown", "Tab", "Tab"), null);
  assert.equal(key("keydown", "x".repeat(16), "KeyX"), null, "over 15 bytes");
  assert.equal(key("keydown", "a", "y".repeat(16)).code, "");
});

test("history is bounded and the median is the upper one", () => {
  const list = [];
  for (let i = 0; i < 5; i++) pushBounded(list, i, 3);
  assert.deepEqual(list, [2, 3, 4]);
  assert.equal(median([5, 1, 3, 2]), 3);
  assert.equal(median([]), 0);
});

test("a frame fraction maps back to the client point it came from", () => {
  const box = { left: 10, top: 20 }, rect = frameRect(400, 900, 800, 600);
  assert.deepEqual(denormalise(0.25, 0.25, box, rect), { x: 110, y: 395 });
  assert.deepEqual(normalise(110, 395, box, rect), { x: 0.25, y: 0.25 });
});

test("a name is trimmed, cut to 32 characters, and loses control and direction characters", () => {
  assert.equal(cleanName("  <b>Ada</b>  "), "<b>Ada</b>");
  assert.equal(cleanName("Ada\u0007\u202e"), "Ada");
  assert.equal(Array.from(cleanName("é".repeat(40))).length, 32);
  assert.equal(cleanName("   "), "");
  assert.equal(cleanName(null), "");
});

test("the name comes from ?name=, else from the browser, else the page asks once", () => {
  assert.equal(initialName("?name=%20Bob%20", "Zoe"), "Bob");
  assert.equal(initialName("", "Zoe"), "Zoe");
  assert.equal(initialName("", null), null); // never asked: ask
  assert.equal(initialName("", ""), ""); // asked and skipped: do not ask again
});

const presence = (driver, kept = false, mode = "one") => presenceOf({
  type: "presence", mode, kept, driver,
  participants: [{ id: 1, name: "Ada", role: driver === 1 ? "driver" : "participant" },
    { id: 2, name: "Bob", role: driver === 2 ? "driver" : "participant" }, { id: 3, name: "Eve", role: "viewer" }],
}, 2);

test("presence names the driver and marks this page's own entry", () => {
  const p = presence(1);
  assert.equal(p.driver.name, "Ada");
  assert.deepEqual(p.participants.map(x => [x.name, x.role, x.self]),
    [["Ada", "driver", false], ["Bob", "participant", true], ["Eve", "viewer", false]]);
  assert.equal(driverLine(p), "Ada steers");
  assert.equal(driverLine(presence(2, true)), "You steer (presenting)");
  assert.equal(driverLine(presence(null)), "Nobody steers: interact to take control");
  assert.equal(driverLine(presence(null, false, "shared")), "Everyone can steer");
});

test("only a page that may steer asks; only the driver keeps or releases; a lone driver is never asked", () => {
  assert.deepEqual(controlButtons(presence(1), false), { ask: true, keep: false, release: false });
  assert.deepEqual(controlButtons(presence(2), false), { ask: false, keep: true, release: true });
  assert.deepEqual(controlButtons(presence(2, true), false), { ask: false, keep: false, release: true });
  assert.deepEqual(controlButtons(presence(null), false), { ask: false, keep: false, release: false });
  assert.deepEqual(controlButtons(presence(1), true), { ask: false, keep: false, release: false }); // view only
  assert.deepEqual(controlButtons(presence(1, false, "shared"), false), { ask: false, keep: false, release: false });
});

test("pointer positions go out at most every 50 ms", () => {
  assert.equal(cursorDue(-Infinity, 0), true);
  assert.equal(cursorDue(100, 149), false);
  assert.equal(cursorDue(100, 150), true);
});

test("recording: sizes and times read as a person says them", () => {
  assert.equal(formatBytes(0), "0 KiB");
  assert.equal(formatBytes(812 * 1024), "812 KiB");
  assert.equal(formatBytes(4.1 * 1024 * 1024), "4.1 MiB");
  assert.equal(formatBytes("junk"), "0 KiB");
  assert.equal(formatSeconds(12.9), "12 s");
  assert.equal(formatSeconds(65), "1:05");
  assert.equal(formatSeconds(-3), "0 s");
});

test("recording: everyone sees REC; only the full link gets the button, and stops only its own", () => {
  const active = { active: true, seconds: 12.3, bytes: 4.1 * 1024 * 1024, by: "page" };
  assert.deepEqual(recordingView(active, true), { indicator: "● REC 12 s · 4.1 MiB", button: null });
  assert.equal(recordingView(active, false).button.action, "stop");
  assert.equal(recordingView(active, false).button.disabled, false);
  const byApp = recordingView({ ...active, by: "app" }, false).button;
  assert.equal(byApp.disabled, true);
  assert.match(byApp.title, /app/);
  assert.deepEqual(recordingView({ active: false }, false), { indicator: "", button: { label: "● Rec", action: "start", disabled: false } });
  assert.deepEqual(recordingView(null, false).button.action, "start");
  assert.equal(recordingView(null, true).button, null);
});
