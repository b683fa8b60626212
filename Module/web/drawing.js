// The canvas and the picture on it: an ImageBitmap (JPEG) or a VideoFrame (H.264), both
// drawable. Pictures are numbered as they arrive; one decoded after a newer one was shown is
// dropped. Draws happen once per animation frame.
import { backingSize, denormalise, frameRect, normalise } from "./geometry.js";
import { pushBounded } from "./stats.js";

const widthOf = p => p.displayWidth || p.width, heightOf = p => p.displayHeight || p.height;
const kBackground = "#16181c";
const kHistory = 64;

export function createView(canvas, stats, sizeLabel) {
  const ctx = canvas.getContext("2d", { alpha: false });
  const arrivals = new Map(); // picture number → when its bytes arrived (performance.now())
  let spans = [];             // { at, decodeMs, drawMs } of the pictures drawn lately
  let picture = null, decodeSeq = 0, drawnSeq = 0, drawQueued = false, pendingSpan = null;

  const rectIn = (cw, ch) => picture ? frameRect(cw, ch, widthOf(picture), heightOf(picture)) : frameRect(cw, ch);

  function fit() {
    const size = backingSize(canvas.clientWidth, canvas.clientHeight, window.devicePixelRatio || 1);
    if (canvas.width !== size.width || canvas.height !== size.height) {
      canvas.width = size.width; canvas.height = size.height; queueDraw();
    }
  }
  function queueDraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(draw);
  }
  function draw() {
    drawQueued = false;
    ctx.fillStyle = kBackground;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    if (!picture) return;
    const r = rectIn(canvas.width, canvas.height);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(picture, r.x, r.y, r.w, r.h);
    stats.framesDrawn++;
    if (pendingSpan) {
      const now = performance.now();
      spans.push({ at: now, decodeMs: pendingSpan.decoded - pendingSpan.arrived, drawMs: now - pendingSpan.decoded });
      pendingSpan = null;
    }
  }
  function show(decoded, seq) {
    const arrived = arrivals.get(seq);
    arrivals.delete(seq);
    if (seq < drawnSeq) { decoded.close(); return; } // a newer frame won the race
    drawnSeq = seq;
    if (arrived !== undefined) pendingSpan = { decoded: performance.now(), arrived };
    pushBounded(stats.shownTimes, performance.now(), kHistory); // decoded and ready to draw
    if (picture) picture.close();
    picture = decoded;
    stats.shown = decoded instanceof ImageBitmap ? "jpeg" : "video";
    stats.frameWidth = widthOf(picture); stats.frameHeight = heightOf(picture);
    sizeLabel.textContent = stats.frameWidth + "×" + stats.frameHeight;
    queueDraw();
  }
  // Numbers a picture and notes when its bytes arrived (for the time breakdown).
  function arrive() {
    const seq = ++decodeSeq;
    arrivals.set(seq, performance.now());
    if (arrivals.size > kHistory) arrivals.delete(arrivals.keys().next().value); // never decoded
    return seq;
  }
  async function showJpeg(bytes) {
    const seq = arrive();
    let decoded;
    try { decoded = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" })); }
    catch (e) { return; } // a bad frame is skipped
    show(decoded, seq);
  }
  // A client point as a fraction of the frame on screen (what the server's input expects).
  function norm(clientX, clientY) {
    const box = canvas.getBoundingClientRect();
    return normalise(clientX, clientY, box, rectIn(box.width, box.height));
  }
  // The reverse: a frame fraction as a client point.
  function place(x, y) {
    const box = canvas.getBoundingClientRect();
    return denormalise(x, y, box, rectIn(box.width, box.height));
  }
  // The decode and draw spans of the last second.
  function recentSpans(now) {
    spans = spans.filter(s => now - s.at <= 1000);
    return spans;
  }
  // For tests and diagnostics: a small grey-level copy of the frame on screen.
  function sample(w = 64, h = 48) {
    if (!picture) return null;
    const c = new OffscreenCanvas(w, h), g = c.getContext("2d");
    g.drawImage(picture, 0, 0, w, h);
    const rgba = g.getImageData(0, 0, w, h).data, out = new Array(w * h);
    for (let i = 0; i < out.length; i++) out[i] = (rgba[4 * i] * 299 + rgba[4 * i + 1] * 587 + rgba[4 * i + 2] * 114) / 1000;
    return out;
  }
  return { fit, show, arrive, showJpeg, norm, place, recentSpans, sample };
}
