#include "MjpegSession.h"

#include "SessionEnd.h"

#include <boost/asio/write.hpp>

namespace renderstream::server
{
namespace beast = boost::beast;
namespace net = boost::asio;

namespace
{
constexpr const char* kBoundary = "renderstreamframe";
}

MjpegSession::MjpegSession(ClientStream&& stream, std::shared_ptr<SharedState> state, bool fullToken)
  : Stream(std::move(stream))
  , State(std::move(state))
  , FullToken(fullToken)
  , Link(this->State->Demand, false)
  , Pacing(this->Stream.get_executor())
{
  beast::error_code ec;
  const auto endpoint = this->Stream.socket().remote_endpoint(ec);
  if (!ec)
  {
    this->Remote = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
}

MjpegSession::~MjpegSession()
{
  this->State->CountDiscarded((this->Pending ? 1 : 0) + (this->InFlight ? 1 : 0));
  this->State->Frames.Leave(this->Id);
}

void MjpegSession::Run()
{
  this->Id = this->State->Frames.Join(
    this->shared_from_this(), this->FullToken, this->Remote.substr(0, this->Remote.rfind(':')));
  this->Counters.Id = this->Id;
  this->Head = std::string("HTTP/1.1 200 OK\r\n"
                           "Server: renderstream-server\r\n"
                           "Content-Type: multipart/x-mixed-replace; boundary=") +
    kBoundary +
    "\r\n"
    "Cache-Control: no-store, no-transform\r\n" // proxies must neither keep nor recode it
    "X-Accel-Buffering: no\r\n"                 // nginx: pass each part on at once
    "Pragma: no-cache\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Connection: close\r\n\r\n";
  this->Writing = true;
  this->Stream.expires_after(kWriteTimeout);
  net::async_write(this->Stream, net::buffer(this->Head),
    [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
      self->OnWrite(ec, bytes);
    });
  this->WatchForClose();
  if (auto latest = this->State->Frames.Latest())
  {
    this->State->Stats.FramesOffered.fetch_add(1, std::memory_order_relaxed);
    this->Pending = std::move(latest);
  }
}

void MjpegSession::WatchForClose()
{
  // Straight on the socket: the tcp_stream timeout is for writes only.
  this->Stream.socket().async_read_some(net::buffer(this->Discard),
    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
      {
        self->End(EndReason(ec));
        return;
      }
      self->WatchForClose();
    });
}

void MjpegSession::Deliver(const FrameSetPtr& set)
{
  const FramePtr frame = this->Closed ? nullptr : this->Link.Pick(*set);
  if (!frame)
  {
    return;
  }
  this->State->Stats.FramesOffered.fetch_add(1, std::memory_order_relaxed);
  if (this->Pending)
  {
    this->State->CountDropped(this->Counters, 1);
  }
  this->Pending = frame;
  if (!this->Writing)
  {
    this->WritePending();
  }
}

void MjpegSession::WritePending()
{
  if (this->Closed || !this->Pending ||
    this->Pacing.Hold(this->Link, this->Stream.socket().native_handle(), [self = this->shared_from_this()] { self->WritePending(); }))
  {
    return; // newer frames replace the waiting one meanwhile
  }
  this->WriteFrame(std::move(this->Pending));
}

void MjpegSession::WriteFrame(FramePtr frame)
{
  this->Writing = true;
  this->WriteStart = std::chrono::steady_clock::now();
  this->InFlight = std::move(frame);
  this->Head = std::string("--") + kBoundary +
    "\r\nContent-Type: image/jpeg\r\nContent-Length: " +
    std::to_string(this->InFlight->Data.size()) + "\r\n\r\n";
  static const char kCrLf[] = "\r\n";
  const std::array<net::const_buffer, 3> buffers = { net::buffer(this->Head),
    net::buffer(this->InFlight->Data), net::buffer(kCrLf, 2) };
  this->Stream.expires_after(kWriteTimeout);
  net::async_write(this->Stream, buffers,
    [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
      self->OnWrite(ec, bytes);
    });
}

void MjpegSession::OnWrite(beast::error_code ec, std::size_t bytes)
{
  this->Writing = false;
  if (ec) // a timeout, a reset, or closed by us; the destructor counts the frame in flight
  {
    this->End(ec == beast::error::timeout
        ? "its writes made no progress for " + std::to_string(kWriteTimeout.count()) + " s"
        : EndReason(ec));
    return;
  }
  if (this->InFlight)
  {
    this->Pacing.Wrote(this->Link, bytes, this->WriteStart, this->Pending != nullptr);
    this->State->CountSent(this->Counters, this->InFlight->Data.size());
    this->InFlight.reset();
  }
  this->Stream.expires_never();
  this->WritePending();
}

void MjpegSession::Close()
{
  this->End("");
}

void MjpegSession::End(const std::string& why)
{
  if (this->Closed)
  {
    return;
  }
  this->Closed = true;
  if (!why.empty())
  {
    this->State->SessionError("MJPEG", this->Remote, why);
  }
  this->State->Frames.Leave(this->Id); // no new frames; the destructor counts the unsent ones
  this->Pacing.Cancel();
  beast::error_code ec;
  this->Stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  this->Stream.socket().close(ec);
}

ClientInfo MjpegSession::Info() const
{
  ClientInfo info = this->Counters;
  info.Kind = "mjpeg";
  info.Remote = this->Remote;
  info.ViewOnly = true;
  DescribeLink(this->Link, this->State->Options.Quality, info);
  info.AgeSeconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - this->Started).count();
  return info;
}
} // namespace renderstream::server
