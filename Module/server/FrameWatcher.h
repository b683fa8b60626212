// The thread that waits for frames in shared memory, encodes each new one once, and hands the
// JPEG to a callback (which posts it to the io_context). It sleeps in WaitForFrame while
// nothing renders, and watches the producer: shutdown flag or death ends it.
//
// Renditions (Rendition.h): every new frame is encoded at level 0 of FrameLadder(quality) and
// at each further level some viewer on a slow link uses, once per level however many viewers
// use it. Once neither a new frame nor an input event has arrived for kSettle, the held frame
// is re-encoded once at full size for each still level in use (level 0, `stillQuality`, only
// when above `quality`) and published as a "still". Frames whose pixels equal the previous
// frame's are neither encoded nor sent.
//
// H.264 (VideoStreams, when a backend is given): every new frame also goes into the video
// stream of each level some video viewer uses. While video viewers are there, the watcher
// wakes every kVideoPoll to encode the held frame where it is due (key-frame requests, and
// streams that skipped it for their frame-rate cap).
#ifndef renderstream_server_FrameWatcher_h
#define renderstream_server_FrameWatcher_h

#include "Downscaler.h"
#include "EncodedFrame.h"
#include "JpegEncoder.h"
#include "ServerStats.h"
#include "StreamSegment.h"
#include "VideoStreams.h"

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
  /// When the scene last changed: the newest frame or input event (steady ns).
  std::int64_t QuietSinceNs() const;
  FramePtr Encode(const ipc::FrameView& view, int quality, bool still);

  ipc::StreamSegment& Segment;
  ServerStats& Stats;
  const int Quality;
  const int StillQuality;
  const std::atomic<std::int64_t>& LastInputNs;
  LevelDemand& Demand;
  std::function<void(FrameSetPtr)> PublishFrame;
  std::function<void(Exit)> OnExit;

  JpegEncoder Encoder;         // the watcher thread's
  Downscaler Halver;           // the watcher thread's
  std::unique_ptr<VideoStreams> Video; // the watcher thread's; null without H.264
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
