#include "DisplayName.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace renderstream::server
{
namespace
{
// Decodes `text` into code points; false if it is not valid UTF-8 (overlongs, surrogates too).
bool DecodeUtf8(std::string_view text, std::vector<std::uint32_t>& points)
{
  for (std::size_t i = 0; i < text.size();)
  {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size())
    {
      return false;
    }
    std::uint32_t point = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k)
    {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80)
      {
        return false;
      }
      point = (point << 6) | (next & 0x3F);
    }
    static constexpr std::uint32_t kSmallest[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (point < kSmallest[length] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF))
    {
      return false;
    }
    points.push_back(point);
    i += length;
  }
  return true;
}

bool Forbidden(std::uint32_t c)
{
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
    (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

bool Space(std::uint32_t c)
{
  return c == ' ' || c == 0xA0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200B);
}

void AppendUtf8(std::string& out, std::uint32_t c)
{
  if (c < 0x80)
  {
    out += static_cast<char>(c);
  }
  else if (c < 0x800)
  {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  else if (c < 0x10000)
  {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  else
  {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}
} // namespace

NameCheck CheckDisplayName(std::string_view raw)
{
  NameCheck check;
  std::vector<std::uint32_t> points;
  if (!DecodeUtf8(raw, points))
  {
    check.Error = "the name is not valid UTF-8";
    return check;
  }
  for (const std::uint32_t c : points)
  {
    if (Forbidden(c))
    {
      check.Error = "the name holds a control or text-direction character";
      return check;
    }
  }
  std::size_t first = 0, last = points.size();
  while (first < last && Space(points[first]))
  {
    ++first;
  }
  while (last > first && Space(points[last - 1]))
  {
    --last;
  }
  if (first == last)
  {
    check.Error = "the name is empty";
    return check;
  }
  last = std::min(last, first + kMaxNameLength);
  while (last > first && Space(points[last - 1])) // a cut may end on a space
  {
    --last;
  }
  for (std::size_t i = first; i < last; ++i)
  {
    AppendUtf8(check.Name, points[i]);
  }
  return check;
}
} // namespace renderstream::server
