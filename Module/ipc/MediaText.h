// What both sides say about the media outputs: the publisher's state as a word, a publishing
// URL without its secrets, and a recording path as a shell reads it. Plain C++17: no VTK, no
// Boost.
#ifndef renderstream_ipc_MediaText_h
#define renderstream_ipc_MediaText_h

#include "Layout.h"

#include <cstdlib>
#include <string>
#include <string_view>

namespace renderstream::ipc
{
/// "off", "connecting", "connected" or "reconnecting" (anything else reads as off).
inline const char* PublishStatusName(PublishStatus status)
{
  switch (status)
  {
    case PublishStatus::Connecting: return "connecting";
    case PublishStatus::Connected: return "connected";
    case PublishStatus::Reconnecting: return "reconnecting";
    default: return "off";
  }
}

/// scheme://host[:port] of `url`: its user and password, path and query (where a stream key
/// lives) are left out; "" when it has no scheme.
inline std::string UrlOrigin(std::string_view url)
{
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos)
  {
    return {};
  }
  const auto hostBegin = scheme + 3;
  std::string_view host = url.substr(hostBegin, url.find_first_of("/?#", hostBegin) - hostBegin);
  if (const auto at = host.rfind('@'); at != std::string_view::npos)
  {
    host.remove_prefix(at + 1);
  }
  return std::string(url.substr(0, hostBegin)) + std::string(host);
}

/// A leading "~" (alone or before "/") is $HOME, as in a shell; anything else is kept as is.
/// Both sides expand it: the module for what it reports, the server for what it opens.
inline std::string ExpandHome(const std::string& path)
{
  const char* home = std::getenv("HOME");
  if (home && *home && (path == "~" || path.rfind("~/", 0) == 0))
  {
    return home + path.substr(1);
  }
  return path;
}
} // namespace renderstream::ipc

#endif
