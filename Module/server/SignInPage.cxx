#include "SignInPage.h"

namespace renderstream::server
{
namespace
{
std::string EscapeHtml(std::string_view text)
{
  std::string out;
  for (const char c : text)
  {
    switch (c)
    {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// The script: a #token= fragment is POSTed to "session" (relative, so a prefix mount works),
// which answers with the cookie; then the page reloads without the fragment and gets the
// viewer. When the cookie did not stick (the probe still says 401: a frame on another site,
// such as a notebook on localhost showing 127.0.0.1, gets no SameSite=Strict cookie), the
// page loads with ?token= instead, which only this server sees. Without a fragment, or when
// the server refuses it, the text says what to do.
constexpr std::string_view kHead = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>RenderStream: this link needs its token</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:3em auto;max-width:40em;padding:0 1em;color:#222}
code{background:#eee;padding:0 .2em}</style></head><body>
<h1>This link needs its token</h1>
<p id="why">Open the link the application printed, <code>)";
constexpr std::string_view kTail = R"(#token=...</code>: it lets this browser in. A link with
<code>?token=...</code> works too.</p>
<script>
(() => {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!token) return;
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
})();
</script></body></html>
)";
} // namespace

std::string SignInPagePolicy(std::string_view frameAncestors)
{
  return "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
         "connect-src 'self'; frame-ancestors " + std::string(frameAncestors);
}

std::string SignInPage(std::string_view pageUrl)
{
  return std::string(kHead) + EscapeHtml(pageUrl) + std::string(kTail);
}
} // namespace renderstream::server
