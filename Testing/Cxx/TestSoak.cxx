// A bounded soak: for SOAK_SECONDS (default 90) a real VTK scene renders and streams while
// client threads connect, stream and leave in a loop: WebSocket viewers that read (some
// acknowledging), MJPEG viewers, viewers that never read, viewers that send garbage, viewers
// behind a slow link. Afterwards the server holds what it held before (memory, descriptors,
// threads), the render loop never waited for it, and its counters add up.
#include "ServerProcess.h"
#include "StreamingScene.h"
#include "TestClient.h"
#include "ThrottlingProxy.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

using namespace renderstream::testing;
using namespace std::chrono_literals;

namespace
{
struct ProcessFigures
{
  long RssKiB = 0;
  long Fds = 0;
  long Threads = 0;
};

ProcessFigures FiguresOf(pid_t pid)
{
  ProcessFigures f;
  f.RssKiB = RssKiB(pid);
  const std::string dir = "/proc/" + std::to_string(pid);
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir + "/fd"))
  {
    ++f.Fds;
  }
  std::ifstream status(dir + "/status");
  for (std::string line; std::getline(status, line);)
  {
    if (line.rfind("Threads:", 0) == 0)
    {
      f.Threads = std::stol(line.substr(8));
    }
  }
  return f;
}

// One visitor: connects as `kind`, streams for a while, leaves.
void Visit(int kind, std::uint16_t port, std::uint16_t slowPort, const std::string& token, std::mt19937& rng)
{
  const auto stay = std::chrono::milliseconds(300 + rng() % 1500);
  const auto until = std::chrono::steady_clock::now() + stay;
  std::string data;
  switch (kind)
  {
    case 0: // a browser: reads and acknowledges
    case 1: // a plain WebSocket client: reads, no acknowledgements
    {
      WsClient ws(port, "/ws?token=" + token + (rng() % 2 ? "&codec=h264" : ""));
      while (ws.Open() && std::chrono::steady_clock::now() < until && ws.ReadFrameFor(data, 500ms))
      {
        if (kind == 0)
        {
          ws.SendText(R"({"type":"ack"})");
        }
      }
      break;
    }
    case 2: // MJPEG
    {
      MjpegClient mjpeg(port, "/stream.mjpeg?token=" + token);
      while (std::chrono::steady_clock::now() < until && mjpeg.NextPart(data))
      {
      }
      break;
    }
    case 3: // never reads
    {
      WsClient ws(port, "/ws?token=" + token);
      std::this_thread::sleep_until(until);
      break;
    }
    case 4: // garbage, then a binary message (the server closes with 1003)
    {
      WsClient ws(port, "/ws?token=" + token);
      for (const char* bad : { "{", "[1,2]", R"({"type":"pointer","action":"warp"})", "null" })
      {
        ws.SendText(bad);
      }
      ws.SendBinary(std::string(8, '\x7f'));
      ws.ReadFrameFor(data, 500ms);
      break;
    }
    default: // behind a slow link
    {
      WsClient ws(slowPort, "/ws?token=" + token);
      while (ws.Open() && std::chrono::steady_clock::now() < until && ws.ReadFrameFor(data, 1s))
      {
        ws.SendText(R"({"type":"ack"})");
      }
      break;
    }
  }
}
} // namespace

TEST(Soak, ClientsComeAndGoAndTheServerEndsAsItBegan)
{
  const char* env = std::getenv("SOAK_SECONDS");
  const auto duration = std::chrono::seconds(env ? std::atoi(env) : 90);
  StreamingScene scene(480, 360);
  ASSERT_TRUE(scene.Start()) << scene.Streamer->GetLastError();
  const std::string url = scene.Streamer->GetURL();
  const std::string token = url.substr(url.find("token=") + 6);
  const auto port = static_cast<std::uint16_t>(scene.Streamer->GetActualPort());
  const std::vector<pid_t> servers = ChildrenOf(::getpid());
  ASSERT_EQ(servers.size(), 1u);
  ThrottlingProxy slowLink(port, 400e3);

  // One phase: visitors come and go while the scene renders a frame every 33 ms (each render +
  // tick timed); then it renders on until the last visitor has left.
  std::atomic<int> visits{ 0 };
  double slowestMs = 0, totalMs = 0;
  long frames = 0;
  const auto phase = [&](std::chrono::seconds length, unsigned seed) {
    std::atomic<bool> stop{ false };
    std::atomic<int> visiting{ 6 };
    std::vector<std::thread> visitors;
    for (unsigned i = 0; i < 6; ++i)
    {
      visitors.emplace_back([&, i] {
        std::mt19937 rng(seed + i);
        while (!stop)
        {
          Visit(static_cast<int>(rng() % 6), port, slowLink.Port, token, rng);
          ++visits;
        }
        --visiting;
      });
    }
    const auto start = std::chrono::steady_clock::now();
    while (visiting > 0)
    {
      stop = stop || std::chrono::steady_clock::now() - start >= length;
      const auto t0 = std::chrono::steady_clock::now();
      scene.Actor->RotateY(2);
      scene.Window->Render();
      scene.Streamer->Tick();
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      slowestMs = std::max(slowestMs, ms);
      totalMs += ms;
      ++frames;
      std::this_thread::sleep_until(t0 + 33ms);
    }
    for (auto& t : visitors)
    {
      t.join();
    }
    std::this_thread::sleep_for(2s); // the last sessions wind down
  };
  phase(std::chrono::seconds(5), 1); // every path once (encoders, buffers, pools)
  const ProcessFigures before = FiguresOf(servers[0]);
  visits = 0;
  frames = 0;
  totalMs = slowestMs = 0;
  phase(duration, 100);
  // The last sessions may still be finishing a write (a slow link drains at 400 kbit/s, a
  // client that never read is closed after 10 s): wait until every frame is accounted for.
  const auto settled = [](const nlohmann::json& s) {
    return !s.is_discarded() && s["clients"].get<int>() == 0 &&
      s["frames"]["offered"].get<long>() ==
      s["frames"]["sent"].get<long>() + s["frames"]["dropped"].get<long>() + s["frames"]["discarded"].get<long>();
  };
  nlohmann::json stats = GetStats(port, token);
  for (int i = 0; i < 150 && !settled(stats); ++i)
  {
    std::this_thread::sleep_for(100ms);
    stats = GetStats(port, token);
  }
  const ProcessFigures after = FiguresOf(servers[0]);
  ASSERT_FALSE(stats.is_discarded());
  std::cout << "[ figures  ] soak " << duration.count() << " s: " << visits << " visits, " << frames
            << " frames, render + tick mean " << totalMs / frames << " ms, slowest " << slowestMs
            << " ms; server RSS " << before.RssKiB << " -> " << after.RssKiB << " KiB, fds " << before.Fds
            << " -> " << after.Fds << ", threads " << before.Threads << " -> " << after.Threads
            << "; frames offered " << stats["frames"]["offered"] << " = sent " << stats["frames"]["sent"]
            << " + dropped " << stats["frames"]["dropped"] << " + discarded " << stats["frames"]["discarded"]
            << "; input rejected " << stats["input"]["rejected"] << ", session errors "
            << stats["http"]["sessionErrors"] << "\n";
  EXPECT_GT(visits.load(), 50);
  EXPECT_LT(slowestMs, 250.0) << "the render loop never waited for the server (a frame is 33 ms)";
  EXPECT_LE(after.RssKiB, before.RssKiB * 11 / 10 + 2048) << "memory is given back";
  EXPECT_LE(after.Fds, before.Fds + 1) << "no descriptor leaks";
  EXPECT_EQ(after.Threads, before.Threads);
  EXPECT_EQ(stats["clients"].get<int>(), 0);
  EXPECT_EQ(stats["frames"]["offered"].get<long>(),
    stats["frames"]["sent"].get<long>() + stats["frames"]["dropped"].get<long>() +
      stats["frames"]["discarded"].get<long>())
    << "every frame offered to a viewer was sent, replaced or discarded when it left";
  EXPECT_GT(stats["input"]["rejected"].get<long>(), 0) << "the garbage arrived";
}
