#include "ServerStats.h"

#include "CounterTable.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <variant>

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

void ServerStats::AddLatency(const LatencyWindow::Spans& spans)
{
  std::lock_guard<std::mutex> lock(this->Mutex);
  this->Latencies.Add(std::chrono::steady_clock::now(), spans);
}

LatencyWindow::Spans ServerStats::Latency() const
{
  std::lock_guard<std::mutex> lock(this->Mutex);
  return this->Latencies.Median(std::chrono::steady_clock::now());
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

counters::Sources ServerStats::Gather(
  const ipc::StreamSegment& segment, const std::vector<ClientInfo>& clients) const
{
  return { *this, segment, clients, this->Summarize(),
    std::chrono::duration<double>(std::chrono::steady_clock::now() - this->Started).count() };
}

std::string ServerStats::Json(const ipc::StreamSegment& segment, const std::vector<ClientInfo>& clients,
  std::string_view videoEncoder, const nlohmann::json& more) const
{
  const counters::Sources sources = this->Gather(segment, clients);
  nlohmann::json out;
  for (const counters::Entry& entry : counters::kTable)
  {
    const counters::Value value = entry.Read(sources);
    for (const std::string_view path : { entry.Json, entry.Also })
    {
      if (!path.empty())
      {
        std::visit([&](auto v) { out[nlohmann::json::json_pointer(counters::JsonPointer(path))] = v; }, value);
      }
    }
  }
  // Not numbers, or not one number: outside the table.
  out["video"]["encoder"] = videoEncoder.empty() ? "none" : videoEncoder;
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    out["control"]["mode"] = this->ControlMode;
    out["control"]["driver"] = this->DriverName.empty() ? nlohmann::json(nullptr) : nlohmann::json(this->DriverName);
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : clients)
  {
    list.push_back({ { "id", c.Id }, { "kind", c.Kind }, { "name", c.Name }, { "remote", c.Remote.empty() ? "hidden" : c.Remote },
      { "viewOnly", c.ViewOnly }, { "codec", c.Codec }, { "framesSent", c.FramesSent },
      { "framesDropped", c.FramesDropped }, { "bytesSent", c.BytesSent },
      { "inputAccepted", c.InputAccepted }, { "inputRejected", c.InputRejected },
      { "ageSeconds", c.AgeSeconds },
      { "link", { { "kbps", c.LinkKbps }, { "quality", c.Quality }, { "scale", 1.0 / c.Divisor },
                  { "slow", c.Slow }, { "acks", c.Acks } } } });
  }
  out["clientList"] = std::move(list);
  out.merge_patch(more);
  return out.dump(2) + "\n";
}

void ServerStats::SetControl(std::string mode, std::string driver)
{
  std::lock_guard<std::mutex> lock(this->Mutex);
  this->ControlMode = std::move(mode);
  this->DriverName = std::move(driver);
}

namespace
{
// Shortest text that reads back as the same number, so /metrics and /stats agree exactly.
void AppendNumber(std::string& out, const counters::Value& value)
{
  char text[32];
  const auto result = std::visit(
    [&](auto v) { return std::to_chars(text, text + sizeof(text), v); }, value);
  out.append(text, result.ptr);
}
} // namespace

std::string ServerStats::Prometheus(
  const ipc::StreamSegment& segment, const std::vector<ClientInfo>& clients) const
{
  const counters::Sources sources = this->Gather(segment, clients);
  std::string out;
  std::string_view family; // families are consecutive entries (checked in CounterTable.h)
  for (const counters::Entry& entry : counters::kTable)
  {
    const std::string name = "renderstream_" + std::string(entry.Name);
    if (entry.Name != family)
    {
      family = entry.Name;
      out += "# HELP " + name + ' ' + std::string(entry.Help) + "\n# TYPE " + name +
        (entry.Kind == counters::Counter ? " counter\n" : " gauge\n");
    }
    out += name;
    if (!entry.Label.empty())
    {
      out += '{' + std::string(entry.Label) + '}';
    }
    out += ' ';
    AppendNumber(out, entry.Read(sources));
    out += '\n';
  }
  return out;
}
} // namespace renderstream::server
