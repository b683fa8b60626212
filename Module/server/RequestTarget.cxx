#include "RequestTarget.h"

#include <uriparser/Uri.h>

namespace renderstream::server
{
bool RequestTarget::Parse(std::string_view target, RequestTarget& out)
{
  out = RequestTarget{};
  if (target.empty() || target.front() != '/' || target.size() > 4096)
  {
    return false;
  }
  const auto question = target.find('?');
  out.Path = std::string(target.substr(0, question));
  for (const char c : out.Path)
  {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#')
    {
      return false;
    }
  }
  if (question == std::string_view::npos)
  {
    return true;
  }
  const std::string query(target.substr(question + 1));
  if (query.empty())
  {
    return true;
  }
  UriQueryListA* list = nullptr;
  int count = 0;
  if (uriDissectQueryMallocA(&list, &count, query.data(), query.data() + query.size()) !=
    URI_SUCCESS)
  {
    return false;
  }
  for (const UriQueryListA* item = list; item; item = item->next)
  {
    if (item->key)
    {
      out.Query.emplace(item->key, item->value ? item->value : "");
    }
  }
  uriFreeQueryListA(list);
  return true;
}

std::string FindCookie(std::string_view header, std::string_view name)
{
  while (!header.empty())
  {
    const auto semicolon = header.find(';');
    std::string_view pair = header.substr(0, semicolon);
    header = semicolon == std::string_view::npos ? std::string_view() : header.substr(semicolon + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t'))
    {
      pair.remove_prefix(1);
    }
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name)
    {
      std::string_view value = pair.substr(equals + 1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
      {
        value.remove_suffix(1);
      }
      return std::string(value);
    }
  }
  return {};
}
} // namespace renderstream::server
