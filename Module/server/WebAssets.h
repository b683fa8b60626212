// The web files (Module/web: the viewer page, its scripts and style, the sign-in page's),
// embedded at build time by EmbedWebAssets.cmake: the server never reads the file system.
#ifndef renderstream_server_WebAssets_h
#define renderstream_server_WebAssets_h

#include <optional>
#include <string_view>

namespace renderstream::server
{
struct WebAsset
{
  std::string_view Name;        // the file's name in Module/web, as served: "main.js"
  std::string_view ContentType; // "text/javascript; charset=utf-8"
  std::string_view Body;
};

/// The embedded file of that name, or nothing (names have no directories: "main.js").
std::optional<WebAsset> FindWebAsset(std::string_view name);
}

#endif
