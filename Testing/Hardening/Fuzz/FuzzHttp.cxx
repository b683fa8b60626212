// Fuzz target: an HTTP request as renderstream-server reads it. Beast's parser with the
// server's limits (8 KiB of headers, 1 KiB of body), then everything the server parses out
// of a request: the target and its query, the token cookie, the Origin, a sign-in form body,
// and (as a --public-url would be) the target again as a URL.
#include "RequestTarget.h"

#define BOOST_BEAST_USE_STD_STRING_VIEW // as in the server: Beast speaks std::string_view

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

namespace http = boost::beast::http;
namespace rs = renderstream::server;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done())
  {
    return 0;
  }
  const auto& request = parser.get();
  rs::RequestTarget target;
  if (rs::RequestTarget::Parse(request.target(), target))
  {
    // What the server relies on: a path without control bytes or '#', values without NUL.
    for (const char c : target.Path)
    {
      if (static_cast<unsigned char>(c) <= 0x20 || c == '#')
      {
        std::abort();
      }
    }
    for (const auto& [key, value] : target.Query)
    {
      if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos)
      {
        std::abort();
      }
    }
  }
  (void)rs::FindCookie(request[http::field::cookie], "renderstream_token_8080");
  std::string origin, url;
  if (rs::NormalizeOrigin(request[http::field::origin], origin) &&
    (origin.rfind("http://", 0) != 0 && origin.rfind("https://", 0) != 0))
  {
    std::abort(); // a normalised origin is always http(s)
  }
  if (rs::NormalizePublicUrl(request.target(), url, origin) && url.back() != '/')
  {
    std::abort(); // a public URL always ends in "/"
  }
  std::map<std::string, std::string> form;
  (void)rs::ParseForm(request.body(), form);
  return 0;
}
