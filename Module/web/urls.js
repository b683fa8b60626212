// Addresses the page uses, computed from a location-like object ({ href, protocol, search,
// hash }) so they stay pure. Every address is relative to the page: a proxy that mounts it
// under a prefix (/viz/) also carries /viz/ws and /viz/session.

// The token in the fragment (#token=), which no server or proxy ever sees.
export function fragmentToken(loc) {
  return new URLSearchParams(loc.hash.slice(1)).get("token");
}

// The link's token: the fragment's, else the query's (?token=, which the server answered
// with the cookie). Held in memory only.
export function linkToken(loc) {
  return fragmentToken(loc) || new URLSearchParams(loc.search).get("token");
}

// ?codec=jpeg or ?codec=h264 forces one; null: the best that works.
export function codecParam(loc) {
  return new URLSearchParams(loc.search).get("codec");
}

// The WebSocket's address; the token goes in it only when no cookie works.
export function wsUrl(loc, { token = null, video = false } = {}) {
  const u = new URL("ws", loc.href);
  u.protocol = loc.protocol === "https:" ? "wss:" : "ws:";
  u.search = u.hash = "";
  if (token) u.searchParams.set("token", token);
  if (video) u.searchParams.set("codec", "h264");
  return u.href;
}

// The same endpoint over HTTP: a POST there says why an upgrade would be refused.
export function probeUrl(loc, token = null) {
  return wsUrl(loc, { token }).replace(/^ws/, "http");
}

// The page's address without its token (query, and the fragment if it held one), so the
// token stays out of history, bookmarks and screenshots.
export function withoutToken(loc) {
  const clean = new URL(loc.href);
  clean.searchParams.delete("token");
  if (fragmentToken(loc)) clean.hash = "";
  return clean.href;
}
