// Counters of the whole server, shared by the FrameWatcher thread and the io_context thread,
// rendered as JSON (/stats) and Prometheus text (/metrics), both from CounterTable.h: a
// counter added here needs one line there. No Beast.
#ifndef renderstream_server_ServerStats_h
#define renderstream_server_ServerStats_h

#include "FrameSink.h" // for ClientInfo
#include "LatencyWindow.h"

#include <nlohmann/json_fwd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace renderstream::ipc
{
class StreamSegment;
}

namespace renderstream::server
{
namespace counters
{
struct Sources;
}

class ServerStats
{
public:
  /// A recording's or the publication's figures (MediaOutput, its writer thread).
  struct MediaCounters
  {
    std::atomic<int> State{ 0 };              // ipc::PublishStatus (a recording: Connected while it writes)
    std::atomic<std::uint64_t> Bytes{ 0 };    // a recording: its file's size; publishing: all connections'
    std::atomic<std::uint64_t> Frames{ 0 };   // access units written
    std::atomic<std::uint64_t> Dropped{ 0 };  // units not written: a full queue, waiting for a key or a retry
    std::atomic<std::uint64_t> Failures{ 0 }; // publishing: connections lost or refused
    std::atomic<std::int64_t> Micros{ 0 };    // the video time written
  };
  MediaCounters Recording;
  MediaCounters Publishing;

  std::atomic<std::uint64_t> FramesAcquired{ 0 };   // taken from shared memory
  std::atomic<std::uint64_t> FramesDuplicate{ 0 };  // identical pixels: not encoded, not sent
  std::atomic<std::uint64_t> FramesEncoded{ 0 };    // new frames encoded (once each)
  std::atomic<std::uint64_t> StillsEncoded{ 0 };    // high-quality re-encodes after interaction
  std::atomic<std::uint64_t> EncodeErrors{ 0 };
  // Every frame offered to a viewer is, in the end, sent, dropped (replaced by a newer one) or
  // discarded (still waiting when the viewer left).
  std::atomic<std::uint64_t> FramesOffered{ 0 };
  std::atomic<std::uint64_t> FramesDiscarded{ 0 };
  std::atomic<std::uint64_t> FramesSent{ 0 };       // messages/parts written, all clients
  std::atomic<std::uint64_t> FramesDropped{ 0 };    // replaced before a slow client got them
  std::atomic<std::uint64_t> FramesCoalesced{ 0 };  // merged into a set the io thread had not taken
  std::atomic<std::uint64_t> BytesSent{ 0 };
  std::atomic<std::uint64_t> InputAccepted{ 0 };
  std::atomic<std::uint64_t> InputRejected{ 0 };    // invalid messages, counted and ignored
  std::atomic<std::uint64_t> InputViewOnly{ 0 };    // dropped: the client may only view
  std::atomic<std::uint64_t> InputRingFull{ 0 };    // valid but the event ring was full
  std::atomic<std::uint64_t> InputCoalesced{ 0 };   // moves, resizes over a client's rate: merged into newer ones
  std::atomic<std::uint64_t> InputFloods{ 0 };      // clients closed for sending far over their rate
  std::atomic<std::uint64_t> ConnectionsRefused{ 0 }; // 503 at --max-clients
  std::atomic<std::uint64_t> HttpRequests{ 0 };
  std::atomic<std::uint64_t> HttpUnauthorized{ 0 };
  std::atomic<std::uint64_t> RefusedOrigin{ 0 }; // WebSocket upgrades from another origin (403)
  std::atomic<std::uint64_t> RefusedHost{ 0 };   // a Host that is not this server's (421)
  std::atomic<std::uint64_t> SnapshotsEncoded{ 0 }; // /snapshot.jpg?quality= re-encodes
  std::atomic<std::uint64_t> SnapshotsCached{ 0 };  // answered from the cache
  std::atomic<std::uint64_t> SnapshotsBusy{ 0 };    // refused: too many waiting (503)
  std::atomic<int> AppBusySeconds{ 0 };          // input has waited this long on the app (AppBusy)
  std::atomic<std::uint64_t> ServerRestarts{ 0 }; // servers of this stream that died before this one (--restarts)
  std::atomic<std::uint64_t> SessionErrors{ 0 };  // streams ended by an error (not a close)
  std::atomic<std::uint64_t> PendingEvicted{ 0 }; // tokenless connections closed to make room
  // H.264 (VideoStreams): access units encoded, how many were key frames, how many key frames
  // viewers asked for (new viewers, skips, level changes, decoder errors).
  std::atomic<std::uint64_t> VideoFrames{ 0 };
  std::atomic<std::uint64_t> VideoKeyFrames{ 0 };
  std::atomic<std::uint64_t> VideoBytes{ 0 };
  std::atomic<std::uint64_t> VideoEncodeMicros{ 0 };
  std::atomic<std::uint64_t> VideoKeyRequests{ 0 };
  std::atomic<std::uint64_t> VideoSkipped{ 0 }; // frames a stream never encoded: a newer one came first
  std::atomic<std::uint64_t> VideoQp{ 0 }; // level 0's quantiser now (QualityMatcher), 0 before video
  // Control (ControlRoom): who drives, hand-overs, requests, input not applied because someone
  // else drives, refused control messages, cursors over a viewer's rate, refused names.
  std::atomic<int> ControlShared{ 0 };
  std::atomic<int> ControlDriving{ 0 };
  std::atomic<std::uint64_t> ControlHandOvers{ 0 };
  std::atomic<std::uint64_t> ControlRequests{ 0 };
  std::atomic<std::uint64_t> ControlNotApplied{ 0 };
  std::atomic<std::uint64_t> ControlRefused{ 0 };
  std::atomic<std::uint64_t> CursorsDropped{ 0 };
  std::atomic<std::uint64_t> NamesRefused{ 0 };

  /// The control mode and the driver's name ("" = nobody), for /stats (io thread).
  void SetControl(std::string mode, std::string driver);

  /// Records one JPEG encode (FrameWatcher thread).
  void AddEncode(double milliseconds, std::size_t bytes);
  /// Records one H.264 encode (FrameWatcher thread).
  void AddVideoEncode(double milliseconds, std::size_t bytes, bool key);
  /// Records the server's spans of one acknowledged frame (io thread).
  void AddLatency(const LatencyWindow::Spans& spans);
  /// Their medians over the last second, all viewers together.
  LatencyWindow::Spans Latency() const;

  /// /stats; `more` (strings: the control room's, the media outputs') is merged in.
  std::string Json(const ipc::StreamSegment& segment, const std::vector<ClientInfo>& clients,
    std::string_view videoEncoder, const nlohmann::json& more) const;
  std::string Prometheus(const ipc::StreamSegment& segment, const std::vector<ClientInfo>& clients) const;

  /// The encode-time window, summarised (read by the table's gauges).
  struct Summary
  {
    double Fps = 0, MeanMs = 0, P95Ms = 0, MeanBytes = 0;
  };

private:
  Summary Summarize() const;
  counters::Sources Gather(const ipc::StreamSegment& segment, const std::vector<ClientInfo>& clients) const;

  mutable std::mutex Mutex;
  std::deque<std::chrono::steady_clock::time_point> EncodeTimes; // last ~2 s
  std::deque<double> EncodeMs;                                   // last 256 encodes
  std::deque<std::size_t> EncodeBytes;
  LatencyWindow Latencies;
  std::string ControlMode; // SetControl's, under Mutex
  std::string DriverName;
  std::chrono::steady_clock::time_point Started = std::chrono::steady_clock::now();
};
} // namespace renderstream::server

#endif
