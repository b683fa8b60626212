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

/// A web origin in its one canonical form, "scheme://host[:port]": scheme and host lower case,
/// the default port (80 for http, 443 for https) and a lone trailing "/" dropped. False if
/// `text` is not an http(s) origin (no host, or a user, path, query or fragment).
bool NormalizeOrigin(std::string_view text, std::string& out);

/// Value of cookie `name` in a Cookie header ("a=1; b=2"), empty if absent.
std::string FindCookie(std::string_view header, std::string_view name);
} // namespace renderstream::server

#endif
