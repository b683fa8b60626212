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

// The page's script and style are files of their own (Module/web/signin.js, signin.css,
// served without a token: this page is for callers who have none yet), so its policy needs
// no 'unsafe-inline'. Relative addresses, so a prefix mount works.
constexpr std::string_view kHead = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>RenderStream: this link needs its token</title>
<link rel="stylesheet" href="signin.css"><script type="module" src="signin.js"></script></head><body>
<h1>This link needs its token</h1>
<p id="why">Open the link the application printed, <code>)";
constexpr std::string_view kTail = R"(#token=...</code>: it lets this browser in. A link with
<code>?token=...</code> works too.</p>
</body></html>
)";
} // namespace

std::string SignInPagePolicy(std::string_view frameAncestors)
{
  return "default-src 'none'; script-src 'self'; style-src 'self'; "
         "connect-src 'self'; frame-ancestors " + std::string(frameAncestors);
}

std::string SignInPage(std::string_view pageUrl)
{
  return std::string(kHead) + EscapeHtml(pageUrl) + std::string(kTail);
}
} // namespace renderstream::server
