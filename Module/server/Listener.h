// Accepts connections on the bound address and starts an HTTP session for each.
#ifndef renderstream_server_Listener_h
#define renderstream_server_Listener_h

#include "SharedState.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <memory>

namespace renderstream::server
{
class Listener : public std::enable_shared_from_this<Listener>
{
public:
  /// Binds and listens; throws std::runtime_error naming the address on failure.
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
    std::shared_ptr<SharedState> state);
  void Run();
  void Close();
  std::uint16_t Port() const { return this->BoundPort; }

private:
  void DoAccept();

  boost::asio::io_context& Ioc;
  boost::asio::ip::tcp::acceptor Acceptor;
  std::shared_ptr<SharedState> State;
  std::uint16_t BoundPort = 0;
  std::chrono::steady_clock::time_point LastAcceptError; // its log line is rate-limited
};
} // namespace renderstream::server

#endif
