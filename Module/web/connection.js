// The WebSocket to this page's own server (protocol: Module/server/README.md): frames arrive
// as binary messages, server messages (hello, link, busy, timing, presence...) as JSON text, input leaves
// as JSON text. It says why the server refused it, backs off and reconnects.
import { createAuth } from "./auth.js";
import { pushBounded } from "./stats.js";
import { wsUrl } from "./urls.js";

const kFirstRetryMs = 250, kMaxRetryMs = 10000;

// overlay: state and banner; handlers: hello, link, busy (after stats took them), frame
// (a binary message, after the ack), closed, room (presence, ask, cursor, refused) and
// recording.
export function createConnection(stats, overlay, handlers) {
  const auth = createAuth();
  let ws = null, backoff = kFirstRetryMs, video = false;
  let pendingInputAt = 0; // first latency-relevant input sent since the last frame arrived
  const isOpen = () => ws && ws.readyState === WebSocket.OPEN;

  const messages = {
    hello: msg => {
      stats.hello = msg;
      stats.viewOnly = !!msg.viewOnly;
      stats.codec = msg.codec === "h264" ? "h264" : "jpeg";
      handlers.hello(msg);
    },
    link: msg => { stats.link = msg; handlers.link(msg); },
    busy: msg => { stats.busySeconds = Math.max(0, Number(msg.seconds) || 0); handlers.busy(stats.busySeconds); },
    // The server's part of the breakdown, once a second while we acknowledge frames.
    timing: msg => {
      for (const k of ["encodeMs", "queueMs", "networkMs"]) stats.breakdown[k] = Math.max(0, Number(msg[k]) || 0);
    },
  };
  for (const type of ["presence", "ask", "cursor", "refused"]) messages[type] = msg => handlers.room(msg);
  messages.recording = msg => handlers.recording(msg);

  function connect() {
    overlay.setState(stats.connects ? "Reconnecting…" : "Connecting…");
    ws = new WebSocket(wsUrl(location, { token: auth.urlToken(), video }));
    ws.binaryType = "arraybuffer";
    let opened = false;
    ws.onopen = () => {
      opened = true; stats.connected = true; stats.connects++;
      overlay.setState("Connected", "ok"); overlay.showBanner("");
    };
    ws.onmessage = ev => typeof ev.data === "string" ? onText(ev.data) : onFrame(ev.data);
    ws.onclose = ev => onClose(ev, opened);
  }
  function onText(text) {
    let msg;
    try { msg = JSON.parse(text); } catch (e) { return; }
    if (msg && Object.hasOwn(messages, msg.type)) messages[msg.type](msg);
  }
  function onFrame(data) {
    // The acknowledgement paces the server to what reaches us, so a slow link never queues.
    if (isOpen()) ws.send('{"type":"ack"}');
    const now = performance.now();
    stats.framesReceived++; stats.bytesReceived += data.byteLength; stats.lastFrameAt = now;
    pushBounded(stats.frameTimes, now, 64);
    if (pendingInputAt) {
      const ms = now - pendingInputAt;
      pendingInputAt = 0;
      stats.latencyMs = stats.latencyMs ? stats.latencyMs * 0.8 + ms * 0.2 : ms;
      pushBounded(stats.latencySamples, ms, 200);
    }
    handlers.frame(data);
  }

  async function onClose(ev, opened) {
    const wasUp = stats.connected;
    stats.connected = false; ws = null; pendingInputAt = 0;
    handlers.closed();
    if (ev.code === 1001) return ended(); // the server stops only with its application
    // Refused before it opened? The browser does not say why; the server does, to a POST.
    const refusal = opened ? null : await auth.whyRefused();
    if (refusal && refusal.status === 401 && auth.tokenToUrl()) return connect(); // no cookie reached it
    if (refusal && refusal.status !== 503) return refused(refusal.text); // retrying would not help
    retry(refusal, wasUp);
  }
  function ended() {
    stats.ended = true;
    overlay.setState("Stream ended", "bad");
    overlay.showBanner("Stream ended: the application stopped streaming. Open the new link it prints to watch again.");
  }
  function refused(text) {
    stats.refused = text;
    overlay.setState("Refused", "bad");
    overlay.showBanner("The server refused this page: " + text);
  }
  function retry(refusal, wasUp) {
    if (wasUp) backoff = kFirstRetryMs; // a connection that worked starts over quickly
    const wait = Math.round(backoff * (0.8 + Math.random() * 0.4));
    backoff = Math.min(backoff * 2, kMaxRetryMs);
    overlay.setState("Reconnecting…", "bad");
    overlay.showBanner((refusal ? refusal.text + " — retrying" : "Connection lost — reconnecting") +
      " in " + Math.max(1, Math.round(wait / 1000)) + " s…");
    setTimeout(connect, wait);
  }
  // View-only clients send nothing at all. affectsPicture: the next frame measures latency.
  function send(msg, affectsPicture) {
    if (stats.viewOnly || !isOpen()) return false;
    ws.send(JSON.stringify(msg));
    stats.eventsSent++;
    if (affectsPicture) {
      stats.lastInputAt = performance.now();
      if (!pendingInputAt) pendingInputAt = stats.lastInputAt;
    }
    return true;
  }
  // Names, control and pointer positions: from view-only pages too (the server decides).
  function sendRoom(msg) {
    if (!isOpen()) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }
  function askForKey() {
    if (isOpen()) ws.send('{"type":"keyframe"}');
  }
  // wantVideo: ask for H.264 (the browser decodes it).
  function start(wantVideo) {
    video = wantVideo;
    connect();
  }
  return { signIn: auth.signIn, start, send, sendRoom, askForKey };
}
