// The sign-in page (SignInPage.cxx): a #token= fragment is POSTed to "session" (relative, so
// a prefix mount works), which answers with the cookie; then the page reloads without the
// fragment and gets the viewer. When the cookie did not stick (the probe still says 401: a
// frame on another site, such as a notebook on localhost showing 127.0.0.1, gets no
// SameSite=Strict cookie), the page loads with ?token= instead, which only this server sees.
// Without a fragment, or when the server refuses it, the text says what to do.
const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (token) {
  const why = document.getElementById("why");
  why.textContent = "Signing in\u2026";
  fetch("session", { method: "POST", body: new URLSearchParams({ token }), cache: "no-store" })
    .then(async res => {
      if (!res.ok) {
        why.textContent = "The server refused this link: " + (await res.text()).trim();
        return;
      }
      const probe = await fetch("ws", { method: "POST", cache: "no-store" });
      location.replace(location.pathname +
        (probe.status === 401 ? "?token=" + encodeURIComponent(token) : location.search));
    })
    .catch(() => { why.textContent = "The server cannot be reached."; });
}
