// Where the frame sits on the canvas and what a point on it means: pure arithmetic.

// The frame's rectangle inside a cw×ch canvas (object-fit: contain, centred); without a
// picture (pw, ph unknown) the whole canvas.
export function frameRect(cw, ch, pw, ph) {
  if (!pw || !ph) return { x: 0, y: 0, w: cw, h: ch };
  const s = Math.min(cw / pw, ch / ph);
  const w = pw * s, h = ph * s;
  return { x: (cw - w) / 2, y: (ch - h) / 2, w, h };
}

const clamp01 = v => Math.min(1, Math.max(0, v));

// A client point as a fraction of the frame, each way clamped to [0, 1] (the bars around a
// letterboxed frame map to its edge). box: the canvas's client rect; rect: frameRect of it.
export function normalise(clientX, clientY, box, rect) {
  return { x: clamp01((clientX - box.left - rect.x) / rect.w), y: clamp01((clientY - box.top - rect.y) / rect.h) };
}

// The reverse: a frame fraction as a client point (where another person's pointer is drawn).
export function denormalise(x, y, box, rect) {
  return { x: box.left + rect.x + x * rect.w, y: box.top + rect.y + y * rect.h };
}

// The canvas's backing store for its CSS size: one pixel per device pixel, at least 1×1.
export function backingSize(cssWidth, cssHeight, dpr) {
  return { width: Math.max(1, Math.round(cssWidth * dpr)), height: Math.max(1, Math.round(cssHeight * dpr)) };
}

// The render size to ask the server for: the view's device pixels, shrunk (keeping the
// aspect) to the server's maximum when it has one.
export function renderSize(cssWidth, cssHeight, dpr, maxWidth, maxHeight) {
  const w = cssWidth * dpr, h = cssHeight * dpr;
  const s = Math.min(1, (maxWidth || w) / w, (maxHeight || h) / h);
  return { width: Math.max(1, Math.floor(w * s)), height: Math.max(1, Math.floor(h * s)) };
}
