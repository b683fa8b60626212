// The TCP stream of every client connection: Beast's tcp_stream (timeouts) whose rate policy
// only meters what arrives, so that a WebSocket message can be bounded by the bytes it takes
// on the wire. Beast bounds a message's payload (read_message_max) but consumes empty
// non-final frames itself: without this, a client could send them for ever as one message.
#ifndef renderstream_server_ClientStream_h
#define renderstream_server_ClientStream_h

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/rate_policy.hpp>

#include <cstdint>
#include <functional>
#include <limits>

namespace renderstream::server
{
class WireMeter
{
public:
  /// Calls `exceeded` (once) when more than `limit` bytes arrive after the last Mark().
  void Limit(std::uint64_t limit, std::function<void()> exceeded)
  {
    this->Max = limit;
    this->Exceeded = std::move(exceeded);
  }
  /// A message ended: the count starts again.
  void Mark() { this->Since = 0; }

private:
  friend boost::beast::rate_policy_access;
  std::size_t available_read_bytes() const { return std::numeric_limits<std::size_t>::max(); }
  std::size_t available_write_bytes() const { return std::numeric_limits<std::size_t>::max(); }
  void transfer_read_bytes(std::size_t n)
  {
    this->Since += n;
    if (this->Exceeded && this->Since > this->Max)
    {
      std::exchange(this->Exceeded, nullptr)();
    }
  }
  void transfer_write_bytes(std::size_t) {}
  void on_timer() {}

  std::uint64_t Since = 0;
  std::uint64_t Max = std::numeric_limits<std::uint64_t>::max();
  std::function<void()> Exceeded;
};

using ClientStream = boost::beast::basic_stream<boost::asio::ip::tcp, boost::asio::any_io_executor, WireMeter>;
} // namespace renderstream::server

#endif
