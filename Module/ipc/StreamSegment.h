// The shared-memory segment of one stream: a verified header, a triple-buffered frame
// channel (render side -> server) and an input event ring (server -> render side).
//
// The VTK side Create()s it and is the frame producer; renderstream-server Open()s it and is
// the frame consumer. Each side must use only its own half of the API.
#ifndef renderstream_ipc_StreamSegment_h
#define renderstream_ipc_StreamSegment_h

#include "EventRing.h"
#include "Layout.h"
#include "SharedMemory.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace renderstream::ipc
{
/// A read-only view of the frame the consumer currently holds.
struct FrameView
{
  FrameInfo Info;
  const std::uint8_t* Pixels = nullptr; // Info.Height rows of Info.Width * BytesPerPixel
  std::size_t Stride() const { return std::size_t(Info.Width) * BytesPerPixel(Info.Format); }
  std::size_t Bytes() const { return this->Stride() * Info.Height; }
};

/// True while process `pid` exists and has not exited (a zombie counts as gone).
bool ProcessAlive(std::int32_t pid);

class StreamSegment
{
public:
  /// Creates `/renderstream-<pid>-<random>` sized for frames up to maxWidth x maxHeight.
  /// The name is unlinked when the returned object dies. Throws std::runtime_error.
  static std::unique_ptr<StreamSegment> Create(std::uint32_t maxWidth, std::uint32_t maxHeight);
  /// Opens and verifies (magic, version, sizes) an existing segment. Throws
  /// std::runtime_error with a message that says which check failed.
  static std::unique_ptr<StreamSegment> Open(const std::string& name);

  StreamSegment(const StreamSegment&) = delete;
  StreamSegment& operator=(const StreamSegment&) = delete;
  ~StreamSegment();

  const std::string& Name() const { return this->Memory.Name(); }
  /// The raw shared header, for tests that play a corrupt, hostile or crashed peer. The
  /// processes themselves use only the typed calls below.
  SegmentHeader& RawHeaderForTesting() const { return *this->Head; }
  std::uint32_t MaxWidth() const { return this->Shape.MaxWidth; }
  std::uint32_t MaxHeight() const { return this->Shape.MaxHeight; }
  /// Removes the name from /dev/shm: the creator once the server mapped it, the server once
  /// the creator died (the creator's SharedMemory also removes it when it is destroyed).
  void Unlink() { this->Memory.Unlink(); }
  /// True while the process on the other side exists (pid check; false before it attached).
  bool PeerAlive() const;

  /// What the server published once it listened, or why it could not.
  struct ServerReady
  {
    ServerStatus Status = ServerStatus::Starting; // still Starting: it said nothing in time
    std::uint16_t Port = 0;
    std::string Token;
    std::string ViewToken;
    std::string PageUrl;  // where people open the page, ending in "/"
    std::string LocalUrl; // this machine's way there, ending in "/"
    std::string Error;
  };

  /// A SharedText as read: its text and its version (changes with every rewrite).
  struct VersionedText
  {
    std::string Text;
    std::uint32_t Version = 0;
  };
  /// The server's recording and publisher, as it last said (best effort).
  struct MediaState
  {
    bool Recording = false;
    std::uint64_t RecordedBytes = 0; // the current or last recording's
    std::int64_t RecordedMs = 0;
    PublishStatus Publishing = PublishStatus::Off;
    std::uint64_t PublishedBytes = 0;
    std::string Message; // why a recording stopped, why publishing fails
  };

  // ---- producer side (render thread) ----
  /// Waits until the server says Serving or Failed, `running()` turns false, or `deadline`.
  ServerReady WaitForServer(
    std::chrono::steady_clock::time_point deadline, const std::function<bool()>& running) const;
  /// Live figures the server keeps (best effort): streaming viewers, frames written to them.
  std::uint32_t Viewers() const { return this->Head->Viewers.load(std::memory_order_relaxed); }
  std::uint64_t FramesSent() const { return this->Head->FramesSent.load(std::memory_order_relaxed); }
  /// The slot the producer may write now: SlotBytes() bytes, never read by the consumer;
  /// nullptr if the slot index in shared memory was corrupted.
  std::uint8_t* WritableSlot() const;
  std::size_t SlotBytes() const { return this->Shape.SlotBytes; }
  /// Publishes the slot just written; Sequence is assigned here. Never blocks.
  std::uint64_t Publish(FrameInfo info);

  /// Who drives the stream now (--control one), as the server last wrote it; "" = nobody.
  std::string DriverName() const;
  /// Asks the server to record to `path` from now on ("" = stop recording).
  void SetRecordFile(std::string_view path);
  MediaState Media() const;
  /// The application is responsive: it ticks, renders or applies input now.
  void MarkAlive() { this->Head->AppAliveNs.store(SteadyNowNs(), std::memory_order_relaxed); }

  // ---- consumer side (server) ----
  /// Tells the producer the server listens on `port` with these tokens at these addresses
  /// (then WaitForServer returns them), or why it cannot serve.
  void PublishServing(std::uint16_t port, const std::string& token, const std::string& viewToken,
    const std::string& pageUrl, const std::string& localUrl);
  void PublishFailure(const std::string& error);
  /// Pid of the producer as it wrote it, for messages.
  std::int32_t ProducerPid() const { return this->Head->ProducerPid.load(std::memory_order_relaxed); }
  /// The producer stopped on purpose (its StreamSegment was destroyed).
  bool ShutdownRequested() const { return this->Head->Shutdown.load(std::memory_order_acquire) != 0; }
  /// Writes the driver's name ("" = nobody; cut to kDriverNameBytes - 1 bytes). io thread.
  void SetDriverName(std::string_view name);
  /// What the application asks to record to (SetRecordFile()); a new Version is a new request.
  VersionedText RecordFile() const;
  void SetRecording(bool active, std::uint64_t bytes, std::int64_t ms);
  void SetPublishing(PublishStatus status, std::uint64_t bytes);
  void SetMediaMessage(std::string_view message);
  void SetViewers(std::uint32_t n) { this->Head->Viewers.store(n, std::memory_order_relaxed); }
  void CountFrameEncoded() { this->Head->FramesEncoded.fetch_add(1, std::memory_order_relaxed); }
  void CountFrameSent() { this->Head->FramesSent.fetch_add(1, std::memory_order_relaxed); }
  std::uint64_t FramesEncoded() const { return this->Head->FramesEncoded.load(std::memory_order_relaxed); }
  std::uint64_t PublishedFrames() const { return this->Head->PublishedFrames.load(std::memory_order_relaxed); }
  std::uint64_t EventOverflows() const { return this->Head->Events.Overflows.load(std::memory_order_relaxed); }
  /// Steady ns of the render side's last MarkAlive() (0: never).
  std::int64_t AppAliveNs() const { return this->Head->AppAliveNs.load(std::memory_order_relaxed); }
  /// Sleeps until a frame newer than the held one is published, the producer shuts down or
  /// the timeout passes.
  /// Returns true when one is ready to be acquired.
  bool WaitForFrame(std::chrono::milliseconds timeout);
  /// Takes the newest published frame if there is one newer than the held one; returns
  /// true if it did. The view returned by Current() stays valid until the next call.
  bool AcquireLatest();
  /// The frame the consumer holds (Pixels == nullptr before the first frame).
  FrameView Current() const;

  /// Input events: the server pushes, the render side pops.
  EventRing& Events() { return this->Ring; }
  /// Server side, after pushing: wakes a render side sleeping in WaitForInput(). Also the
  /// render side's way to wake its own waiter after setting its stop flag.
  void NotifyInput();
  /// Render side: sleeps until the ring holds an event, `stop` is set (and NotifyInput()
  /// called) or `timeout` passes. Returns true when an event is waiting.
  bool WaitForInput(std::chrono::milliseconds timeout, const std::atomic<bool>& stop);

private:
  // The segment's geometry, validated once (Create or Open) and kept in our own memory: the
  // other process can rewrite the header at any time, so nothing checked is read twice.
  struct Geometry
  {
    std::uint32_t MaxWidth = 0;
    std::uint32_t MaxHeight = 0;
    std::size_t SlotBytes = 0;
    std::size_t EventsOffset = 0;
    std::size_t SlotsOffset = 0;
  };
  StreamSegment(SharedMemory memory, const Geometry& shape, bool creator);
  /// Slot `index`'s pixels, or nullptr for an index out of range (a corrupt or hostile peer).
  std::uint8_t* Slot(std::uint32_t index) const;

  SharedMemory Memory;
  SegmentHeader* Head;
  Geometry Shape;
  EventRing Ring;
  bool Creator;
};
} // namespace renderstream::ipc

#endif
