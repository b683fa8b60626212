// The link's token and the cookie. The cookie authenticates the WebSocket; the token (from
// #token= or ?token=), held in memory only, goes in the WebSocket's URL only if no cookie
// works (a browser that blocks this page's cookies, a frame on another site).
import { fragmentToken, linkToken, probeUrl, withoutToken } from "./urls.js";

export function createAuth() {
  const token = linkToken(location);
  let inUrl = false;
  const urlToken = () => inUrl ? token : null;

  // null: nothing refuses us (the connection failed for another reason); else {status, text}.
  // Browsers hide why a WebSocket was refused; the server says it to a POST.
  async function whyRefused() {
    try {
      const res = await fetch(probeUrl(location, urlToken()), { method: "POST", cache: "no-store" });
      if (res.status === 401 || res.status === 403 || res.status === 503)
        return { status: res.status, text: (await res.text()).trim().replace(/^refused /, "") };
    } catch (e) { /* the server is gone: just reconnect */ }
    return null;
  }
  // A #token= link is traded for the cookie (the server set it already for a ?token= link),
  // then the token leaves the address bar, and so history, bookmarks and screenshots. If the
  // cookie did not stick (a frame on another site, as a notebook on localhost showing
  // 127.0.0.1, gets no SameSite=Strict cookie), the WebSocket carries the token from the start.
  async function signIn() {
    const fragment = fragmentToken(location);
    if (fragment) {
      try {
        await fetch("session", { method: "POST", body: new URLSearchParams({ token: fragment }), cache: "no-store" });
      } catch (e) { /* the WebSocket's refusal will say why */ }
    }
    if (token) {
      const refusal = await whyRefused();
      inUrl = !!refusal && refusal.status === 401;
    }
    const clean = withoutToken(location);
    if (clean !== location.href) history.replaceState(history.state, "", clean);
  }
  // A 401 although the page had the token: no cookie reached the server. True if the token
  // now goes in the URL (worth one more try), false if it did already or there is none.
  function tokenToUrl() {
    if (!token || inUrl) return false;
    inUrl = true;
    return true;
  }
  return { signIn, whyRefused, tokenToUrl, urlToken };
}
