// /snapshot.jpg?quality= re-encodes, kept off the io thread and bounded. One worker thread
// copies the held frame (the FrameWatcher waits only for that copy) and encodes it; the
// encodes of the newest frame are cached by quality, so it encodes each frame at each quality
// at most once however many ask, at most kEncodesPerSecond times a second, and with more than
// kMaxWaiting requests waiting a new one is refused (the caller answers 503). No Beast.
#ifndef renderstream_server_SnapshotService_h
#define renderstream_server_SnapshotService_h

#include "JpegEncoder.h"
#include "ServerStats.h"
#include "StreamSegment.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace renderstream::server
{
class FrameWatcher;

class SnapshotService
{
public:
  static constexpr std::size_t kMaxWaiting = 8;
  static constexpr int kEncodesPerSecond = 10;
  using Jpeg = std::shared_ptr<const std::string>;
  /// Runs on the worker thread; null when there is no frame or the encode failed.
  using Done = std::function<void(Jpeg)>;

  SnapshotService(FrameWatcher& watcher, ServerStats& stats, std::uint32_t maxWidth, std::uint32_t maxHeight);
  ~SnapshotService(); // joins the worker; waiting requests are dropped unanswered
  SnapshotService(const SnapshotService&) = delete;
  SnapshotService& operator=(const SnapshotService&) = delete;

  /// Queues an encode of the held frame at `quality` (1..100). False when too many wait.
  bool Request(int quality, Done done);

private:
  void Run();
  Jpeg Serve(int quality);

  FrameWatcher& Watcher;
  ServerStats& Stats;

  std::mutex Mutex;
  std::condition_variable Wake;
  std::deque<std::pair<int, Done>> Waiting; // under Mutex
  bool Stopping = false;                    // under Mutex

  // The worker's own.
  JpegEncoder Encoder;
  std::vector<std::uint8_t> Pixels; // the copy of the frame the cache is for
  ipc::FrameInfo Info;
  std::map<int, Jpeg> Cache; // by quality, for Info.Sequence
  std::chrono::steady_clock::time_point NextEncode;
  std::thread Worker;
};
} // namespace renderstream::server

#endif
