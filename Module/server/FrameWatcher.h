// The thread that waits for frames in shared memory and watches the producer: its shutdown
// flag or its death ends it. It sleeps in WaitForFrame while nothing renders; each new frame
// (pixels that differ from the previous frame's) goes to the FrameEncoder once, and the set
// made from it to a callback (which posts it to the io_context). Once neither a new frame nor
// an input event has arrived for kSettle, the held frame's still follows. While video viewers
// are there, it wakes every kVideoPoll for the video units that are due.
#ifndef renderstream_server_FrameWatcher_h
#define renderstream_server_FrameWatcher_h

#include "EncodedFrame.h"
#include "FrameEncoder.h"
#include "ServerStats.h"
#include "StreamSegment.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace renderstream::server
{
class FrameWatcher
{
public:
  enum class Exit
  {
    Stopped,          // Stop() was called
    ProducerShutdown, // the application set the shutdown flag
    ProducerDied,     // the application is gone without saying so: the segment was unlinked
  };
  static constexpr std::chrono::milliseconds kSettle{ 300 };
  static constexpr std::chrono::milliseconds kPoll{ 500 };
  static constexpr std::chrono::milliseconds kVideoPoll{ 20 };

  FrameWatcher(ipc::StreamSegment& segment, ServerStats& stats, int quality, int stillQuality,
    const std::atomic<std::int64_t>& lastInputNs, LevelDemand& demand,
    const std::string& videoBackend, std::function<void(FrameSetPtr)> publish,
    std::function<void(Exit)> onExit);
  ~FrameWatcher();

  void Start();
  /// Stops and joins the thread (idempotent).
  void Stop();

  /// Copies the frame held now into `pixels` and `info` (any thread; SnapshotService's), unless
  /// its sequence is `knownSequence` (then both are left as they are). False before the first
  /// frame. Holds the watcher up for the copy only.
  bool CopyHeld(std::uint64_t knownSequence, std::vector<std::uint8_t>& pixels, ipc::FrameInfo& info);

private:
  void Run();
  bool ProcessNewFrame();
  void PublishStill();
  void EncodeDueVideo();
  /// Counts the set's JPEGs in the segment and hands it on (nothing for null).
  void Publish(FrameSetPtr set);
  /// When the scene last changed: the newest frame or input event (steady ns).
  std::int64_t QuietSinceNs() const;

  ipc::StreamSegment& Segment;
  ServerStats& Stats;
  const std::atomic<std::int64_t>& LastInputNs;
  LevelDemand& Demand;
  std::function<void(FrameSetPtr)> PublishFrame;
  std::function<void(Exit)> OnExit;

  FrameEncoder Encoder;        // the watcher thread's
  std::mutex HeldMutex;        // guards the held slot against AcquireLatest during CopyHeld
  bool HaveFrame = false;
  std::uint64_t LastHash = 0;
  ipc::FrameInfo LastInfo;
  bool StillPending = false;
  std::int64_t LastFrameNs = 0;

  std::atomic<bool> StopFlag{ false };
  std::thread Thread;
};
} // namespace renderstream::server

#endif
