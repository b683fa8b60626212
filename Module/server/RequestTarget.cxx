#include "RequestTarget.h"

#include <uriparser/Uri.h>

#include <algorithm>
#include <cctype>

namespace renderstream::server
{
namespace
{
std::string Part(const UriTextRangeA& range)
{
  return range.first && range.afterLast ? std::string(range.first, range.afterLast) : std::string();
}
std::string Lower(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}
} // namespace

namespace
{
// Splits an absolute http(s) URL into its canonical origin (see NormalizeOrigin) and its path
// as written ("" when absent). False for other schemes, no host, a user, a query or a fragment.
bool SplitHttpUrl(std::string_view text, std::string& origin, std::string& path)
{
  const std::string input(text);
  UriUriA uri;
  const char* error = nullptr;
  if (input.empty() || input.size() > 1024 ||
    uriParseSingleUriExA(&uri, input.data(), input.data() + input.size(), &error) != URI_SUCCESS)
  {
    return false;
  }
  const std::string scheme = Lower(Part(uri.scheme)), host = Lower(Part(uri.hostText));
  const std::string port = Part(uri.portText);
  // The path is what follows the authority (a host holds no "/"; user, query, fragment fail).
  const auto slash = input.find('/', input.find("://") + 3);
  path = slash == std::string::npos ? std::string() : input.substr(slash);
  const bool ok = (scheme == "http" || scheme == "https") && !host.empty() && !uri.userInfo.first &&
    !uri.query.first && !uri.fragment.first &&
    std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) && port.size() <= 5;
  const bool ipv6 = uri.hostData.ip6 != nullptr;
  uriFreeUriMembersA(&uri);
  if (!ok || (!port.empty() && std::stoi(port) > 65535))
  {
    return false;
  }
  const bool defaultPort = port.empty() || (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
  origin = scheme + "://" + (ipv6 ? "[" + host + "]" : host) + (defaultPort ? "" : ":" + port);
  return true;
}
} // namespace

bool NormalizeOrigin(std::string_view text, std::string& out)
{
  std::string path;
  // A lone "/" is what an address bar shows after the origin; any other path is not an origin.
  return SplitHttpUrl(text, out, path) && (path.empty() || path == "/");
}

bool NormalizePublicUrl(std::string_view text, std::string& url, std::string& origin)
{
  std::string path;
  if (!SplitHttpUrl(text, origin, path))
  {
    return false;
  }
  url = origin + (path.empty() ? "/" : path) + (path.empty() || path.back() == '/' ? "" : "/");
  return true;
}

bool HostHeaderName(std::string_view host, std::string& name)
{
  std::string origin, path;
  if (host.empty() || host.find_first_of("/@?#") != std::string_view::npos ||
    !SplitHttpUrl("http://" + std::string(host), origin, path))
  {
    return false;
  }
  name = origin.substr(7); // "http://"
  if (name.front() == '[')
  {
    name = name.substr(1, name.find(']') - 1);
  }
  else if (const auto colon = name.find(':'); colon != std::string::npos)
  {
    name.resize(colon);
  }
  return !name.empty();
}

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
  return ParseForm(target.substr(question + 1), out.Query);
}

bool ParseForm(std::string_view text, std::map<std::string, std::string>& out)
{
  out.clear();
  const std::string query(text);
  if (query.empty())
  {
    return true;
  }
  // Every escape is two hex digits, and none is a NUL: uriparser's values are C strings, so
  // "token=T%00junk" would otherwise be read as "token=T".
  for (std::size_t i = query.find('%'); i != std::string::npos; i = query.find('%', i + 1))
  {
    if (i + 2 >= query.size() || !std::isxdigit(static_cast<unsigned char>(query[i + 1])) ||
      !std::isxdigit(static_cast<unsigned char>(query[i + 2])) || (query[i + 1] == '0' && query[i + 2] == '0'))
    {
      return false;
    }
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
      out.emplace(item->key, item->value ? item->value : "");
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
