// The viewer page, embedded at build time from Module/web (EmbedWebAssets.cmake): the server
// never reads the file system.
#ifndef renderstream_server_WebAssets_h
#define renderstream_server_WebAssets_h

#include <string_view>

namespace renderstream::server
{
std::string_view IndexHtml();
}

#endif
