#include "ServerStats.h"

#include "Layout.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace renderstream::server
{
void ServerStats::AddEncode(double milliseconds, std::size_t bytes)
{
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(this->Mutex);
  this->EncodeTimes.push_back(now);
  while (!this->EncodeTimes.empty() && now - this->EncodeTimes.front() > std::chrono::seconds(2))
  {
    this->EncodeTimes.pop_front();
  }
  this->EncodeMs.push_back(milliseconds);
  this->EncodeBytes.push_back(bytes);
  if (this->EncodeMs.size() > 256)
  {
    this->EncodeMs.pop_front();
    this->EncodeBytes.pop_front();
  }
}

void ServerStats::AddVideoEncode(double milliseconds, std::size_t bytes, bool key)
{
  this->VideoFrames.fetch_add(1, std::memory_order_relaxed);
  this->VideoKeyFrames.fetch_add(key ? 1 : 0, std::memory_order_relaxed);
  this->VideoBytes.fetch_add(bytes, std::memory_order_relaxed);
  this->VideoEncodeMicros.fetch_add(
    static_cast<std::uint64_t>(milliseconds * 1000), std::memory_order_relaxed);
}

ServerStats::Summary ServerStats::Summarize() const
{
  Summary summary;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(this->Mutex);
  const auto recent = std::count_if(this->EncodeTimes.begin(), this->EncodeTimes.end(),
    [&](auto t) { return now - t <= std::chrono::seconds(1); });
  summary.Fps = static_cast<double>(recent);
  if (!this->EncodeMs.empty())
  {
    std::vector<double> sorted(this->EncodeMs.begin(), this->EncodeMs.end());
    double sum = 0;
    for (double v : sorted)
    {
      sum += v;
    }
    summary.MeanMs = sum / sorted.size();
    std::sort(sorted.begin(), sorted.end());
    summary.P95Ms = sorted[std::min(sorted.size() - 1, sorted.size() * 95 / 100)];
    double bytes = 0;
    for (auto b : this->EncodeBytes)
    {
      bytes += static_cast<double>(b);
    }
    summary.MeanBytes = bytes / this->EncodeBytes.size();
  }
  return summary;
}

std::string ServerStats::Json(
  const ipc::SegmentHeader& header, const std::vector<ClientInfo>& clients) const
{
  const Summary summary = this->Summarize();
  nlohmann::json out;
  out["uptimeSeconds"] =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - this->Started).count();
  out["app"] = { { "busySeconds", this->AppBusySeconds.load() } };
  out["frames"] = {
    { "captured", header.PublishedFrames.load(std::memory_order_relaxed) },
    { "acquired", this->FramesAcquired.load() },
    { "duplicates", this->FramesDuplicate.load() },
    { "encoded", this->FramesEncoded.load() },
    { "stills", this->StillsEncoded.load() },
    { "encodeErrors", this->EncodeErrors.load() },
    { "offered", this->FramesOffered.load() },
    { "sent", this->FramesSent.load() },
    { "dropped", this->FramesDropped.load() },
    { "discarded", this->FramesDiscarded.load() },
    { "coalesced", this->FramesCoalesced.load() },
  };
  out["fps"] = summary.Fps;
  out["encodeMs"] = { { "mean", summary.MeanMs }, { "p95", summary.P95Ms } };
  out["meanJpegBytes"] = summary.MeanBytes;
  out["bytesSent"] = this->BytesSent.load();
  const std::uint64_t videoFrames = this->VideoFrames.load();
  out["video"] = { { "encoder", this->VideoEncoder.empty() ? "none" : this->VideoEncoder },
    { "frames", videoFrames }, { "keyFrames", this->VideoKeyFrames.load() },
    { "keyRequests", this->VideoKeyRequests.load() }, { "bytes", this->VideoBytes.load() },
    { "encodeMsMean",
      videoFrames ? static_cast<double>(this->VideoEncodeMicros.load()) / 1000.0 / videoFrames : 0.0 } };
  out["input"] = {
    { "accepted", this->InputAccepted.load() },
    { "rejected", this->InputRejected.load() },
    { "viewOnlyDropped", this->InputViewOnly.load() },
    { "ringFull", this->InputRingFull.load() },
    { "rateLimited", this->InputRateLimited.load() },
    { "ringOverflows", header.Events.Overflows.load(std::memory_order_relaxed) },
  };
  out["snapshots"] = { { "encoded", this->SnapshotsEncoded.load() },
    { "cached", this->SnapshotsCached.load() }, { "busy", this->SnapshotsBusy.load() } };
  out["http"] = { { "requests", this->HttpRequests.load() },
    { "unauthorized", this->HttpUnauthorized.load() },
    { "refusedAtMaxClients", this->ConnectionsRefused.load() },
    { "sessionErrors", this->SessionErrors.load() } };
  out["refused"] = { { "token", this->HttpUnauthorized.load() }, { "origin", this->RefusedOrigin.load() },
    { "host", this->RefusedHost.load() }, { "maxClients", this->ConnectionsRefused.load() }, { "pendingEvicted", this->PendingEvicted.load() } };
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : clients)
  {
    list.push_back({ { "id", c.Id }, { "kind", c.Kind }, { "remote", c.Remote.empty() ? "hidden" : c.Remote },
      { "viewOnly", c.ViewOnly }, { "codec", c.Codec }, { "framesSent", c.FramesSent },
      { "framesDropped", c.FramesDropped }, { "bytesSent", c.BytesSent },
      { "inputAccepted", c.InputAccepted }, { "inputRejected", c.InputRejected },
      { "ageSeconds", c.AgeSeconds },
      { "link", { { "kbps", c.LinkKbps }, { "quality", c.Quality }, { "scale", 1.0 / c.Divisor },
                  { "slow", c.Slow }, { "acks", c.Acks } } } });
  }
  out["clients"] = clients.size();
  out["clientList"] = std::move(list);
  return out.dump(2) + "\n";
}

std::string ServerStats::Prometheus(
  const ipc::SegmentHeader& header, const std::vector<ClientInfo>& clients) const
{
  const Summary summary = this->Summarize();
  std::ostringstream out;
  const auto metric = [&](const char* name, const char* type, const char* help, auto value) {
    out << "# HELP renderstream_" << name << ' ' << help << "\n# TYPE renderstream_" << name
        << ' ' << type << "\nrenderstream_" << name << ' ' << value << '\n';
  };
  metric("app_busy_seconds", "gauge", "How long browser input has waited on a busy application (0: it keeps up).",
    this->AppBusySeconds.load());
  metric("frames_captured_total", "counter", "Frames published by the application.",
    header.PublishedFrames.load(std::memory_order_relaxed));
  metric("frames_acquired_total", "counter", "Frames taken from shared memory.",
    this->FramesAcquired.load());
  metric("frames_duplicate_total", "counter", "Frames skipped as identical to the previous one.",
    this->FramesDuplicate.load());
  metric("frames_encoded_total", "counter", "New frames JPEG-encoded (once each).",
    this->FramesEncoded.load());
  metric("stills_encoded_total", "counter", "High-quality still re-encodes.",
    this->StillsEncoded.load());
  metric("snapshots_encoded_total", "counter", "Snapshot re-encodes at a requested quality.",
    this->SnapshotsEncoded.load());
  metric("snapshots_cached_total", "counter", "Snapshots at a quality answered from the cache.",
    this->SnapshotsCached.load());
  metric("snapshots_busy_total", "counter", "Snapshots at a quality refused while too many waited.",
    this->SnapshotsBusy.load());
  metric("frames_sent_total", "counter", "Frames written to clients.", this->FramesSent.load());
  metric("frames_dropped_total", "counter", "Frames skipped for slow clients.",
    this->FramesDropped.load());
  metric("frames_offered_total", "counter", "Frames offered to viewers (sent + dropped + discarded).",
    this->FramesOffered.load());
  metric("frames_discarded_total", "counter", "Frames still waiting when their viewer left.",
    this->FramesDiscarded.load());
  metric("frames_coalesced_total", "counter", "Encoded sets merged into one the io thread had not taken yet.",
    this->FramesCoalesced.load());
  metric("bytes_sent_total", "counter", "JPEG bytes written to clients.", this->BytesSent.load());
  metric("session_errors_total", "counter", "Streaming sessions ended by an error rather than a close.",
    this->SessionErrors.load());
  metric("input_accepted_total", "counter", "Input events queued for the application.",
    this->InputAccepted.load());
  metric("input_rejected_total", "counter", "Invalid input messages ignored.",
    this->InputRejected.load());
  metric("input_view_only_total", "counter", "Input messages dropped from view-only clients.",
    this->InputViewOnly.load());
  metric("input_rate_limited_total", "counter", "Input events over a client's rate, dropped.",
    this->InputRateLimited.load());
  metric("event_ring_overflows_total", "counter", "Input events lost to a full ring.",
    header.Events.Overflows.load(std::memory_order_relaxed));
  metric("video_frames_total", "counter", "H.264 access units encoded.", this->VideoFrames.load());
  metric("video_key_frames_total", "counter", "H.264 key frames encoded.", this->VideoKeyFrames.load());
  metric("video_key_requests_total", "counter", "H.264 key frames asked for by viewers.",
    this->VideoKeyRequests.load());
  metric("video_bytes_total", "counter", "H.264 bytes encoded.", this->VideoBytes.load());
  out << "# HELP renderstream_refused_total Requests refused, by cause (token: 401, origin: 403, host: 421, maxClients: 503, "
         "pendingEvicted: a connection without a token closed to make room).\n"
         "# TYPE renderstream_refused_total counter\n"
      << "renderstream_refused_total{cause=\"token\"} " << this->HttpUnauthorized.load() << '\n'
      << "renderstream_refused_total{cause=\"origin\"} " << this->RefusedOrigin.load() << '\n'
      << "renderstream_refused_total{cause=\"host\"} " << this->RefusedHost.load() << '\n'
      << "renderstream_refused_total{cause=\"maxClients\"} " << this->ConnectionsRefused.load() << '\n'
      << "renderstream_refused_total{cause=\"pendingEvicted\"} " << this->PendingEvicted.load() << '\n';
  metric("clients", "gauge", "Connected streaming clients.", clients.size());
  metric("fps", "gauge", "Frames encoded in the last second.", summary.Fps);
  metric("encode_ms_mean", "gauge", "Mean JPEG encode time (last 256 frames).", summary.MeanMs);
  metric("encode_ms_p95", "gauge", "95th percentile JPEG encode time (last 256 frames).",
    summary.P95Ms);
  return out.str();
}
} // namespace renderstream::server
