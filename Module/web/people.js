// Several people in one scene: names, who drives, what this page may do about it. Pure: the
// node tests (Testing/Browser/page.test.mjs) call these directly.

export const kMaxName = 32; // characters, as the server cuts them
export const kCursorIntervalMs = 50; // at most 20 pointer positions a second (the server's limit)
export const kNameKey = "renderstream.name";

// A name as the server will take it: no control or text-direction characters, trimmed, at
// most kMaxName characters; "" if nothing is left.
const kForbidden = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
export function cleanName(text) {
  const kept = Array.from(String(text ?? "")).filter(c => !kForbidden.test(c)).join("").trim();
  return Array.from(kept).slice(0, kMaxName).join("").trim();
}

// The name to announce: ?name= in the page's URL, else the one remembered in this browser;
// null: ask once. stored === "": asked before and skipped (the server's "Viewer N" stays).
export function initialName(search, stored) {
  const fromUrl = cleanName(new URLSearchParams(search).get("name"));
  if (fromUrl) return fromUrl;
  if (stored === null || stored === undefined) return null;
  return cleanName(stored);
}

// What a presence message means to this page (selfId: the id its hello gave it).
export function presenceOf(msg, selfId) {
  const participants = (Array.isArray(msg?.participants) ? msg.participants : []).map(p => ({
    id: p.id, name: String(p.name ?? ""), role: ["driver", "participant", "viewer"].includes(p.role) ? p.role : "viewer",
    self: p.id === selfId, address: typeof p.address === "string" ? p.address : "",
  }));
  const driver = participants.find(p => p.role === "driver") || null;
  return { mode: msg?.mode === "shared" ? "shared" : "one", kept: !!msg?.kept, participants, driver };
}

// Which control buttons this page shows.
export function controlButtons(presence, viewOnly) {
  const none = { ask: false, keep: false, release: false };
  if (!presence || viewOnly || presence.mode === "shared") return none;
  const self = presence.participants.find(p => p.self);
  const driving = !!self && self.role === "driver";
  return { ask: !driving && !!presence.driver, keep: driving && !presence.kept, release: driving };
}

// The line every page shows about who drives.
export function driverLine(presence) {
  if (!presence) return "";
  if (presence.mode === "shared") return "Everyone can steer";
  const d = presence.driver;
  if (!d) return "Nobody steers: interact to take control";
  return (d.self ? "You steer" : d.name + " steers") + (presence.kept ? " (presenting)" : "");
}

export const roleLabel = role => role === "driver" ? "steering" : role === "participant" ? "may steer" : "watching";

// Whether a pointer position may go out now: at most one per interval; a later one waits
// (the caller sends the newest when the interval has passed).
export function cursorDue(lastSentAt, now, interval = kCursorIntervalMs) {
  return now - lastSentAt >= interval;
}
