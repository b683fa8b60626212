// Double clicks are counted here: pointerdown's own detail is not reliable across browsers.
export const kClickSlopPx = 6;  // a second press this close (client px) ...
export const kClickGapMs = 400; // ... and this soon, with the same button, counts on

// Returns a counter: called with each press ({ clientX, clientY, button, timeStamp }), it
// answers 1 for a single click and 2 for a double (or longer) one.
export function createClickCounter() {
  let last = { t: 0, x: 0, y: 0, button: -1, count: 0 };
  return press => {
    const near = Math.hypot(press.clientX - last.x, press.clientY - last.y) < kClickSlopPx;
    const count = near && press.button === last.button && press.timeStamp - last.t < kClickGapMs
      ? Math.min(255, last.count + 1) : 1;
    last = { t: press.timeStamp, x: press.clientX, y: press.clientY, button: press.button, count };
    return Math.min(count, 2);
  };
}
