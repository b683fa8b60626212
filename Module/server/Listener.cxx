#include "Listener.h"

#include "HttpSession.h"
#include "LinkAdapter.h"

#include <boost/asio/steady_timer.hpp>

#include <iostream>
#include <stdexcept>

#include <netinet/in.h>
#include <netinet/tcp.h>

namespace renderstream::server
{
namespace net = boost::asio;
using tcp = net::ip::tcp;

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::shared_ptr<SharedState> state)
  : Ioc(ioc)
  , Acceptor(ioc)
  , State(std::move(state))
{
  const std::string where =
    endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  boost::system::error_code ec;
  const auto check = [&](const char* what) {
    if (ec)
    {
      throw std::runtime_error(std::string("cannot ") + what + " " + where + ": " + ec.message());
    }
  };
  this->Acceptor.open(endpoint.protocol(), ec);
  check("open a socket for");
  this->Acceptor.set_option(net::socket_base::reuse_address(true), ec);
  check("set SO_REUSEADDR on");
  this->Acceptor.bind(endpoint, ec);
  check("bind");
  this->Acceptor.listen(net::socket_base::max_listen_connections, ec);
  check("listen on");
  this->BoundPort = this->Acceptor.local_endpoint().port();
}

void Listener::Run()
{
  this->DoAccept();
}

void Listener::Close()
{
  boost::system::error_code ec;
  this->Acceptor.close(ec);
}

void Listener::DoAccept()
{
  this->Acceptor.async_accept(
    this->Ioc, [self = this->shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !self->Acceptor.is_open())
      {
        return;
      }
      if (!ec)
      {
        // The kernel keeps at most this much unsent: without it, its send buffer grows with
        // the TCP window and, on a slow path, holds seconds of frames (lag nobody can drop).
        const int unsent = LinkAdapter::kUnsentLimit;
        ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NOTSENT_LOWAT, &unsent, sizeof(unsent));
        // Every message goes out at once: Nagle would hold a small video unit until the
        // client's delayed ACK of the previous one (up to 40 ms, each frame).
        socket.set_option(tcp::no_delay(true), ec);
        // Keepalive: a client that vanished without a FIN (a laptop closed, a cable pulled)
        // gives its slot back within about 40 s, even on a static scene that writes nothing.
        const int on = 1, idle = 20, interval = 5, probes = 4;
        ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
        ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
        ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
        ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
        StartHttpSession(std::move(socket), self->State);
      }
      else if (ec != net::error::connection_aborted)
      {
        // E.g. out of file descriptors: retry soon, but say so at most once a second.
        const auto now = std::chrono::steady_clock::now();
        if (now - self->LastAcceptError >= std::chrono::seconds(1))
        {
          self->LastAcceptError = now;
          std::cerr << "renderstream-server: accept: " << ec.message() << std::endl;
        }
        auto timer = std::make_shared<net::steady_timer>(self->Ioc, std::chrono::milliseconds(100));
        timer->async_wait([self, timer](boost::system::error_code) {
          if (self->Acceptor.is_open())
          {
            self->DoAccept();
          }
        });
        return;
      }
      self->DoAccept();
    });
}
} // namespace renderstream::server
