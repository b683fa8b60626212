// One /ws client. Server -> client: a JSON "hello" text message, then one binary message
// holding one complete JPEG per new frame (latest frame wins: one write in flight, one
// pending frame). Client -> server: JSON text input events (InputParser.cxx has the rules);
// a binary message closes with 1003, a message over kMaxMessage with 1009.
#ifndef renderstream_server_WebSocketSession_h
#define renderstream_server_WebSocketSession_h

#include "FrameSink.h"
#include "SharedState.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <memory>

namespace renderstream::server
{
class WebSocketSession
  : public FrameSink
  , public std::enable_shared_from_this<WebSocketSession>
{
public:
  static constexpr std::size_t kMaxMessage = 4096;

  WebSocketSession(
    boost::beast::tcp_stream&& stream, std::shared_ptr<SharedState> state, bool viewOnly);
  ~WebSocketSession() override;
  /// Joins the broadcaster and accepts the upgrade request.
  void Run(boost::beast::http::request<boost::beast::http::string_body> request);

  void Deliver(const FramePtr& frame) override;
  void Close() override;
  ClientInfo Info() const override;

private:
  void OnAccept(boost::beast::error_code ec);
  void DoRead();
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  void HandleText(std::string_view text);
  void DoWrite();
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void CloseWith(boost::beast::websocket::close_code code);

  boost::beast::websocket::stream<boost::beast::tcp_stream> Ws;
  std::shared_ptr<SharedState> State;
  const bool ViewOnly;
  std::uint64_t Id = 0;
  std::string Remote;
  std::chrono::steady_clock::time_point Started = std::chrono::steady_clock::now();
  boost::beast::flat_buffer ReadBuffer;
  std::string PendingText; // the hello message until it is written
  std::string TextInFlight;
  FramePtr InFlight;
  FramePtr Pending;
  bool Accepted = false;
  bool Writing = false;
  bool Closing = false;
  ClientInfo Counters;
};
} // namespace renderstream::server

#endif
