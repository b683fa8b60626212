// What both sides say about the media outputs: the publisher's state as a word, and a
// publishing URL without its secrets. Plain C++17: no VTK, no Boost.
#ifndef renderstream_ipc_MediaText_h
#define renderstream_ipc_MediaText_h

#include "Layout.h"

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
} // namespace renderstream::ipc

#endif
