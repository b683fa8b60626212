// The JSON input messages the page sends (protocol: Module/server/README.md). Pure: the
// event-like objects need only the fields read here.

export const noMods = Object.freeze({ ctrl: false, shift: false, alt: false, meta: false });
export const modsOf = e => ({ ctrl: e.ctrlKey, shift: e.shiftKey, alt: e.altKey, meta: e.metaKey });

export function pointerDown(pos, button, mods, detail) {
  return { type: "pointer", action: "down", ...pos, button, ...mods, detail };
}
export function pointerUp(pos, button, mods) {
  return { type: "pointer", action: "up", ...pos, button, ...mods };
}
// "move", "enter" or "leave".
export function pointerAt(action, pos, mods) {
  return { type: "pointer", action, ...pos, ...mods };
}
export function wheel(pos, dy, ctrl, shift) {
  return { type: "wheel", ...pos, dy, ctrl, shift };
}

const utf8 = new TextEncoder();
const kModifierKeys = ["Control", "Meta", "Shift", "Alt"];
const kMaxKeyBytes = 15; // the server's limit for key and code names

// The key message for a keydown/keyup, or null for keys the page leaves to the browser:
// its own shortcuts (reload, tabs, devtools), Tab (focus), and names too long to send.
export function keyMessage(e) {
  if ((e.ctrlKey || e.metaKey) && !kModifierKeys.includes(e.key)) return null;
  if (e.key === "Tab" || e.key === "Unidentified" || utf8.encode(e.key).length > kMaxKeyBytes) return null;
  return { type: "key", action: e.type === "keydown" ? "down" : "up", key: e.key,
           code: utf8.encode(e.code).length > kMaxKeyBytes ? "" : e.code, ...modsOf(e) };
}
