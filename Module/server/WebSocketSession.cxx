#include "WebSocketSession.h"

#include "Layout.h" // for SteadyNowNs
#include "MediaOutputs.h"
#include "SessionEnd.h"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace renderstream::server
{
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace
{
// The tag byte before each binary message to a video client.
char TagOf(const EncodedFrame& frame)
{
  switch (frame.Kind)
  {
    case FrameKind::VideoKey:
      return 'K';
    case FrameKind::VideoDelta:
      return 'D';
    case FrameKind::Jpeg:
      break;
  }
  return 'J';
}
} // namespace

WebSocketSession::WebSocketSession(ClientStream&& stream, std::shared_ptr<SharedState> state,
  bool viewOnly, bool video)
  : Ws(std::move(stream))
  , State(std::move(state))
  , ViewOnly(viewOnly)
  , Link(this->State->Demand, video)
  , Pacing(this->Ws.get_executor())
  , InputTimer(this->Ws.get_executor())
{
  beast::error_code ec;
  const auto endpoint = beast::get_lowest_layer(this->Ws).socket().remote_endpoint(ec);
  if (!ec)
  {
    this->Remote = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
}

WebSocketSession::~WebSocketSession()
{
  // Whatever is still queued (or was in flight when the write failed) was never sent.
  this->State->CountDiscarded(this->Queue.size() + (this->InFlight ? 1 : 0));
  this->State->Frames.Leave(this->Id);
  this->State->Room.Leave(this->Id);
}

void WebSocketSession::Run(http::request<http::string_body> request)
{
  this->Id = this->State->Frames.Join(
    this->shared_from_this(), !this->ViewOnly, this->Remote.substr(0, this->Remote.rfind(':')));
  this->Counters.Id = this->Id;
  beast::get_lowest_layer(this->Ws).expires_never(); // the websocket timeouts take over
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.handshake_timeout = std::chrono::seconds(10);
  timeouts.idle_timeout = std::chrono::seconds(20); // pings at half of it; no pong → closed
  timeouts.keep_alive_pings = true;
  this->Ws.set_option(timeouts);
  this->Ws.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(http::field::server, "renderstream-server");
  }));
  this->Ws.read_message_max(kMaxMessage);
  this->Ws.auto_fragment(false);
  this->Ws.async_accept(request,
    [self = this->shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
}

void WebSocketSession::End(const std::string& why, std::optional<websocket::close_reason> close)
{
  if (this->Closing)
  {
    return;
  }
  this->Closing = true;
  if (!why.empty())
  {
    this->State->SessionError("WebSocket", this->Remote, why);
  }
  this->State->Frames.Leave(this->Id); // no new frames; the destructor counts the unsent ones
  this->State->Room.Leave(this->Id);   // a driver frees control, its held input released
  this->InputTimer.cancel();
  this->Pacing.Cancel();
  if (close && this->Accepted)
  {
    this->Ws.async_close(*close,
      [self = this->shared_from_this()](beast::error_code) {});
    return;
  }
  // Nobody will read what is in flight (a peer that stopped reading would otherwise keep its
  // write, and this session, alive for ever): closing the socket ends it with an error.
  beast::error_code ignored;
  beast::get_lowest_layer(this->Ws).socket().close(ignored);
}

void WebSocketSession::OnAccept(beast::error_code ec)
{
  if (ec)
  {
    this->End(EndReason(ec));
    return;
  }
  this->Accepted = true;
  // A message, or a control frame (the pongs of a viewer that only watches), ends the count.
  auto& meter = beast::get_lowest_layer(this->Ws).rate_policy();
  meter.Mark();
  meter.Limit(kMaxWireMessage, [weak = this->weak_from_this()] {
    if (auto self = weak.lock())
    {
      self->End("a message took over " + std::to_string(kMaxWireMessage / 1024) + " KiB of frames",
        websocket::close_reason(websocket::close_code::too_big, "message too long"));
    }
  });
  this->Ws.control_callback([weak = this->weak_from_this()](websocket::frame_type, beast::string_view) {
    if (auto self = weak.lock())
    {
      beast::get_lowest_layer(self->Ws).rate_policy().Mark();
    }
  });
  const auto latest = this->State->Frames.Latest();
  nlohmann::json hello = { { "type", "hello" }, { "viewOnly", this->ViewOnly },
    { "width", latest ? latest->Width : 0 }, { "height", latest ? latest->Height : 0 },
    { "maxWidth", this->State->Segment.MaxWidth() }, { "maxHeight", this->State->Segment.MaxHeight() },
    { "codec", this->Link.Video() ? "h264" : "jpeg" }, { "id", this->Id },
    { "name", "Viewer " + std::to_string(this->Id) }, { "control", this->State->Room.ModeName() },
    { "recording", this->State->Media->Status() } };
  if (this->Link.Video())
  {
    hello["encoder"] = this->State->VideoEncoder;
  }
  this->PendingText = hello.dump();
  this->State->Room.Join(this->Id, this->weak_from_this(), !this->ViewOnly, this->Remote.substr(0, this->Remote.rfind(':')));
  if (latest && this->Queue.empty())
  {
    this->State->Stats.FramesOffered.fetch_add(1, std::memory_order_relaxed);
    this->Queue.push_back(latest); // the picture at once (JPEG), video from the next key frame
  }
  if (this->Link.Video())
  {
    this->Resync();
  }
  this->DoWrite();
  this->DoRead();
}

void WebSocketSession::DoRead()
{
  this->Ws.async_read(this->ReadBuffer,
    [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
      self->OnRead(ec, bytes);
    });
}

void WebSocketSession::OnRead(beast::error_code ec, std::size_t)
{
  if (ec)
  {
    this->End(EndReason(ec)); // websocket::error::message_too_big: Beast has already sent close 1009
    return;
  }
  if (!this->Ws.got_text())
  {
    ++this->Counters.InputRejected;
    this->State->Stats.InputRejected.fetch_add(1, std::memory_order_relaxed);
    this->End("", websocket::close_reason(websocket::close_code::unknown_data)); // 1003: JSON text only
    return;
  }
  if (this->EndIfStalled())
  {
    return;
  }
  beast::get_lowest_layer(this->Ws).rate_policy().Mark();
  const std::string text = beast::buffers_to_string(this->ReadBuffer.data());
  this->ReadBuffer.consume(this->ReadBuffer.size());
  this->HandleText(text);
  this->DoRead();
}

void WebSocketSession::HandleText(std::string_view text)
{
  if (this->Closing)
  {
    return; // what arrives after the close began is not applied
  }
  const ParsedInput parsed =
    ParseInputEvent(text, this->State->Segment.MaxWidth(), this->State->Segment.MaxHeight());
  if (parsed.Kind == MessageKind::Ack)
  {
    this->OnAck(); // not input: view-only clients acknowledge frames too
    return;
  }
  if (parsed.Kind == MessageKind::KeyFrame)
  {
    if (this->Link.Video())
    {
      this->Resync(); // the watcher paces key frames: asking often costs others nothing more
    }
    return;
  }
  if (parsed.Kind == MessageKind::Name || parsed.Kind == MessageKind::Control || parsed.Kind == MessageKind::Cursor ||
    parsed.Kind == MessageKind::Record)
  {
    this->HandleRoomMessage(parsed);
    return;
  }
  if (this->ViewOnly)
  {
    this->State->Stats.InputViewOnly.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (parsed.Kind == MessageKind::Input &&
    !this->State->Room.MayApply(this->Id, parsed.Event.Type, std::chrono::steady_clock::now()))
  {
    return; // someone else drives (counted)
  }
  this->HandleInput(parsed);
}

void WebSocketSession::HandleRoomMessage(const ParsedInput& parsed)
{
  this->RefillInputTokens();
  if (!this->SpendInputToken())
  {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  std::string refused;
  const char* what = "control";
  switch (parsed.Kind)
  {
    case MessageKind::Name:
      refused = this->State->Room.Rename(this->Id, parsed.Text, now);
      what = "name";
      break;
    case MessageKind::Control:
      refused = this->State->Room.Control(this->Id, parsed.Action, parsed.To, now);
      break;
    case MessageKind::Record:
      refused = this->Record(parsed.Start);
      what = "record";
      break;
    default:
      this->State->Room.Cursor(this->Id, parsed.Over, parsed.X, parsed.Y, now);
      break;
  }
  if (!refused.empty())
  {
    this->Tell(Channel::Control, 0,
      nlohmann::json{ { "type", "refused" }, { "what", what }, { "reason", refused } }.dump());
  }
}

std::string WebSocketSession::Record(bool start)
{
  if (this->ViewOnly)
  {
    this->State->Stats.InputViewOnly.fetch_add(1, std::memory_order_relaxed);
    return "a view-only link cannot record";
  }
  MediaOutputs& media = *this->State->Media;
  return start ? media.StartRecording(MediaOutputs::Origin::Page) : media.StopRecording(MediaOutputs::Origin::Page);
}

bool WebSocketSession::SpendInputToken()
{
  this->InputTokens -= 1; // may overdraw the budget
  if (this->InputTokens < -kInputBurst)
  {
    this->State->Stats.InputFloods.fetch_add(1, std::memory_order_relaxed);
    this->End("it sent input far over " + std::to_string(static_cast<int>(kInputPerSecond)) + " messages a second",
      websocket::close_reason(websocket::close_code::policy_error, "input flood"));
    return false;
  }
  return true;
}

void WebSocketSession::Tell(Channel channel, std::uint64_t from, const std::string& json)
{
  if (this->Closing)
  {
    return;
  }
  switch (channel)
  {
    case Channel::Presence:
      this->PendingPresence = json;
      break;
    case Channel::Cursor:
      this->PendingCursors[from] = json;
      break;
    case Channel::Control:
      if (this->PendingControl.size() == kMaxControlWaiting)
      {
        this->PendingControl.pop_front();
      }
      this->PendingControl.push_back(json);
      break;
  }
  if (this->Accepted && !this->Writing)
  {
    this->DoWrite();
  }
}

std::vector<ipc::InputEvent> WebSocketSession::TakeHeld()
{
  this->WaitingMove.reset(); // a move it sent as driver must not follow the release
  return this->Held.TakeReleases();
}

void WebSocketSession::Apply(const std::vector<ipc::InputEvent>& events)
{
  for (const ipc::InputEvent& event : events)
  {
    if (!this->PushInput(event))
    {
      this->State->Stats.InputRingFull.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void WebSocketSession::HandleInput(const ParsedInput& parsed)
{
  auto& stats = this->State->Stats;
  this->RefillInputTokens();
  const ipc::EventType type = parsed.Event.Type;
  if (parsed.Kind == MessageKind::Input &&
    (type == ipc::EventType::PointerMove || type == ipc::EventType::Resize))
  {
    auto& waiting = type == ipc::EventType::Resize ? this->WaitingResize : this->WaitingMove;
    if (waiting)
    {
      stats.InputCoalesced.fetch_add(1, std::memory_order_relaxed); // a newer one replaces it
    }
    waiting = parsed.Event;
    this->FlushWaitingInput(false);
    return;
  }
  if (!this->SpendInputToken()) // every other message counts against the budget
  {
    return;
  }
  if (parsed.Kind == MessageKind::Rejected)
  {
    ++this->Counters.InputRejected;
    stats.InputRejected.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  this->FlushWaitingInput(true);
  if (!this->PushInput(parsed.Event))
  {
    stats.InputRingFull.fetch_add(1, std::memory_order_relaxed); // the ring counts it too
  }
}

void WebSocketSession::RefillInputTokens()
{
  const auto now = std::chrono::steady_clock::now();
  this->InputTokens = std::min(kInputBurst,
    this->InputTokens + kInputPerSecond * std::chrono::duration<double>(now - this->InputRefilled).count());
  this->InputRefilled = now;
}

void WebSocketSession::FlushWaitingInput(bool force)
{
  for (auto* waiting : { &this->WaitingMove, &this->WaitingResize })
  {
    if (*waiting && (force || this->InputTokens >= 1) && this->PushInput(**waiting))
    {
      this->InputTokens -= 1;
      waiting->reset();
    }
  }
  if ((!this->WaitingMove && !this->WaitingResize) || this->InputTimerArmed || this->Closing)
  {
    return;
  }
  // When the budget has one message again (or, if the ring was full, a message's time later).
  const double seconds = std::max(1.0, 1 - this->InputTokens) / kInputPerSecond;
  this->InputTimerArmed = true;
  this->InputTimer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
    std::chrono::duration<double>(seconds)));
  this->InputTimer.async_wait([self = this->shared_from_this()](beast::error_code ec) {
    self->InputTimerArmed = false;
    if (!ec && !self->Closing)
    {
      self->RefillInputTokens();
      self->FlushWaitingInput(false);
    }
  });
}

bool WebSocketSession::PushInput(ipc::InputEvent event)
{
  event.TimeNs = ipc::SteadyNowNs();
  if (!this->State->Segment.Events().TryPush(event))
  {
    return false;
  }
  this->State->Segment.NotifyInput();
  this->Held.Applied(event);
  ++this->Counters.InputAccepted;
  this->State->Stats.InputAccepted.fetch_add(1, std::memory_order_relaxed);
  this->State->LastInputNs.store(event.TimeNs, std::memory_order_relaxed);
  return true;
}

void WebSocketSession::Deliver(const FrameSetPtr& set)
{
  const FramePtr frame = this->Closing || this->EndIfStalled() ? nullptr : this->Link.Pick(*set);
  if (!frame)
  {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (this->Link.TakeChange() || (this->Link.Slow() && now - this->LastStatus >= std::chrono::seconds(1)))
  {
    this->QueueLinkStatus();
  }
  if (this->Enqueue(frame) && this->Accepted && !this->Writing)
  {
    this->DoWrite();
  }
}

template <typename Predicate>
std::size_t WebSocketSession::DropQueued(Predicate drop)
{
  const auto end = std::remove_if(
    this->Queue.begin(), this->Queue.end(), [&](const FramePtr& queued) { return drop(*queued); });
  const auto dropped = static_cast<std::size_t>(this->Queue.end() - end);
  this->Queue.erase(end, this->Queue.end());
  return dropped;
}

bool WebSocketSession::Enqueue(const FramePtr& frame)
{
  this->State->Stats.FramesOffered.fetch_add(1, std::memory_order_relaxed);
  const auto isJpeg = [](const EncodedFrame& f) { return !f.IsVideo(); };
  std::size_t dropped = 0;
  bool queued = true;
  if (!frame->IsVideo())
  {
    dropped += this->DropQueued(isJpeg); // a newer picture replaces JPEGs
  }
  else
  {
    if (this->Link.Level() != this->VideoLevel) // another stream: it can only start at a key
    {
      this->VideoLevel = this->Link.Level();
      this->AwaitingKey = true;
    }
    if (frame->Kind == FrameKind::VideoKey)
    {
      dropped += this->DropQueued([](const EncodedFrame&) { return true; }); // a clean start
      this->AwaitingKey = false;
    }
    else if (this->AwaitingKey || frame->Unit != this->LastUnit + 1) // waiting, or one was lost
    {
      queued = false;
      this->Resync();
    }
    else
    {
      dropped += this->DropQueued(isJpeg); // a stale still
      if (this->Queue.size() >= (this->KeyOnItsWay() ? kMaxVideoQueuedBehindKey : kMaxVideoQueued))
      {
        queued = false; // and Resync() drops (and counts) the queued ones
        this->Resync();
      }
    }
  }
  if (queued)
  {
    this->Queue.push_back(frame);
    if (frame->IsVideo())
    {
      this->LastUnit = frame->Unit;
    }
  }
  else
  {
    ++dropped;
  }
  this->State->CountDropped(this->Counters, dropped);
  return queued;
}

bool WebSocketSession::KeyOnItsWay() const
{
  const auto isKey = [](const FramePtr& f) { return f && f->Kind == FrameKind::VideoKey; };
  return isKey(this->InFlight) || std::any_of(this->AwaitingAck.begin(), this->AwaitingAck.end(),
                                    [](const Unacked& u) { return u.Key; });
}

void WebSocketSession::Resync()
{
  this->State->CountDropped(this->Counters, this->DropQueued([](const EncodedFrame& f) { return f.IsVideo(); }));
  this->AwaitingKey = true;
  this->VideoLevel = this->Link.Level();
  if (!this->State->Demand.KeyWanted[this->VideoLevel].exchange(true, std::memory_order_relaxed))
  {
    this->State->Stats.VideoKeyRequests.fetch_add(1, std::memory_order_relaxed);
  }
}

void WebSocketSession::DoWrite()
{
  if (this->Writing || this->Closing)
  {
    return;
  }
  std::string text = this->NextText();
  if (!text.empty())
  {
    this->Writing = true;
    this->WriteStart = std::chrono::steady_clock::now();
    this->TextInFlight = std::move(text);
    this->Ws.text(true);
    this->Ws.async_write(net::buffer(this->TextInFlight),
      [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
        self->OnWrite(ec, bytes);
      });
    return;
  }
  if (this->Queue.empty())
  {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (this->AckMode && this->AwaitingAck.size() >= kMaxUnacked)
  {
    if (now - this->AwaitingAck.front().Start < kAckTimeout)
    {
      return; // the next ack sends the pending frame
    }
    this->AckMode = false; // it stopped acknowledging: paced as one that never did
    this->AwaitingAck.clear();
  }
  if (!this->AckMode && this->Pacing.Hold(this->Link, beast::get_lowest_layer(this->Ws).socket().native_handle(),
                          [self = this->shared_from_this()] { self->DoWrite(); }))
  {
    return; // newer frames replace the waiting one meanwhile
  }
  this->Writing = true;
  this->WriteStart = now;
  this->InFlight = std::move(this->Queue.front());
  this->Queue.pop_front();
  this->Tag = TagOf(*this->InFlight);
  this->Ws.binary(true);
  const std::array<net::const_buffer, 2> message = { net::buffer(&this->Tag, this->Link.Video() ? 1 : 0),
    net::buffer(this->InFlight->Data) };
  this->Ws.async_write(message,
    [self = this->shared_from_this()](beast::error_code ec, std::size_t bytes) {
      self->OnWrite(ec, bytes);
    });
}

std::string WebSocketSession::NextText()
{
  std::string text;
  for (std::string* slot : { &this->PendingText, &this->PendingNotice })
  {
    if (!slot->empty())
    {
      text.swap(*slot);
      return text;
    }
  }
  if (!this->PendingControl.empty())
  {
    text = std::move(this->PendingControl.front());
    this->PendingControl.pop_front();
  }
  else if (!this->PendingPresence.empty())
  {
    text.swap(this->PendingPresence);
  }
  else if (!this->PendingCursors.empty())
  {
    text = std::move(this->PendingCursors.begin()->second);
    this->PendingCursors.erase(this->PendingCursors.begin());
  }
  else
  {
    text.swap(this->PendingTiming);
  }
  return text;
}

void WebSocketSession::OnWrite(beast::error_code ec, std::size_t)
{
  this->Writing = false;
  this->TextInFlight.clear();
  if (ec)
  {
    this->End(EndReason(ec)); // the frame in flight stays: the destructor counts it as never sent
    return;
  }
  if (this->InFlight)
  {
    const std::size_t size = this->InFlight->Data.size();
    if (this->AckMode)
    {
      this->AwaitingAck.push_back({ this->WriteStart, size, this->InFlight->Kind == FrameKind::VideoKey,
        this->InFlight->CaptureNs, this->InFlight->EncodedNs,
        std::chrono::duration_cast<std::chrono::nanoseconds>(this->WriteStart.time_since_epoch()).count() });
    }
    else
    {
      this->Pacing.Wrote(this->Link, size, this->WriteStart, !this->Queue.empty());
    }
    this->State->CountSent(this->Counters, size);
    this->InFlight.reset();
  }
  this->DoWrite();
}

bool WebSocketSession::EndIfStalled()
{
  if (!this->Writing || std::chrono::steady_clock::now() - this->WriteStart < kWriteStall)
  {
    return false;
  }
  this->End("it has not read for " + std::to_string(kWriteStall.count()) + " s");
  return true;
}

void WebSocketSession::OnAck()
{
  this->AckMode = true;
  const auto now = std::chrono::steady_clock::now();
  if (!this->AwaitingAck.empty()) // frames written before the first ack are not timed
  {
    // Delivery time: from when this frame could start to cross (its write, or the previous
    // frame's arrival if it had to wait behind it) to its arrival.
    const Unacked frame = this->AwaitingAck.front();
    this->AwaitingAck.pop_front();
    const auto start = std::max(frame.Start, this->LastAck);
    this->Link.Delivered(frame.Bytes, std::chrono::duration<double>(now - start).count(),
      !this->AwaitingAck.empty() || !this->Queue.empty());
    this->TimeTrip(frame);
  }
  this->LastAck = now;
  this->DoWrite();
}

// {"type":"link",...}: what the viewer's overlay shows. Replaces one not yet written.
void WebSocketSession::QueueLinkStatus()
{
  if (!this->Accepted)
  {
    return; // the hello goes first
  }
  ClientInfo link;
  DescribeLink(this->Link, this->State->Options.Quality, link);
  this->PendingText = nlohmann::json{ { "type", "link" }, { "kbps", std::round(link.LinkKbps) },
    { "quality", link.Quality }, { "scale", 1.0 / link.Divisor }, { "slow", link.Slow } }
                        .dump();
  this->LastStatus = std::chrono::steady_clock::now();
}

void WebSocketSession::TimeTrip(const Unacked& frame)
{
  if (frame.CaptureNs == 0)
  {
    return; // no new picture: a still, a key frame of a held one
  }
  const auto now = std::chrono::steady_clock::now();
  const LatencyWindow::Spans spans{ (frame.EncodedNs - frame.CaptureNs) / 1e6,
    (frame.StartNs - frame.EncodedNs) / 1e6, (ipc::SteadyNowNs() - frame.StartNs) / 1e6 };
  this->Latency.Add(now, spans);
  this->State->Stats.AddLatency(spans);
  if (now - this->LastTiming >= LatencyWindow::kSpan)
  {
    const LatencyWindow::Spans median = this->Latency.Median(now);
    const auto ms = [](double v) { return std::round(v * 10) / 10; };
    this->PendingTiming = nlohmann::json{ { "type", "timing" }, { "encodeMs", ms(median.EncodeMs) },
      { "queueMs", ms(median.QueueMs) }, { "networkMs", ms(median.NetworkMs) } }
                            .dump();
    this->LastTiming = now;
  }
}

void WebSocketSession::Notify(const std::string& json)
{
  if (this->Closing)
  {
    return;
  }
  this->PendingNotice = json; // a newer status replaces one not yet written
  if (this->Accepted && !this->Writing)
  {
    this->DoWrite();
  }
}

void WebSocketSession::Close()
{
  // The server stops only when its application does: the page says so and stops retrying.
  this->End("", websocket::close_reason(websocket::close_code::going_away, "stream ended"));
}

ClientInfo WebSocketSession::Info() const
{
  ClientInfo info = this->Counters;
  info.Kind = "websocket";
  info.Remote = this->Remote;
  info.Name = this->State->Room.NameOf(this->Id);
  info.ViewOnly = this->ViewOnly;
  DescribeLink(this->Link, this->State->Options.Quality, info);
  info.Acks = this->AckMode;
  info.AgeSeconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - this->Started).count();
  return info;
}
} // namespace renderstream::server
