// Which errors end a streaming session in the ordinary way (the viewer closed its tab, we
// closed it) and which a user should hear about (a timeout, a protocol error, a refused
// handshake): those are logged, rate-limited, through SharedState::SessionError.
#ifndef renderstream_server_SessionEnd_h
#define renderstream_server_SessionEnd_h

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

#include <string>

namespace renderstream::server
{
inline bool IsOrdinaryEnd(const boost::beast::error_code& ec)
{
  namespace net = boost::asio;
  return ec == boost::beast::websocket::error::closed || ec == net::error::eof ||
    ec == boost::beast::http::error::end_of_stream || ec == net::error::connection_reset ||
    ec == net::error::operation_aborted || ec == net::error::broken_pipe ||
    ec == net::error::bad_descriptor;
}

/// What a log should say about a session that ended with `ec`: nothing for an ordinary end.
inline std::string EndReason(const boost::beast::error_code& ec)
{
  return IsOrdinaryEnd(ec) ? std::string() : ec.message();
}
} // namespace renderstream::server

#endif
