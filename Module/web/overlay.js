// What the page tells its user: the statistics overlay (refreshed once a second), the state
// line, the banner, the slow-link and view-only badges.
import { median } from "./stats.js";

const kLabel = "Remote 3D view. Drag to rotate, wheel or pinch to zoom, middle drag or two fingers to pan; " +
  "keys go to the application while focused.";
const kViewOnlyLabel = "Remote 3D view (view only: input is not sent).";

// The codec row: what the server sends, or why it is JPEG.
export function codecLabel(codec, encoder, wantVideo, videoWhy) {
  if (codec === "h264") return "H.264" + (encoder ? " (" + encoder + ")" : "");
  return "JPEG" + (wantVideo ? " (the server has no H.264 encoder)" : videoWhy ? " (" + videoWhy + ")" : "");
}

// Milliseconds as the time row shows them: one decimal below 10.
const ms = v => v < 10 ? v.toFixed(1) : Math.round(v);

export function createOverlay(ui, stats) {
  function setState(text, kind) { ui.state.textContent = text; ui.state.className = kind || ""; }
  function showBanner(text) { ui.banner.textContent = text; ui.banner.hidden = !text; }

  // The server's view of this page's link: what it sends us now, and why.
  function showLink(msg) {
    ui.slow.hidden = !msg.slow;
    ui.slow.textContent = `Slow link: quality ${msg.quality}${msg.scale < 1 ? ", half resolution" : ""}`;
    ui.link.textContent = msg.slow ? `${msg.kbps} kbit/s` : "free";
  }
  // The application has not taken input for a while (a long computation, a notebook cell):
  // say so instead of a picture that silently ignores the mouse.
  function showBusy(seconds) {
    if (seconds) {
      setState("Busy", "bad");
      showBanner("The application is busy (" + seconds + " s): your input waits until it is done.");
    } else {
      setState("Connected", "ok");
      showBanner("");
    }
  }
  function showHello(msg, wantVideo) {
    ui.codec.textContent = codecLabel(stats.codec, msg.encoder, wantVideo, stats.videoWhy);
    ui.badge.hidden = !stats.viewOnly;
    document.body.classList.toggle("view-only-mode", stats.viewOnly);
    ui.view.classList.toggle("view-only", stats.viewOnly);
    ui.view.setAttribute("aria-label", stats.viewOnly ? kViewOnlyLabel : kLabel);
    if (!stats.link) ui.link.textContent = "free"; // the server speaks up when the link limits
  }

  // Once a second: rates from the counters, our part of the breakdown from the spans.
  let lastTick = performance.now(), lastFrames = 0, lastBytes = 0;
  function tick(recentSpans) {
    const now = performance.now(), dt = (now - lastTick) / 1000;
    stats.fps = (stats.framesReceived - lastFrames) / dt;
    stats.kbps = (stats.bytesReceived - lastBytes) * 8 / 1000 / dt;
    lastTick = now; lastFrames = stats.framesReceived; lastBytes = stats.bytesReceived;
    const spans = recentSpans(now);
    if (spans.length) {
      stats.breakdown.decodeMs = median(spans.map(s => s.decodeMs));
      stats.breakdown.drawMs = median(spans.map(s => s.drawMs));
    }
    render();
  }
  function render() {
    ui.fps.textContent = stats.fps.toFixed(stats.fps < 10 ? 1 : 0);
    ui.rate.textContent = stats.kbps >= 1000 ? (stats.kbps / 1000).toFixed(1) + " Mbit/s"
                                             : Math.round(stats.kbps) + " kbit/s";
    ui.latency.textContent = stats.latencyMs ? Math.round(stats.latencyMs) + " ms" : "–";
    const b = stats.breakdown;
    ui.breakdown.textContent = `enc ${ms(b.encodeMs)} · send ${ms(b.queueMs)} · net ${ms(b.networkMs)} · ` +
      `dec ${ms(b.decodeMs)} · draw ${ms(b.drawMs)} ms`;
  }
  // recentSpans(now): the decode and draw spans of the last second (drawing.js).
  function start(recentSpans) { setInterval(() => tick(recentSpans), 1000); }

  return { setState, showBanner, showLink, showBusy, showHello, start };
}
