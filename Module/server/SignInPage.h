// The page a browser gets instead of the viewer when it has no token (401): it says where the
// right link is, and trades a link's #token= fragment for the cookie. A fragment never leaves
// the browser, so neither a proxy's access log nor a Referer holds the token. No Beast.
#ifndef renderstream_server_SignInPage_h
#define renderstream_server_SignInPage_h

#include <string>
#include <string_view>

namespace renderstream::server
{
/// Its HTML; `pageUrl` is where the viewer lives (the public URL, or this server's own).
std::string SignInPage(std::string_view pageUrl);

/// Its Content-Security-Policy: its script and style from this origin only (signin.js,
/// signin.css; nothing inline), talking to this origin only; framed by what `frameAncestors`
/// lists (as the viewer page is).
std::string SignInPagePolicy(std::string_view frameAncestors);
} // namespace renderstream::server

#endif
