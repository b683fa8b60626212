// Test helper: Beast's names and a connected socket with timeouts, for TestClient.cxx and the
// few tests that speak HTTP byte by byte. Heavy to compile: the other tests use TestClient.h.
#ifndef renderstream_Testing_BeastClient_h
#define renderstream_Testing_BeastClient_h

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <sys/socket.h>

namespace renderstream::testing
{
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// Note: Asio's blocking reads poll again after an SO_RCVTIMEO expiry, so these timeouts only
// bound raw recv()s; threads that must stop are unblocked with ::shutdown() on their socket.
inline void SetTimeouts(tcp::socket& socket, std::chrono::milliseconds timeout)
{
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

inline tcp::socket Connect(net::io_context& ioc, std::uint16_t port,
  std::chrono::milliseconds timeout = std::chrono::seconds(5))
{
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  SetTimeouts(socket, timeout);
  return socket;
}
} // namespace renderstream::testing

#endif
