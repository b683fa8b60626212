// RenderStream viewer (protocol: Module/server/README.md): wires the page's modules together.
// Frames arrive on the WebSocket (connection.js), are decoded and drawn (drawing.js,
// video.js); input leaves as JSON (input.js, keys.js, control.js). Nothing here talks to
// anything but this page's own server.
import { createConnection } from "./connection.js";
import { createControls } from "./control.js";
import { createView } from "./drawing.js";
import { attachPointer } from "./input.js";
import { attachKeys } from "./keys.js";
import { createOverlay } from "./overlay.js";
import { createRecording } from "./recording.js";
import { createResizer } from "./resize.js";
import { createStats } from "./stats.js";
import { codecParam } from "./urls.js";
import { createTogether } from "./together.js";
import { createVideo, videoSupport } from "./video.js";

const $ = id => document.getElementById(id);
const ui = Object.fromEntries(["view", "state", "fps", "latency", "breakdown", "rate", "size", "badge", "overlay",
  "banner", "link", "slow", "codec", "info", "reset", "style", "driver", "list", "ask", "keep", "release",
  "request", "requestText", "give", "refuse", "note", "nameForm", "nameInput", "nameSkip", "cursors",
  "record", "recordings", "recState", "files", "publish"].map(id => [id, $(id)]));
const canvas = ui.view;

const stats = createStats();
const view = createView(canvas, stats, ui.size);
const overlay = createOverlay(ui, stats);
let wantVideo = false;
const connection = createConnection(stats, overlay, {
  hello: msg => { video.reset(); overlay.showHello(msg, wantVideo); resizer.renew(); together.hello(msg); recording.show(msg.recording); },
  link: msg => overlay.showLink(msg),
  busy: seconds => overlay.showBusy(seconds),
  frame: data => video.onFrame(data),
  closed: () => { video.reset(); together.closed(); },
  room: msg => together[msg.type](msg),
  recording: msg => recording.show(msg),
});
const send = connection.send;
const video = createVideo(view, stats, connection.askForKey);
const resizer = createResizer(canvas, stats, { send, fit: view.fit });
const controls = createControls(ui, send);
const recording = createRecording(ui, stats, connection.sendRoom);
const together = createTogether(ui, stats, { sendRoom: connection.sendRoom, place: view.place, norm: view.norm });
attachPointer(canvas, stats, { send, norm: view.norm });
attachKeys(canvas, stats, { send, ...controls });
overlay.start(view.recentSpans);

// Public, read-only view of what the page sees (tests and curious people read it).
window.renderStream = Object.freeze({ stats, sample: view.sample });

view.fit();
Promise.all([connection.signIn(), videoSupport(codecParam(location))]).then(([, why]) => {
  stats.videoWhy = why;
  wantVideo = !why;
  connection.start(wantVideo);
});
