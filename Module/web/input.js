// Pointer, touch and wheel input on the view, sent as JSON messages (messages.js). Moves are
// coalesced to one per animation frame. Touch: one finger = left drag (rotate); two fingers =
// middle drag at the centroid (pan) plus wheel steps while the finger distance changes (pinch).
import { createClickCounter } from "./clicks.js";
import { centroid, pinchNotch } from "./gestures.js";
import { modsOf, noMods, pointerAt, pointerDown, pointerUp, wheel } from "./messages.js";

// norm: client point → frame fraction (drawing.js); send: connection.js's.
export function attachPointer(canvas, stats, { send, norm }) {
  let pendingMove = null, moveQueued = false, held = -1; // held: button the remote side has down
  const touches = new Map(); // pointerId → { x, y } of each finger down
  let gesture = null, gestureQueued = false; // { dist, notch } while two fingers are down
  const clickCount = createClickCounter();
  const fingers = () => centroid(...touches.values());
  const normAt = e => norm(e.clientX, e.clientY);

  function queueMove(msg) {
    pendingMove = msg;
    if (moveQueued) return;
    moveQueued = true;
    requestAnimationFrame(() => {
      moveQueued = false;
      if (pendingMove) send(pendingMove, held >= 0);
      pendingMove = null;
    });
  }
  function flushMove() { if (pendingMove) { send(pendingMove, held >= 0); pendingMove = null; } }
  function press(pos, button, m, detail) {
    flushMove(); held = button;
    send(pointerDown(pos, button, m, detail), true);
  }
  function release(pos, m) {
    if (held < 0) return;
    flushMove();
    send(pointerUp(pos, held, m), true);
    held = -1;
  }

  // The two-finger step runs once per frame, after every finger's move of that frame: each
  // finger gets its own pointermove, and measuring between them (one finger moved, the other
  // not yet) would turn a plain two-finger pan into alternating zoom in/out. A busy browser
  // may still run a frame between them, so a notch counts once two frames in a row agree.
  function queueGestureStep() {
    if (gestureQueued) return;
    gestureQueued = true;
    requestAnimationFrame(() => {
      gestureQueued = false;
      if (!gesture || touches.size !== 2) return;
      const c = fingers(), pos = norm(c.cx, c.cy);
      send(pointerAt("move", pos, noMods), true);
      const dy = pinchNotch(c.dist, gesture.dist);
      if (dy && dy === gesture.notch) {
        send(wheel(pos, dy, false, false), true);
        gesture.dist = c.dist;
      }
      gesture.notch = dy;
    });
  }

  function touchDown(e) {
    touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (touches.size === 1) {
      press(normAt(e), 0, noMods, 1);
    } else if (touches.size === 2) {
      const c = fingers(), pos = norm(c.cx, c.cy);
      release(pos, noMods); // end the rotation before panning
      gesture = { dist: c.dist, notch: 0 };
      press(pos, 1, noMods, 1);
    }
  }
  function touchMove(e) {
    if (!touches.has(e.pointerId)) return;
    touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (touches.size === 1 && held === 0) queueMove(pointerAt("move", normAt(e), noMods));
    else if (touches.size === 2 && gesture) queueGestureStep();
  }
  function touchEnd(e) {
    if (!touches.has(e.pointerId)) return;
    const pos = touches.size === 2 ? norm(fingers().cx, fingers().cy) : normAt(e);
    touches.delete(e.pointerId);
    if (gesture && touches.size < 2) { release(pos, noMods); gesture = null; }
    else if (touches.size === 0) release(pos, noMods);
    // a finger left after a pinch does not restart rotation until all are lifted
  }

  canvas.addEventListener("pointerdown", e => {
    canvas.focus({ preventScroll: true });
    if (stats.viewOnly) return;
    e.preventDefault();
    try { canvas.setPointerCapture(e.pointerId); } catch (err) { /* pointer already gone */ }
    canvas.classList.add("dragging");
    if (e.pointerType === "touch") return touchDown(e);
    if (held >= 0) return; // a second button during a drag: VTK styles track one at a time
    press(normAt(e), Math.min(2, e.button), modsOf(e), clickCount(e));
  });
  canvas.addEventListener("pointermove", e => {
    if (stats.viewOnly) return;
    if (e.pointerType === "touch") return touchMove(e);
    // Hover moves go out too (pickers and widgets highlight on hover), still one per frame.
    queueMove(pointerAt("move", normAt(e), modsOf(e)));
  });
  function pointerEnd(e) {
    canvas.classList.remove("dragging");
    if (stats.viewOnly) return;
    if (e.pointerType === "touch") return touchEnd(e);
    if (e.type === "pointerup" && Math.min(2, e.button) !== held) return; // another button
    release(normAt(e), modsOf(e));
  }
  canvas.addEventListener("pointerup", pointerEnd);
  canvas.addEventListener("pointercancel", pointerEnd);
  canvas.addEventListener("lostpointercapture", e => { if (e.pointerType !== "touch" && held >= 0) pointerEnd(e); });
  // Enter/leave reach the interactor too (VTK's EnterEvent/LeaveEvent), mouse only.
  for (const [domEvent, action] of [["pointerenter", "enter"], ["pointerleave", "leave"]]) {
    canvas.addEventListener(domEvent, e => {
      if (e.pointerType !== "mouse" || held >= 0) return;
      flushMove();
      send(pointerAt(action, normAt(e), modsOf(e)), false);
    });
  }
  canvas.addEventListener("contextmenu", e => e.preventDefault());
  canvas.addEventListener("dblclick", e => e.preventDefault());
  canvas.addEventListener("wheel", e => {
    e.preventDefault();
    if (stats.viewOnly || e.deltaY === 0) return;
    flushMove();
    // One VTK wheel step per event; a trackpad's tiny deltas still move in the right direction.
    send(wheel(normAt(e), Math.sign(e.deltaY), e.ctrlKey, e.shiftKey), true);
  }, { passive: false });
  // A mouse button held while focus leaves (a dialog, another window) would stay down on the
  // remote side, and the next move would drag.
  canvas.addEventListener("blur", () => { if (held >= 0 && !touches.size) release({ x: 0.5, y: 0.5 }, noMods); });
}
