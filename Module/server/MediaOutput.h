// One consumer of the full-size H.264 stream, a recording or a publication, writing on a
// thread of its own behind a bounded queue: the watcher thread only queues, so a slow disk or
// a slow (or dead) media server never holds up the encoders, the viewers or the render loop.
//
// It counts itself among level 0's video viewers (LevelDemand), so that stream is encoded
// while it runs, and starts at a key frame (asking for one). Each unit's capture time is its
// timestamp, so the video's clock is the real one: in a file, a unit is written once the next
// one says how long it showed, and a pause plays as the held picture for as long as it lasted
// (a network stream sends each unit at once: its containers keep no durations).
//
// A queue that fills (the writer fell behind) is emptied and the stream goes on from the next
// key frame. A recording that fails stops; a publication reconnects with backoff (kFirstRetry
// doubling to kLastRetry) and resumes at a key frame. No Beast.
#ifndef renderstream_server_MediaOutput_h
#define renderstream_server_MediaOutput_h

#include "EncodedFrame.h"
#include "Layout.h"
#include "Rendition.h"
#include "ServerStats.h"
#include "VideoMuxer.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace renderstream::server
{
/// "renderstream-server: `line`" on stderr in one write (the app's output shares the pipe).
void Say(const std::string& line);

class MediaOutput
{
public:
  static constexpr std::size_t kQueueUnits = 180;   // 3 s at 60 frames a second
  static constexpr std::chrono::seconds kFirstRetry{ 1 };
  static constexpr std::chrono::seconds kLastRetry{ 30 };
  static constexpr std::chrono::seconds kNetworkTimeout{ 5 }; // a media server that stalls this long failed

  struct Settings
  {
    std::string Url;            // a file's path or a network URL (VideoMuxer::FormatFor)
    bool Reconnect = false;     // a publication: retry after a failure; a recording stops
    std::uint64_t MaxBytes = 0; // a recording stops before its file grows past this (0: no bound)
    std::string Label;          // how messages name it: "recording PATH", "publishing to URL"
    // A key frame at least this often (0: only the first). A live stream's players join and
    // an HLS segmenter cuts at key frames; a file's players seek to them. While the picture
    // holds, this repeats it: the stream goes on, and a crash loses less of a pause.
    std::chrono::milliseconds KeyInterval{ 0 };
  };

  /// Starts the thread. `counters` (ServerStats::Recording or ::Publishing) are its figures.
  MediaOutput(Settings settings, LevelDemand& demand, ServerStats::MediaCounters& counters);
  /// Stop().
  ~MediaOutput();

  /// Queues a unit of level 0's stream (watcher thread).
  void Push(const FramePtr& unit);
  /// Writes what is pending, finishes the container and joins the thread (idempotent). A
  /// network write that hangs is abandoned.
  void Stop();

  const Settings& Config() const { return this->Config_; }
  /// True once it stopped by itself (a failure, the size bound): Why() says why.
  bool Ended() const { return this->EndedFlag.load(); }
  std::string Why() const;

private:
  void Run();
  /// Takes one unit from the queue (nullptr: the queue overflowed, wait for a key frame).
  void Take(const FramePtr& unit);
  void Open(const EncodedFrame& key);
  /// Writes the pending unit, shown for `durationNs`.
  void WritePending(std::int64_t durationNs);
  /// A failed open or write: a recording ends, a publication retries later.
  void Fail(const std::string& why);
  void End(const std::string& why);
  void SetState(ipc::PublishStatus state);
  /// Whether libavformat should give up what it waits for.
  bool Interrupted() const;
  /// When the writer must wake without a unit: a retry, or a key frame due (max: never).
  std::chrono::steady_clock::time_point NextWake() const;

  const Settings Config_;
  const bool Live; // a network stream: each unit goes out at once, not when the next one comes
  LevelDemand& Demand;
  ServerStats::MediaCounters& Counters;

  mutable std::mutex Mutex; // guards the queue, the flags below it and WhyText
  std::condition_variable Wake;
  std::deque<FramePtr> Queue;
  bool Stopping = false;
  std::string WhyText;
  std::atomic<bool> EndedFlag{ false };
  std::atomic<bool> Abandon{ false };          // Stop() on a network output: interrupt waits
  std::atomic<std::int64_t> DeadlineNs{ 0 };   // steady ns: a network call after this fails

  // The writer thread's own.
  std::unique_ptr<VideoMuxer> Muxer;
  bool WaitForKey = true;
  FramePtr Pending;               // written when the next unit comes
  std::int64_t PendingNs = 0;     // its capture time
  std::int64_t StartNs = 0;       // the capture time of the muxer's first unit
  std::uint64_t BytesBefore = 0;  // bytes of the connections before this one
  std::chrono::steady_clock::time_point RetryAt{};
  std::chrono::steady_clock::time_point LastKey{}; // when the last key frame was taken
  std::chrono::seconds Backoff = kFirstRetry;

  std::thread Thread; // last: started once everything above exists
};
} // namespace renderstream::server

#endif
