// Splits an HTTP request target into path and query parameters (uriparser), and reads one
// cookie from a Cookie header. No Beast: unit-testable.
#ifndef renderstream_server_RequestTarget_h
#define renderstream_server_RequestTarget_h

#include <map>
#include <string>
#include <string_view>

namespace renderstream::server
{
struct RequestTarget
{
  std::string Path;
  std::map<std::string, std::string> Query; // decoded; first occurrence wins

  /// False when the target is not origin-form ("/path?query") or the query is malformed.
  static bool Parse(std::string_view target, RequestTarget& out);
  std::string Get(const std::string& key) const
  {
    const auto it = this->Query.find(key);
    return it == this->Query.end() ? std::string() : it->second;
  }
};

/// Decodes "a=1&b=2" (a query string, or a form POST's body) into `out`; first occurrence
/// wins. False on a malformed or NUL escape.
bool ParseForm(std::string_view text, std::map<std::string, std::string>& out);

/// A web origin in its one canonical form, "scheme://host[:port]": scheme and host lower case,
/// the default port (80 for http, 443 for https) and a lone trailing "/" dropped. False if
/// `text` is not an http(s) origin (no host, or a user, path, query or fragment).
bool NormalizeOrigin(std::string_view text, std::string& out);

/// The address people open the page at (a proxy's or tunnel's, e.g. https://host/viz/), as
/// "origin/path/": the origin normalised as above, the path kept and ending in "/" (the page's
/// relative URLs resolve under it). False if `text` is not an http(s) URL without user, query
/// or fragment.
bool NormalizePublicUrl(std::string_view text, std::string& url, std::string& origin);

/// The host name of a Host header ("Example.org:8080", "[::1]:80") in lower case, without
/// port or brackets. False if it is not a host[:port] (empty, a user, a path, a bad port).
bool HostHeaderName(std::string_view host, std::string& name);

/// Value of cookie `name` in a Cookie header ("a=1; b=2"), empty if absent.
std::string FindCookie(std::string_view header, std::string_view name);
} // namespace renderstream::server

#endif
