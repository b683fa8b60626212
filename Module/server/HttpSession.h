// One accepted TCP connection speaking HTTP/1.1: reads requests (bounded header and body),
// checks the token, answers /, /snapshot.jpg, /stats, /metrics, and hands the connection
// over to an MjpegSession (/stream.mjpeg) or a WebSocketSession (/ws).
#ifndef renderstream_server_HttpSession_h
#define renderstream_server_HttpSession_h

#include "SharedState.h"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace renderstream::server
{
/// Starts serving `socket`; the session owns itself through shared_from_this.
void StartHttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<SharedState> state);
} // namespace renderstream::server

#endif
