// One /ws client. Server -> client: a JSON "hello" text message, then one binary message
// holding one complete JPEG per new frame (latest frame wins: one write in flight, one
// pending frame), and "link" status messages while its link limits it. Client -> server:
// JSON text input events (InputParser.cxx has the rules) and {"type":"ack"} per frame
// received; a binary message closes with 1003, a message over kMaxMessage with 1009.
//
// Input over the client's rate (kInputPerSecond, bursts of kInputBurst) is coalesced, never
// lost: pointer moves and resizes wait, the newest of each replacing the older, and go to the
// application as the budget refills; buttons, wheel, keys and actions always go at once, after
// the waiting ones (so a button lands where the pointer is). A client that runs kInputBurst
// messages beyond its budget is flooding: closed with 1008.
//
// Pacing: a client that acknowledges frames has at most kMaxUnacked of them on their way,
// so the path's buffers (proxies, tunnels, Wi-Fi) never hold more than that, and the acks
// time each frame's trip for the link estimate. A client that never acknowledges (or stopped
// for kAckTimeout) is paced by the rate its link has shown (Pacer).
//
// Video (/ws?codec=h264, when the server has an H.264 encoder): every binary message starts
// with one tag byte, 'K' (key access unit), 'D' (delta access unit) or 'J' (a JPEG: the
// current picture when the client joins, and stills). Access units of the viewer's level
// queue in order; up to kMaxVideoQueued wait behind a slow write (kMaxVideoQueuedBehindKey
// behind a key frame), and when more would, the
// queue is dropped and the viewer resumes at a key frame it asks for (a key frame that
// arrives meanwhile replaces everything queued before it). {"type":"keyframe"} from the
// client (its decoder failed) does the same.
#ifndef renderstream_server_WebSocketSession_h
#define renderstream_server_WebSocketSession_h

#include "FrameSink.h"
#include "HeldInput.h"
#include "InputParser.h"
#include "LatencyWindow.h"
#include "LinkAdapter.h"
#include "Pacer.h"
#include "Participant.h"
#include "SharedState.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include "ClientStream.h"
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>

namespace renderstream::server
{
class WebSocketSession
  : public FrameSink
  , public Participant
  , public std::enable_shared_from_this<WebSocketSession>
{
public:
  static constexpr std::size_t kMaxMessage = 4096;
  // What one message may take on the wire, framing included (kMaxMessage in one-byte frames
  // takes 28 KiB): endless empty continuation frames end with 1009 too.
  static constexpr std::size_t kMaxWireMessage = 64 * 1024;
  static constexpr std::size_t kMaxUnacked = 2;
  static constexpr std::chrono::seconds kAckTimeout{ 2 };
  // A write that makes no progress for this long ends the session, whatever the client sends
  // (Beast's idle timeout counts any incoming data as life, so a client that sends but never
  // reads would keep its slot for ever).
  static constexpr std::chrono::seconds kWriteStall{ 10 };
  // Input rate per client: far above a person's (pointer moves come at 60-120 a second), far
  // below a flood that would keep the application busy.
  static constexpr double kInputPerSecond = 300;
  static constexpr double kInputBurst = 600;
  static constexpr std::size_t kMaxVideoQueued = 3;
  // Behind a key frame on its way (5-10 times a delta frame), more may wait: dropping them
  // would only ask for another key frame, which would take as long again.
  static constexpr std::size_t kMaxVideoQueuedBehindKey = 12;
  // Control messages (requests, refusals) waiting to be written; more drop the oldest.
  static constexpr std::size_t kMaxControlWaiting = 8;

  /// `video`: the client asked for H.264 and the server has an encoder.
  WebSocketSession(ClientStream&& stream, std::shared_ptr<SharedState> state,
    bool viewOnly, bool video);
  ~WebSocketSession() override;
  /// Joins the broadcaster and accepts the upgrade request.
  void Run(boost::beast::http::request<boost::beast::http::string_body> request);

  void Deliver(const FrameSetPtr& set) override;
  void Notify(const std::string& json) override;
  void Close() override;
  ClientInfo Info() const override;

  void Tell(Channel channel, std::uint64_t from, const std::string& json) override;
  std::vector<ipc::InputEvent> TakeHeld() override;
  void Apply(const std::vector<ipc::InputEvent>& events) override;
  bool HoldsButton() const override { return this->Held.HoldsButton(); }

private:
  /// Ends the session, once: leaves the broadcaster, logs `why` (if not empty) as a session
  /// error, and starts the closing handshake with `close` or, without one or before the
  /// handshake, closes the socket. Frames never sent are counted when the session goes.
  void End(const std::string& why,
    std::optional<boost::beast::websocket::close_reason> close = std::nullopt);
  void OnAccept(boost::beast::error_code ec);
  void DoRead();
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  void HandleText(std::string_view text);
  /// Names, control, cursors (ControlRoom) and recording; a refusal is told to the client.
  void HandleRoomMessage(const ParsedInput& parsed);
  /// A page's record button: "" or why not (every viewer hears of it within 250 ms).
  std::string Record(bool start);
  /// Takes one message from the input budget; false if the client is flooding (then closed).
  bool SpendInputToken();
  /// The next text message to write (and forgets it), "" if none.
  std::string NextText();
  void DoWrite();
  void OnAck();
  /// Queues `frame` (the rules above); false if it was not queued.
  bool Enqueue(const FramePtr& frame);
  /// Removes the queued frames `drop` says; returns how many.
  template <typename Predicate>
  std::size_t DropQueued(Predicate drop);
  /// Video: drops the queued access units and waits for a key frame, asking for one.
  void Resync();
  /// Video: a key frame is being written or not yet acknowledged.
  bool KeyOnItsWay() const;
  /// Input rules above: `event` (Kind Input or Rejected) against the client's budget.
  void HandleInput(const ParsedInput& parsed);
  /// Sends the waiting move and resize while the budget allows (`force`: whatever it says);
  /// arms InputTimer for what still waits.
  void FlushWaitingInput(bool force);
  void RefillInputTokens();
  /// Stamps `event` and puts it in the application's ring; false if the ring was full.
  bool PushInput(ipc::InputEvent event);
  /// Closes the session if a write is stuck (kWriteStall); true if it did.
  bool EndIfStalled();
  void QueueLinkStatus();
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);

  boost::beast::websocket::stream<ClientStream> Ws;
  std::shared_ptr<SharedState> State;
  const bool ViewOnly;
  std::uint64_t Id = 0;
  std::string Remote;
  std::chrono::steady_clock::time_point Started = std::chrono::steady_clock::now();
  boost::beast::flat_buffer ReadBuffer;
  std::string PendingText; // the hello or a link status, until it is written
  std::string PendingNotice; // the newest Notify() not yet written
  std::string PendingTiming; // the newest {"type":"timing"} not yet written
  std::string PendingPresence; // the newest {"type":"presence"} not yet written
  std::deque<std::string> PendingControl; // requests and refusals, in order
  std::map<std::uint64_t, std::string> PendingCursors; // the newest cursor of each other viewer
  HeldInput Held; // what this viewer holds down in the application
  std::string TextInFlight;
  FramePtr InFlight;
  char Tag = 'J'; // InFlight's tag byte (video clients)
  std::deque<FramePtr> Queue; // to send, in order: JPEG clients hold at most one
  LinkAdapter Link;
  Pacer Pacing;               // while it does not acknowledge
  bool AwaitingKey = true;    // video: the next access unit sent must be a key frame
  std::uint64_t LastUnit = 0; // video: EncodedFrame::Unit of the newest unit queued
  int VideoLevel = 0;         // video: the level whose stream this client decodes
  struct Unacked
  {
    std::chrono::steady_clock::time_point Start;
    std::size_t Bytes;
    bool Key;
    std::int64_t CaptureNs; // EncodedFrame's, for the latency breakdown
    std::int64_t EncodedNs;
    std::int64_t StartNs;
  };
  std::deque<Unacked> AwaitingAck; // frames written, in order, not acknowledged yet
  /// Times an acknowledged frame's trip; once a second tells the client the medians.
  void TimeTrip(const Unacked& frame);
  bool AckMode = false;            // the client acknowledges frames
  std::chrono::steady_clock::time_point WriteStart;
  std::chrono::steady_clock::time_point LastAck;
  std::chrono::steady_clock::time_point LastStatus;
  std::chrono::steady_clock::time_point LastTiming;
  LatencyWindow Latency;
  double InputTokens = kInputBurst; // token bucket for input events; below 0: over budget
  std::chrono::steady_clock::time_point InputRefilled = std::chrono::steady_clock::now();
  std::optional<ipc::InputEvent> WaitingMove;   // over budget, the newest pointer move
  std::optional<ipc::InputEvent> WaitingResize; // and the newest resize
  boost::asio::steady_timer InputTimer;         // sends them when the budget allows
  bool InputTimerArmed = false;
  bool Accepted = false;
  bool Writing = false;
  bool Closing = false;
  ClientInfo Counters;
};
} // namespace renderstream::server

#endif
