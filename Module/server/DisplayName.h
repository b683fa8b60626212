// A viewer's display name, from its {"type":"name"} message: untrusted text that every page
// shows (as text, never markup) and /stats lists. No Beast.
#ifndef renderstream_server_DisplayName_h
#define renderstream_server_DisplayName_h

#include <cstddef>
#include <string>
#include <string_view>

namespace renderstream::server
{
inline constexpr std::size_t kMaxNameLength = 32; // characters (code points), after trimming

struct NameCheck
{
  std::string Name; // the name to use: trimmed, cut to kMaxNameLength characters
  std::string Error; // not empty: refused, and why (the client is told)
};

/// Trims white space, refuses an empty name, invalid UTF-8 and control or direction-changing
/// characters (C0, DEL, C1, U+2028/9, U+202A-E, U+2066-9: they would rearrange or break the
/// lines of other people's pages), and cuts what is left to kMaxNameLength characters. Markup
/// is kept as the text it is: the pages never insert a name as HTML.
NameCheck CheckDisplayName(std::string_view raw);
} // namespace renderstream::server

#endif
