// /stats and /metrics are one table (Module/server/CounterTable.h): after real traffic, every
// entry has the same value in both documents, and neither document has a number the other
// lacks. Real server process, sockets and shared memory.
#include "CounterTable.h"
#include "ServerProcess.h"
#include "TestClient.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <set>

using namespace renderstream::testing;
using namespace std::chrono_literals;
namespace counters = renderstream::server::counters;
using json = nlohmann::json;

namespace
{
constexpr std::uint32_t kW = 160;
constexpr std::uint32_t kH = 120;

// /stats numbers that are not in the table, on purpose: one object per client (the
// Prometheus side has the totals and `clients`). Strings, booleans and nulls are not numbers.
const char* const kJsonOnly[] = { "/clientList/" };

// Entries that change between two requests without any traffic: each request counts, time
// passes.
const std::set<std::string_view> kMoving = { "http.requests", "uptimeSeconds" };

// Names scrapers used before the table existed: none may disappear.
const char* const kLegacyNames[] = { "app_busy_seconds", "frames_captured_total", "frames_acquired_total",
  "frames_duplicate_total", "frames_encoded_total", "stills_encoded_total", "snapshots_encoded_total",
  "snapshots_cached_total", "snapshots_busy_total", "frames_sent_total", "frames_dropped_total",
  "frames_offered_total", "frames_discarded_total", "frames_coalesced_total", "bytes_sent_total",
  "session_errors_total", "input_accepted_total", "input_rejected_total", "input_view_only_total",
  "input_rate_limited_total", "event_ring_overflows_total", "video_frames_total", "video_key_frames_total",
  "video_key_requests_total", "video_bytes_total", "refused_total", "clients", "fps", "encode_ms_mean",
  "encode_ms_p95" };

// What the traffic below must have made non-zero, so equal values are not just zeros.
const char* const kExercised[] = { "frames.captured", "frames.acquired", "frames.duplicates", "frames.encoded",
  "frames.stills", "frames.offered", "frames.sent", "bytesSent", "encodeMs.mean", "meanJpegBytes",
  "input.accepted", "input.rejected", "input.viewOnlyDropped", "snapshots.encoded", "snapshots.cached",
  "http.requests", "http.unauthorized", "refused.token", "refused.origin", "refused.host", "refused.maxClients",
  "uptimeSeconds" };
// The same, when the server has an H.264 encoder (the codec=h264 viewer below gets video).
const char* const kExercisedVideo[] = { "video.frames", "video.keyFrames", "video.bytes", "video.encodeMsMean", "video.qp" };

/// One /metrics document: sample "name{labels}" -> value (as JSON, to compare with /stats),
/// and the family name -> "# TYPE" word.
struct Metrics
{
  std::map<std::string, json> Samples;
  std::map<std::string, std::string> Types;
  std::set<std::string> Helped;
  std::vector<std::string> Errors; // malformed or repeated lines
};

Metrics ParseMetrics(const std::string& text)
{
  static const std::regex sample(R"(^renderstream_([a-z0-9_]+(\{[^}]*\})?) (\S+)$)");
  static const std::regex comment(R"(^# (HELP|TYPE) renderstream_([a-z0-9_]+) (.+)$)");
  Metrics metrics;
  std::istringstream lines(text);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line))
  {
    if (std::regex_match(line, m, comment))
    {
      if (m[1] == "TYPE")
      {
        metrics.Types[m[2]] = m[3];
      }
      else
      {
        metrics.Helped.insert(m[2]);
      }
    }
    else if (std::regex_match(line, m, sample))
    {
      json value = json::parse(m[3].str(), nullptr, false);
      if (!value.is_number() || !metrics.Samples.emplace(m[1], std::move(value)).second)
      {
        metrics.Errors.push_back(line);
      }
    }
    else
    {
      metrics.Errors.push_back(line);
    }
  }
  return metrics;
}

std::string SampleName(const counters::Entry& entry)
{
  return std::string(entry.Name) + (entry.Label.empty() ? "" : "{" + std::string(entry.Label) + "}");
}

json At(const json& stats, std::string_view dotted)
{
  const json::json_pointer pointer(counters::JsonPointer(dotted));
  return stats.contains(pointer) ? stats.at(pointer) : json();
}

/// Every number of /stats is a table entry's (or in kJsonOnly).
void ExpectEveryNumberInTheTable(const json& stats)
{
  std::set<std::string> known;
  for (const counters::Entry& entry : counters::kTable)
  {
    for (const std::string_view path : { entry.Json, entry.Also })
    {
      if (!path.empty())
      {
        known.insert(counters::JsonPointer(path));
      }
    }
  }
  const json leaves = stats.flatten(); // named: items() does not keep a temporary alive
  for (const auto& leaf : leaves.items())
  {
    const std::string& pointer = leaf.key();
    const bool jsonOnly = std::any_of(std::begin(kJsonOnly), std::end(kJsonOnly),
      [&](const char* prefix) { return pointer.rfind(prefix, 0) == 0; });
    if (leaf.value().is_number() && !jsonOnly)
    {
      EXPECT_TRUE(known.count(pointer)) << "/stats " << pointer
                                        << " is not in CounterTable.h, so /metrics does not have it";
    }
  }
}

void MarkAliveAndDrain(ServerProcess& server)
{
  renderstream::ipc::InputEvent event;
  while (server.Segment->Events().TryPop(event))
  {
  }
  server.Segment->MarkAlive(); // the app ticks: input does not make it look busy
}
} // namespace

TEST(Counters, StatsAndMetricsAreTheSameTable)
{
  ServerProcess server({ "--max-clients", "3" });
  server.PublishPattern(kW, kH, 1);
  EXPECT_EQ(HttpGet(server.Port, "/stats?token=wrong").Status, 401);
  EXPECT_EQ(UpgradeStatus(server.Port, server.Url("/ws", server.Token), "https://elsewhere.example"), 403);
  EXPECT_EQ(HttpGet(server.Port, server.Url("/snapshot.jpg", server.Token), { { "Host", "attacker.example" } }).Status, 421);
  {
    WsClient viewer(server.Port, server.Url("/ws", server.ViewToken));
    WsClient owner(server.Port, server.Url("/ws", server.Token));
    WsClient video(server.Port, server.Url("/ws?codec=h264", server.Token));
    ASSERT_TRUE(viewer.Open() && owner.Open() && video.Open());
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(HttpGet(server.Port, server.Url("/stream.mjpeg", server.Token)).Status, 503);
    for (std::uint64_t seq : { 2, 3, 4, 4 }) // the second 4 is a duplicate
    {
      server.PublishPattern(kW, kH, seq);
      ASSERT_TRUE(server.WaitTaken()); // the duplicate is a frame of its own
      std::this_thread::sleep_for(60ms);
      MarkAliveAndDrain(server);
    }
    std::string frame;
    EXPECT_TRUE(owner.ReadFrameFor(frame, 2s));
    EXPECT_TRUE(owner.SendText(Pointer("down", 0.5, 0.5)));
    EXPECT_TRUE(owner.SendText(R"({"type":"pointer","action":"fly"})"));
    EXPECT_TRUE(viewer.SendText(Pointer("move", 0.5, 0.5)));
    for (int i = 0; i < 2; ++i) // encoded, then from the cache
    {
      EXPECT_EQ(HttpGet(server.Port, server.Url("/snapshot.jpg?quality=50", server.Token)).Status, 200);
    }
    std::this_thread::sleep_for(100ms);
    MarkAliveAndDrain(server);
    const json live = GetStats(server.Port, server.Token);
    ASSERT_EQ(live["clientList"].size(), 3u) << live.dump(2);
    ExpectEveryNumberInTheTable(live); // with per-client objects present
  }

  // Wait until nothing moves but kMoving: the viewers are gone, the still is encoded, the
  // one-second fps window is empty.
  json before;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (bool settled = false; !settled;)
  {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the counters kept moving: " << before.dump(2);
    MarkAliveAndDrain(server);
    const json now = GetStats(server.Port, server.Token);
    settled = !before.is_null() && now["clients"] == 0 && now["fps"] == 0;
    for (const counters::Entry& entry : counters::kTable)
    {
      settled = settled && (kMoving.count(entry.Json) || At(now, entry.Json) == At(before, entry.Json));
    }
    before = now;
    std::this_thread::sleep_for(250ms);
  }

  // Before, /metrics, after: each /metrics value lies between the two (equal to both unless
  // it is in kMoving).
  const json a = GetStats(server.Port, server.Token);
  const HttpReply reply = HttpGet(server.Port, server.Url("/metrics", server.Token));
  const json b = GetStats(server.Port, server.Token);
  ASSERT_EQ(reply.Status, 200);
  const Metrics metrics = ParseMetrics(reply.Body);
  EXPECT_TRUE(metrics.Errors.empty()) << "malformed or repeated: " << ::testing::PrintToString(metrics.Errors);

  std::set<std::string> fromTable;
  for (const counters::Entry& entry : counters::kTable)
  {
    const std::string sample = SampleName(entry);
    fromTable.insert(sample);
    const json first = At(a, entry.Json);
    const json second = At(b, entry.Json);
    ASSERT_TRUE(first.is_number()) << "/stats has no number at " << entry.Json;
    ASSERT_TRUE(metrics.Samples.count(sample)) << "/metrics has no renderstream_" << sample;
    const json& value = metrics.Samples.at(sample);
    if (kMoving.count(entry.Json))
    {
      EXPECT_TRUE(first <= value && value <= second) << sample << " " << value << " not in [" << first << ", " << second << "]";
    }
    else
    {
      EXPECT_EQ(value, first) << "renderstream_" << sample << " vs /stats " << entry.Json;
      EXPECT_EQ(second, first) << entry.Json << " moved";
    }
    if (!entry.Also.empty())
    {
      EXPECT_EQ(At(a, entry.Also), first) << entry.Also << " is " << entry.Json;
    }
    EXPECT_EQ(metrics.Types.count(std::string(entry.Name)) ? metrics.Types.at(std::string(entry.Name)) : "",
      entry.Kind == counters::Counter ? "counter" : "gauge")
      << entry.Name;
    EXPECT_TRUE(metrics.Helped.count(std::string(entry.Name))) << "no # HELP for " << entry.Name;
  }
  for (const auto& [sample, value] : metrics.Samples)
  {
    EXPECT_TRUE(fromTable.count(sample)) << "renderstream_" << sample << " is not in CounterTable.h, so /stats does not have it";
  }
  EXPECT_EQ(metrics.Types.size(), metrics.Helped.size());
  ExpectEveryNumberInTheTable(a);

  for (const char* name : kLegacyNames)
  {
    EXPECT_TRUE(metrics.Types.count(name)) << "renderstream_" << name << " disappeared";
  }
  for (const char* path : kExercised)
  {
    EXPECT_GT(At(a, path), 0) << path << ": the traffic above should have counted something";
  }
  for (const char* path : kExercisedVideo)
  {
    EXPECT_TRUE(a["video"]["encoder"] == "none" || At(a, path) > 0) << path << " with encoder " << a["video"]["encoder"];
  }
}
