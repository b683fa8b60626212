// The one list of the server's numbers: /stats (JSON) and /metrics (Prometheus text) are both
// written from it, so a counter added here is in both documents, and TestCounters checks that
// nothing is added to one of them only. No Beast.
#ifndef renderstream_server_CounterTable_h
#define renderstream_server_CounterTable_h

#include "StreamSegment.h"
#include "ServerStats.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace renderstream::server::counters
{
/// What one document is read from, gathered once per request.
struct Sources
{
  const ServerStats& Stats;
  const ipc::StreamSegment& Segment;      // the shared-memory figures
  const std::vector<ClientInfo>& Clients;
  ServerStats::Summary Summary;          // the encode-time window
  double UptimeSeconds = 0;
};

// Integers stay integers in the JSON; rates and means are doubles.
using Value = std::variant<std::uint64_t, double>;

enum class Type
{
  Counter, // only grows; its Prometheus name ends in _total
  Gauge,
};
inline constexpr Type Counter = Type::Counter;
inline constexpr Type Gauge = Type::Gauge;

/// One number, one line of the table.
struct Entry
{
  std::string_view Json; // dotted path in /stats: "input.ringFull"
  std::string_view Name; // in /metrics after "renderstream_": "input_ring_full_total"
  Type Kind;
  std::string_view Help; // the family's HELP line: on its first entry only
  Value (*Read)(const Sources&);
  // A labelled family (`refused_total{cause="token"}`) is consecutive entries of one Name.
  std::string_view Label = {};
  // A second /stats path for the same number (older keys kept for their readers).
  std::string_view Also = {};
};

/// Most entries read one atomic of ServerStats.
template <auto Member>
Value Load(const Sources& s)
{
  return static_cast<std::uint64_t>((s.Stats.*Member).load(std::memory_order_relaxed));
}

using S = ServerStats;
// Not in the table: /stats `video.encoder`, `control.mode`, `control.driver`, `recording.by`,
// `recording.file`, `recording.message`, `publish.url`, `publish.state` and `publish.why`
// (strings) and `clientList` (one object per client).
inline constexpr Entry kTable[] = {
  { "uptimeSeconds", "uptime_seconds", Gauge, "Seconds since the server started.",
    [](const Sources& s) -> Value { return s.UptimeSeconds; } },
  { "server.restarts", "server_restarts_total", Counter, "Servers of this stream that died before this one (the application started it in their place).", Load<&S::ServerRestarts> },
  { "app.busySeconds", "app_busy_seconds", Gauge, "How long browser input has waited on a busy application (0: it keeps up).", Load<&S::AppBusySeconds> },
  { "clients", "clients", Gauge, "Connected streaming clients.",
    [](const Sources& s) -> Value { return static_cast<std::uint64_t>(s.Clients.size()); } },

  { "frames.captured", "frames_captured_total", Counter, "Frames published by the application.",
    [](const Sources& s) -> Value { return s.Segment.PublishedFrames(); } },
  { "frames.acquired", "frames_acquired_total", Counter, "Frames taken from shared memory.", Load<&S::FramesAcquired> },
  { "frames.duplicates", "frames_duplicate_total", Counter, "Frames skipped as identical to the previous one.", Load<&S::FramesDuplicate> },
  { "frames.encoded", "frames_encoded_total", Counter, "New frames JPEG-encoded (once each).", Load<&S::FramesEncoded> },
  { "frames.stills", "stills_encoded_total", Counter, "High-quality still re-encodes.", Load<&S::StillsEncoded> },
  { "frames.encodeErrors", "encode_errors_total", Counter, "Frames that could not be encoded (unreadable, JPEG, H.264 or snapshot).", Load<&S::EncodeErrors> },
  { "frames.offered", "frames_offered_total", Counter, "Frames offered to viewers (sent + dropped + discarded).", Load<&S::FramesOffered> },
  { "frames.sent", "frames_sent_total", Counter, "Frames written to clients.", Load<&S::FramesSent> },
  { "frames.dropped", "frames_dropped_total", Counter, "Frames skipped for slow clients.", Load<&S::FramesDropped> },
  { "frames.discarded", "frames_discarded_total", Counter, "Frames still waiting when their viewer left.", Load<&S::FramesDiscarded> },
  { "frames.coalesced", "frames_coalesced_total", Counter, "Encoded sets merged into one the io thread had not taken yet.", Load<&S::FramesCoalesced> },
  { "bytesSent", "bytes_sent_total", Counter, "Frame bytes written to clients.", Load<&S::BytesSent> },

  { "fps", "fps", Gauge, "Frames encoded in the last second.",
    [](const Sources& s) -> Value { return s.Summary.Fps; } },
  { "encodeMs.mean", "encode_ms_mean", Gauge, "Mean JPEG encode time (last 256 frames).",
    [](const Sources& s) -> Value { return s.Summary.MeanMs; } },
  { "encodeMs.p95", "encode_ms_p95", Gauge, "95th percentile JPEG encode time (last 256 frames).",
    [](const Sources& s) -> Value { return s.Summary.P95Ms; } },
  { "meanJpegBytes", "jpeg_bytes_mean", Gauge, "Mean JPEG size in bytes (last 256 frames).",
    [](const Sources& s) -> Value { return s.Summary.MeanBytes; } },

  { "latency.encodeMs", "latency_encode_ms", Gauge, "Median ms from render end to encoded, frames acknowledged in the last second.",
    [](const Sources& s) -> Value { return s.Stats.Latency().EncodeMs; } },
  { "latency.queueMs", "latency_queue_ms", Gauge, "Median ms from encoded to its write started, frames acknowledged in the last second.",
    [](const Sources& s) -> Value { return s.Stats.Latency().QueueMs; } },
  { "latency.networkMs", "latency_network_ms", Gauge, "Median ms from write started to acknowledged, frames acknowledged in the last second.",
    [](const Sources& s) -> Value { return s.Stats.Latency().NetworkMs; } },

  { "video.frames", "video_frames_total", Counter, "H.264 access units encoded.", Load<&S::VideoFrames> },
  { "video.keyFrames", "video_key_frames_total", Counter, "H.264 key frames encoded.", Load<&S::VideoKeyFrames> },
  { "video.keyRequests", "video_key_requests_total", Counter, "H.264 key frames asked for by viewers.", Load<&S::VideoKeyRequests> },
  { "video.skipped", "video_skipped_total", Counter, "New frames a video stream skipped: a newer one came before its turn (encoder or rate cap behind).", Load<&S::VideoSkipped> },
  { "video.qp", "video_qp", Gauge, "Quantiser of the full-size H.264 stream, matched to its JPEG rung's PSNR (0 before any video).", Load<&S::VideoQp> },
  { "video.bytes", "video_bytes_total", Counter, "H.264 bytes encoded.", Load<&S::VideoBytes> },
  { "video.encodeMsMean", "video_encode_ms_mean", Gauge, "Mean H.264 encode time since the start.",
    [](const Sources& s) -> Value {
      const std::uint64_t frames = s.Stats.VideoFrames.load(std::memory_order_relaxed);
      return frames ? static_cast<double>(s.Stats.VideoEncodeMicros.load(std::memory_order_relaxed)) / 1000.0 / frames : 0.0;
    } },

  { "input.accepted", "input_accepted_total", Counter, "Input events queued for the application.", Load<&S::InputAccepted> },
  { "input.rejected", "input_rejected_total", Counter, "Invalid input messages ignored.", Load<&S::InputRejected> },
  { "input.viewOnlyDropped", "input_view_only_total", Counter, "Input messages dropped from view-only clients.", Load<&S::InputViewOnly> },
  { "input.ringFull", "input_ring_full_total", Counter, "Valid input events this server dropped because the event ring was full.", Load<&S::InputRingFull> },
  { "input.rateLimited", "input_rate_limited_total", Counter, "Pointer moves and resizes over a client's rate, replaced by a newer one (none is lost).", Load<&S::InputCoalesced> },
  { "input.floods", "input_floods_total", Counter, "Clients closed (1008) for sending input far over their rate.", Load<&S::InputFloods> },
  { "input.ringOverflows", "event_ring_overflows_total", Counter, "Input events lost to a full ring (counted in shared memory).",
    [](const Sources& s) -> Value { return s.Segment.EventOverflows(); } },

  { "control.shared", "control_shared", Gauge, "1 when every full-link viewer drives at once (--control shared), 0 for one driver at a time.", Load<&S::ControlShared> },
  { "control.driving", "control_driving", Gauge, "1 while a viewer has control (--control one).", Load<&S::ControlDriving> },
  { "control.handOvers", "control_hand_overs_total", Counter, "Times control passed to a viewer (implicitly, asked for or given).", Load<&S::ControlHandOvers> },
  { "control.requests", "control_requests_total", Counter, "Requests for control (ask) accepted.", Load<&S::ControlRequests> },
  { "control.notApplied", "control_not_applied_total", Counter, "Input events not applied because another viewer drives.", Load<&S::ControlNotApplied> },
  { "control.refused", "control_refused_total", Counter, "Control messages refused (view-only, not the driver, asked too often, shared mode).", Load<&S::ControlRefused> },
  { "control.cursorsDropped", "cursors_dropped_total", Counter, "Cursor positions over a viewer's 20 a second, not relayed.", Load<&S::CursorsDropped> },
  { "control.namesRefused", "names_refused_total", Counter, "Display names refused (control characters, empty, invalid UTF-8, too often).", Load<&S::NamesRefused> },

  { "recording.active", "recording_active", Gauge, "1 while a recording is being written.",
    [](const Sources& s) -> Value { return std::uint64_t(s.Stats.Recording.State.load() != 0); } },
  { "recording.bytes", "recording_bytes", Gauge, "Size of the current (or last) recording's file.",
    [](const Sources& s) -> Value { return s.Stats.Recording.Bytes.load(); } },
  { "recording.seconds", "recording_seconds", Gauge, "Video time in the current (or last) recording.",
    [](const Sources& s) -> Value { return s.Stats.Recording.Micros.load() / 1e6; } },
  { "recording.frames", "recording_frames", Gauge, "Access units in the current (or last) recording.",
    [](const Sources& s) -> Value { return s.Stats.Recording.Frames.load(); } },
  { "recording.dropped", "recording_dropped", Gauge, "Access units the current (or last) recording lost to a full queue.",
    [](const Sources& s) -> Value { return s.Stats.Recording.Dropped.load(); } },
  { "publish.connected", "publish_connected", Gauge, "1 while the publisher (--publish) is connected to its media server.",
    [](const Sources& s) -> Value { return std::uint64_t(s.Stats.Publishing.State.load() == int(ipc::PublishStatus::Connected)); } },
  { "publish.bytes", "publish_bytes_total", Counter, "Bytes published, every connection together.",
    [](const Sources& s) -> Value { return s.Stats.Publishing.Bytes.load(); } },
  { "publish.frames", "publish_frames_total", Counter, "Access units published.",
    [](const Sources& s) -> Value { return s.Stats.Publishing.Frames.load(); } },
  { "publish.dropped", "publish_dropped_total", Counter, "Access units not published: a full queue, or waiting to reconnect or for a key frame.",
    [](const Sources& s) -> Value { return s.Stats.Publishing.Dropped.load(); } },
  { "publish.reconnects", "publish_reconnects_total", Counter, "Connections to the media server lost or refused (each retried with backoff).",
    [](const Sources& s) -> Value { return s.Stats.Publishing.Failures.load(); } },

  { "snapshots.encoded", "snapshots_encoded_total", Counter, "Snapshot re-encodes at a requested quality.", Load<&S::SnapshotsEncoded> },
  { "snapshots.cached", "snapshots_cached_total", Counter, "Snapshots at a quality answered from the cache.", Load<&S::SnapshotsCached> },
  { "snapshots.busy", "snapshots_busy_total", Counter, "Snapshots at a quality refused while too many waited.", Load<&S::SnapshotsBusy> },

  { "http.requests", "http_requests_total", Counter, "HTTP requests read (WebSocket upgrades included).", Load<&S::HttpRequests> },
  { "http.sessionErrors", "session_errors_total", Counter, "Streaming sessions ended by an error rather than a close.", Load<&S::SessionErrors> },
  { "refused.token", "refused_total", Counter, "Requests refused, by cause (token: 401, origin: 403, host: 421, maxClients: 503, "
    "pendingEvicted: a connection without a token closed to make room).", Load<&S::HttpUnauthorized>, R"(cause="token")", "http.unauthorized" },
  { "refused.origin", "refused_total", Counter, "", Load<&S::RefusedOrigin>, R"(cause="origin")" },
  { "refused.host", "refused_total", Counter, "", Load<&S::RefusedHost>, R"(cause="host")" },
  { "refused.maxClients", "refused_total", Counter, "", Load<&S::ConnectionsRefused>, R"(cause="maxClients")", "http.refusedAtMaxClients" },
  { "refused.pendingEvicted", "refused_total", Counter, "", Load<&S::PendingEvicted>, R"(cause="pendingEvicted")" },
};

/// "input.ringFull" as a JSON pointer, "/input/ringFull".
inline std::string JsonPointer(std::string_view dotted)
{
  std::string pointer = "/" + std::string(dotted);
  for (char& c : pointer)
  {
    c = c == '.' ? '/' : c;
  }
  return pointer;
}

// Mistakes the compiler can catch: a /stats path used twice (the second would overwrite the
// first), a counter not named *_total or a gauge that is, a family split in two or of mixed
// types, a HELP missing or written where it is never shown.
constexpr bool EndsWith(std::string_view s, std::string_view tail)
{
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}
template <std::size_t N>
constexpr bool WellFormed(const Entry (&table)[N])
{
  for (std::size_t i = 0; i < N; ++i)
  {
    const Entry& e = table[i];
    const bool first = i == 0 || table[i - 1].Name != e.Name;
    if (EndsWith(e.Name, "_total") != (e.Kind == Counter) || first == e.Help.empty() ||
      (!first && (e.Kind != table[i - 1].Kind || e.Label.empty())) || e.Json == e.Also)
    {
      return false;
    }
    for (std::size_t j = 0; j < i; ++j)
    {
      const Entry& o = table[j];
      const bool sameFamily = o.Name == e.Name;
      if (o.Json == e.Json || (!o.Also.empty() && (o.Also == e.Json || o.Also == e.Also)) || o.Json == e.Also ||
        (first && sameFamily) || (sameFamily && o.Label == e.Label))
      {
        return false;
      }
    }
  }
  return true;
}
static_assert(WellFormed(kTable), "see WellFormed: a path, a name, a family or a HELP is wrong");
} // namespace renderstream::server::counters

#endif
