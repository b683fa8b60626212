// The render size follows the view: its device pixels, asked for once the layout settles,
// within the server's maximum. Only a client with input rights may resize.
import { renderSize } from "./geometry.js";

// fit: resizes the canvas's backing store (drawing.js).
export function createResizer(canvas, stats, { send, fit }) {
  let timer = 0, last = "";
  function request(delay = 150) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const hello = stats.hello;
      if (!hello || stats.viewOnly) return;
      const size = renderSize(canvas.clientWidth, canvas.clientHeight, window.devicePixelRatio || 1,
                              hello.maxWidth, hello.maxHeight);
      const key = size.width + "x" + size.height;
      if (key === last) return;
      if (send({ type: "resize", width: size.width, height: size.height }, true)) last = key;
    }, delay);
  }
  // A new connection's server knows no size yet: ask again, at once.
  function renew() { last = ""; request(0); }

  new ResizeObserver(() => { fit(); request(); }).observe(canvas);
  // A devicePixelRatio change (zoom, moving to another screen) does not resize the element.
  (function watchDpr() {
    matchMedia("(resolution: " + (window.devicePixelRatio || 1) + "dppx)")
      .addEventListener("change", () => { fit(); request(); watchDpr(); }, { once: true });
  })();
  return { renew };
}
