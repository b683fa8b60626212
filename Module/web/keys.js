// The keyboard, only while the view has focus: keys go to the application, F2 toggles the
// statistics, t and j (VTK's trackball/joystick keys) keep the toolbar's style in step.
import { keyMessage } from "./messages.js";

export function attachKeys(canvas, stats, { send, toggleOverlay, syncStyle }) {
  function onKey(e) {
    if (e.key === "F2") { if (e.type === "keydown") toggleOverlay(); e.preventDefault(); return; }
    if (stats.viewOnly) return;
    const msg = keyMessage(e);
    if (!msg) return; // the browser's
    e.preventDefault();
    const down = e.type === "keydown";
    send(msg, down);
    if (down && !e.repeat && (e.key === "t" || e.key === "j")) syncStyle(e.key === "t" ? "trackball" : "joystick");
  }
  canvas.addEventListener("keydown", onKey);
  canvas.addEventListener("keyup", onKey);
}
