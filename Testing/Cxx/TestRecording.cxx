// Recording to MP4 and publishing to media servers (issue 27), end to end with real processes:
// the StreamCone example and its server, real shared memory and sockets, a real nginx with the
// rtmp module (MediaServer.h), and Debian's ffprobe / ffmpeg reading what came out.
#include "AppProcess.h"
#include "LinkViewer.h"
#include "MediaServer.h"
#include "TestClient.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iostream>
#include <regex>
#include <thread>

namespace
{
using namespace renderstream::testing;
using namespace std::chrono_literals;

// The harness itself, without RenderStream: ffmpeg's own H.264 goes through nginx and comes
// back over RTMP and HLS, and survives nginx being killed and restarted. When this fails, the
// machine (nginx, its rtmp module, ffmpeg) is at fault, not the server.
TEST(MediaServer, RoundTripsFfmpegsOwnStreamAndComesBackAfterAKill)
{
  MediaServer nginx;
  {
    TestPatternPublisher publisher(nginx.RtmpUrl("pattern"), 320, 240);
    const MediaInfo rtmp = nginx.ReadRtmp("pattern", 2);
    std::cout << "[ figures  ] RTMP read-back of ffmpeg's pattern: " << rtmp.Describe() << "\n";
    ASSERT_TRUE(rtmp.Ok) << rtmp.Error << FileText(publisher.Log) << nginx.Log();
    EXPECT_EQ(rtmp.Codec, "h264");
    EXPECT_EQ(rtmp.Width, 320);
    EXPECT_EQ(rtmp.Height, 240);
    EXPECT_GT(rtmp.Frames, 20) << "about 2 s at 30 fps";
    const MediaInfo hls = nginx.ReadHls("pattern", 15s);
    std::cout << "[ figures  ] HLS of ffmpeg's pattern: " << hls.Describe() << "\n";
    EXPECT_TRUE(hls.Ok) << hls.Error;
    EXPECT_EQ(hls.Codec, "h264");
    EXPECT_EQ(hls.Width, 320);
  }
  nginx.Kill();
  EXPECT_FALSE(PortAccepts(nginx.RtmpPort)) << "killed: nobody listens";
  nginx.Start();
  TestPatternPublisher again(nginx.RtmpUrl("pattern"), 320, 240);
  const MediaInfo after = nginx.ReadRtmp("pattern", 1);
  EXPECT_TRUE(after.Ok) << after.Error << FileText(again.Log);
  EXPECT_EQ(after.Codec, "h264");
}
} // namespace

namespace
{
using namespace renderstream::testing;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool Has(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

/// A /stats flag that is on: the contract's `true` (checked where the test begins), or a 1.
bool On(const nlohmann::json& flag)
{
  return flag == true || flag == 1;
}

double SecondsBetween(Clock::time_point from, Clock::time_point to)
{
  return std::chrono::duration<double>(to - from).count();
}

/// How StreamCone is started: its own options, server options it has no flag for (through a
/// wrapper named by RENDERSTREAM_SERVER), its environment, and a shell prologue / a command
/// it runs under (a private mount namespace).
struct ConeSetup
{
  std::vector<std::string> AppArgs;
  std::vector<std::string> ServerArgs;
  std::vector<std::string> Environment; // NAME=value
  std::string Prologue;                 // shell commands before the exec, ending in "&& "
  std::vector<std::string> Under;       // e.g. { "/usr/bin/unshare", "-m" }
  std::string Size = "640x480";
};

std::string Quoted(const std::string& text)
{
  std::string quoted = "'";
  for (char c : text)
  {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

/// Whether StreamCone has --record and --publish (examples' shared options): then recordings and
/// publishing go the application's way (vtkRenderStreamer, the segment); until then, and for
/// the options it has no flag for, they are the server's own (ConeSetup::ServerArgs).
bool ExampleRecords()
{
  static const bool records = [] {
    const ToolResult help = RunTool({ RENDERSTREAM_BIN_DIR "/StreamCone", "--help" }, std::chrono::seconds(30));
    const bool has = Has(help.Out + help.Err, "--record") && Has(help.Out + help.Err, "--publish");
    std::cout << "[ note     ] --record and --publish go to " << (has ? "StreamCone" : "its server (StreamCone has no such flags)")
              << "\n";
    return has;
  }();
  return records;
}

/// A setup with `media` ({"--record", F}, {"--publish", URL}) given the way ExampleRecords() says.
ConeSetup WithMedia(const std::vector<std::string>& media, const std::vector<std::string>& appArgs,
  const std::vector<std::string>& serverArgs = {})
{
  ConeSetup setup{ appArgs, serverArgs };
  auto& to = ExampleRecords() ? setup.AppArgs : setup.ServerArgs;
  to.insert(to.end(), media.begin(), media.end());
  return setup;
}

/// StreamCone offscreen, its stderr and its server's appended to a log, its ready line read.
class Cone
{
public:
  Cone(const TempDir& dir, const ConeSetup& setup)
    : Log(dir / ("cone-" + std::to_string(Count) + ".log"))
    , App(Arguments(dir, setup, this->Log))
  {
    ++Count;
    const std::string line = this->App.ReadLine(30s);
    this->Ready = Clock::now();
    this->Address = ParseReadyLine(line);
  }
  ~Cone()
  {
    if (this->App.Pid > 0)
    {
      this->Stop();
    }
  }
  Cone(const Cone&) = delete;
  Cone& operator=(const Cone&) = delete;

  bool Up() const { return this->Address.Port != 0; }
  nlohmann::json Stats() const { return GetStats(this->Address.Port, this->Address.Token); }
  long Captured() const { return this->Stats()["frames"]["captured"].get<long>(); }
  std::string Messages() const { return FileText(this->Log); }
  /// SIGTERM, as Ctrl-C: the wait status (-1 if it did not end within 20 s).
  int Stop()
  {
    ::kill(this->App.Pid, SIGTERM);
    return this->App.Wait(20s);
  }
  /// Polls /stats until `done(stats)` holds (or `timeout`): the last stats read.
  nlohmann::json WaitForStats(std::chrono::milliseconds timeout, const std::function<bool(const nlohmann::json&)>& done) const
  {
    nlohmann::json stats;
    Eventually(timeout, [&] {
      stats = this->Stats();
      return !stats.is_discarded() && done(stats);
    });
    return stats;
  }
  /// Waits until the app has not rendered for `quiet` (at most 10 s): its frame count then.
  long WaitForQuiet(std::chrono::milliseconds quiet = 400ms) const
  {
    long last = this->Captured();
    auto since = Clock::now();
    Eventually(10s, [&] {
      const long now = this->Captured();
      if (now != last)
      {
        last = now;
        since = Clock::now();
      }
      return Clock::now() - since >= quiet;
    });
    return last;
  }

  std::string Log;
  AppProcess App;
  Url Address;
  Clock::time_point Ready;

private:
  static std::vector<std::string> Arguments(const TempDir& dir, const ConeSetup& setup, const std::string& log)
  {
    std::vector<std::string> args = setup.Under;
    args.insert(args.end(), { "/bin/sh", "-c", setup.Prologue + "exec \"$@\" 2>>" + Quoted(log), "sh", "/usr/bin/env" });
    args.insert(args.end(), setup.Environment.begin(), setup.Environment.end());
    if (!setup.ServerArgs.empty())
    {
      const std::string wrapper = dir / ("server-" + std::to_string(Count) + ".sh");
      std::string script = "#!/bin/sh\nexec " + Quoted(ServerBinary()) + " \"$@\"";
      for (const auto& arg : setup.ServerArgs)
      {
        script += " " + Quoted(arg);
      }
      std::ofstream(wrapper) << script << "\n";
      ::chmod(wrapper.c_str(), 0755);
      args.push_back("RENDERSTREAM_SERVER=" + wrapper);
    }
    args.insert(args.end(), { RENDERSTREAM_BIN_DIR "/StreamCone", "--offscreen", "--size", setup.Size });
    args.insert(args.end(), setup.AppArgs.begin(), setup.AppArgs.end());
    return args;
  }
  static inline int Count = 0;
};

/// A drag across the cone on a WebSocket of its own, 30 moves a second back and forth, from
/// construction until Release().
class Drag
{
public:
  explicit Drag(const Url& app)
    : Driver(app.Port, "/ws?token=" + app.Token)
  {
    if (!this->Driver.Open())
    {
      throw std::runtime_error("drag: WebSocket upgrade status " + std::to_string(this->Driver.HandshakeStatus));
    }
    this->Started = Clock::now();
    this->Thread = std::thread([this] {
      this->Driver.SendText(Pointer("down", 0.2, 0.5));
      for (int i = 1; !this->Stop; ++i)
      {
        const double phase = std::fmod(i / 60.0, 2.0); // 2 s across, 2 s back
        const double x = 0.2 + 0.6 * (phase < 1 ? phase : 2 - phase);
        this->Driver.SendText(Pointer("move", x, 0.5 + 0.1 * std::sin(i * 0.2)));
        // The pace of a hand, reading what the server sends meanwhile (a client that does not
        // read for 10 s is dropped).
        const auto next = Clock::now() + 33ms;
        std::string message;
        bool text = false;
        while (this->Driver.ReadMessageUntil(message, text, next))
        {
        }
      }
      this->Driver.SendText(Pointer("up", 0.5, 0.5));
      this->LetGo = Clock::now();
    });
  }
  /// Drags for `seconds` more, then lets go: when it let go.
  Clock::time_point For(double seconds)
  {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); // the drag's length
    return this->Release();
  }
  Clock::time_point Release()
  {
    if (this->Thread.joinable())
    {
      this->Stop = true;
      this->Thread.join();
    }
    return this->LetGo;
  }
  ~Drag() { this->Release(); }
  Drag(const Drag&) = delete;
  Drag& operator=(const Drag&) = delete;

  Clock::time_point Started;

private:
  WsClient Driver;
  std::atomic<bool> Stop{ false };
  std::thread Thread;
  Clock::time_point LetGo;
};

/// The longest gap between consecutive frame times, and the time of the frame after it.
std::pair<double, double> LongestGap(const std::vector<double>& times)
{
  std::pair<double, double> gap{ 0, 0 };
  for (std::size_t i = 1; i < times.size(); ++i)
  {
    if (times[i] - times[i - 1] > gap.first)
    {
      gap = { times[i] - times[i - 1], times[i] };
    }
  }
  return gap;
}

double Span(const std::vector<double>& times)
{
  return times.empty() ? 0 : *std::max_element(times.begin(), times.end()) - *std::min_element(times.begin(), times.end());
}

// A drag, a pause of about 3 s (recording, nothing rendered), another drag: the file decodes
// without an error, is H.264 at the window's size, holds the frames the server recorded, lasts
// as long as the session did, and its pause lasts as long as the real one.
TEST(Recording, ADragDecodesAtTheWindowsSizeWithItsFramesDurationAndPause)
{
  TempDir dir("recording");
  const std::string file = dir / "drag.mp4";
  Cone cone(dir, WithMedia({ "--record", file }, { "--seconds", "120" }));
  ASSERT_TRUE(cone.Up()) << cone.Messages();
  const nlohmann::json started = cone.WaitForStats(10s, [](const nlohmann::json& s) { return On(s["recording"]["active"]); });
  ASSERT_TRUE(On(started["recording"]["active"])) << started["recording"].dump() << cone.Messages();
  EXPECT_TRUE(started["recording"]["active"].is_boolean()) << "a JSON boolean: " << started["recording"].dump();
  EXPECT_EQ(started["recording"]["by"], ExampleRecords() ? "app" : "command line");
  EXPECT_EQ(started["recording"]["file"], file);

  Drag first(cone.Address);
  const auto letGo = first.For(2.5);
  const long still = cone.WaitForQuiet();
  const auto pauseFrom = Clock::now();
  EXPECT_FALSE(Eventually(3s, [&] { return cone.Captured() != still; })) << "nothing renders during the pause";
  Drag second(cone.Address);
  const double pause = SecondsBetween(letGo, second.Started);
  const auto end = second.For(2.5);
  cone.WaitForQuiet();
  // What the server says it recorded, once the last frame has gone through.
  long recorded = -1;
  nlohmann::json stats;
  Eventually(5s, [&] {
    stats = cone.Stats();
    const long now = stats["recording"]["frames"].get<long>();
    const bool settled = now == recorded;
    recorded = now;
    return settled && SecondsBetween(end, Clock::now()) > 0.5;
  });
  const double wall = SecondsBetween(cone.Ready, end);
  ASSERT_NE(cone.Stop(), -1) << "StreamCone did not end on SIGTERM";
  const std::string messages = cone.Messages();
  EXPECT_TRUE(Has(messages, "renderstream-server: recording to " + file + "\n")) << messages;
  EXPECT_TRUE(Has(messages, "renderstream-server: recording stopped: " + file + " (")) << messages;

  const MediaInfo info = Probe(file);
  const std::vector<double> times = FrameTimes(file);
  const auto [gap, afterGap] = LongestGap(times);
  std::cout << "[ figures  ] recording of two 2.5 s drags around a " << pause << " s pause (" << wall
            << " s of wall time): " << info.Describe() << "; the server recorded " << recorded << " frames ("
            << stats["recording"].dump() << ", video " << stats["video"]["frames"] << " encoded); frame times span "
            << Span(times) << " s, longest gap " << gap << " s; held still " << SecondsBetween(pauseFrom, second.Started)
            << " s\n";
  ASSERT_TRUE(info.Ok) << info.Error;
  EXPECT_EQ(DecodeErrors(file), "") << "decodes without an error";
  EXPECT_EQ(info.Codec, "h264");
  EXPECT_EQ(info.Width, 640);
  EXPECT_EQ(info.Height, 480);
  EXPECT_NEAR(info.Frames, recorded, 2) << "the frames the server recorded";
  EXPECT_GT(info.Frames, 50) << "5 s of dragging at up to 30 moves a second";
  EXPECT_LE(info.Frames, stats["frames"]["captured"].get<long>()) << "never more than were rendered";
  EXPECT_NEAR(info.Duration, wall, 0.1 * wall) << "the video's clock is the real one";
  EXPECT_NEAR(gap, pause, std::max(0.3, 0.1 * pause)) << "the pause lasts as long in the file";
}

// kill -9 of the application during a drag (its server follows it): the fragmented MP4 plays
// and covers all but the last second before the kill.
TEST(Recording, AKilledAppLeavesAFileThatPlaysToItsLastSecond)
{
  TempDir dir("recording");
  const std::string file = dir / "killed.mp4";
  Cone cone(dir, WithMedia({ "--record", file }, { "--seconds", "120" }));
  ASSERT_TRUE(cone.Up()) << cone.Messages();
  const std::vector<pid_t> servers = ChildrenOf(cone.App.Pid);
  ASSERT_EQ(servers.size(), 1u);
  Drag drag(cone.Address);
  const nlohmann::json stats = cone.WaitForStats(20s, [](const nlohmann::json& s) {
    return s["recording"]["seconds"].is_number() && s["recording"]["seconds"].get<double>() >= 5.0;
  });
  ASSERT_GE(stats["recording"]["seconds"].get<double>(), 5.0) << stats["recording"].dump() << cone.Messages();
  const double recordedWall = SecondsBetween(cone.Ready, Clock::now());
  ASSERT_EQ(::kill(cone.App.Pid, SIGKILL), 0);
  ASSERT_NE(cone.App.Wait(5s), -1);
  drag.Release();
  EXPECT_TRUE(Eventually(5s, [&] { return !renderstream::ipc::ProcessAlive(servers[0]); })) << "the server follows its app";

  const MediaInfo info = Probe(file);
  const std::vector<double> times = FrameTimes(file);
  std::cout << "[ figures  ] kill -9 of the app " << recordedWall << " s into a recorded drag: " << info.Describe()
            << ", frame times span " << Span(times) << " s (the server said " << stats["recording"].dump() << ")\n";
  ASSERT_TRUE(info.Ok) << info.Error;
  EXPECT_EQ(DecodeErrors(file), "");
  EXPECT_EQ(info.Codec, "h264");
  EXPECT_EQ(info.Width, 640);
  EXPECT_GE(Span(times), recordedWall - 1.0) << "all but the last second";
}

// kill -9 of both the application and its server (a power cut, the OOM killer taking both):
// what was written plays, all but the last second.
TEST(Recording, AKilledAppAndServerLeaveAFileThatPlaysToItsLastSecond)
{
  TempDir dir("recording");
  const std::string file = dir / "both.mp4";
  Cone cone(dir, WithMedia({ "--record", file }, { "--seconds", "120" }));
  ASSERT_TRUE(cone.Up()) << cone.Messages();
  const std::vector<pid_t> servers = ChildrenOf(cone.App.Pid);
  ASSERT_EQ(servers.size(), 1u);
  Drag drag(cone.Address);
  const nlohmann::json stats = cone.WaitForStats(20s, [](const nlohmann::json& s) {
    return s["recording"]["seconds"].is_number() && s["recording"]["seconds"].get<double>() >= 5.0;
  });
  ASSERT_GE(stats["recording"]["seconds"].get<double>(), 5.0) << stats["recording"].dump() << cone.Messages();
  const double recordedWall = SecondsBetween(cone.Ready, Clock::now());
  // Stopped first, so that it cannot finish anything when its app dies.
  ASSERT_EQ(::kill(servers[0], SIGSTOP), 0);
  ASSERT_EQ(::kill(cone.App.Pid, SIGKILL), 0);
  ASSERT_EQ(::kill(servers[0], SIGKILL), 0);
  ASSERT_NE(cone.App.Wait(5s), -1);
  drag.Release();
  EXPECT_TRUE(Eventually(5s, [&] { return !renderstream::ipc::ProcessAlive(servers[0]); }));

  const MediaInfo info = Probe(file);
  const std::vector<double> times = FrameTimes(file);
  std::cout << "[ figures  ] kill -9 of the app and its server " << recordedWall << " s into a recorded drag: "
            << info.Describe() << ", frame times span " << Span(times) << " s\n";
  ASSERT_TRUE(info.Ok) << info.Error;
  EXPECT_EQ(DecodeErrors(file), "");
  EXPECT_GE(Span(times), recordedWall - 1.0) << "all but the last second";
}
} // namespace

namespace
{
// Publishing to a real nginx with the rtmp module: the stream reads back over RTMP and from
// nginx's HLS playlist; nginx killed mid-stream and restarted: the publisher reconnects and
// goes on (a new read-back works), while the app's render rate and a WebSocket viewer's frame
// rate are the same during the outage as before it.
TEST(Publishing, ReadsBackOverRtmpAndHlsAndResumesAfterNginxIsKilled)
{
  MediaServer nginx;
  TempDir dir("publish");
  const std::string key = "cone-5ecret-key";
  Cone cone(dir, WithMedia({ "--publish", nginx.RtmpUrl(key) }, { "--seconds", "170" }));
  ASSERT_TRUE(cone.Up()) << cone.Messages();
  const auto isState = [](const char* state) {
    return [state](const nlohmann::json& s) { return s["publish"]["state"] == state; };
  };
  nlohmann::json stats = cone.WaitForStats(15s, isState("connected"));
  ASSERT_EQ(stats["publish"]["state"], "connected") << stats["publish"].dump() << cone.Messages() << nginx.Log();
  const std::string origin = "rtmp://127.0.0.1:" + std::to_string(nginx.RtmpPort);
  EXPECT_EQ(stats["publish"]["url"], origin) << "no path: the stream key stays secret";
  EXPECT_FALSE(Has(stats.dump(), key)) << "the stream key stays out of /stats";
  EXPECT_TRUE(Has(cone.Messages(), "renderstream-server: publishing to " + origin)) << cone.Messages();
  EXPECT_TRUE(Has(cone.Messages(), ": connected")) << cone.Messages();

  LinkViewer viewer(LinkViewer::Kind::AckingWebSocket, cone.Address.Port, cone.Address.Token, /*decode=*/false);
  Drag drag(cone.Address); // for the rest of the test: there is always something to publish
  const MediaInfo rtmp = nginx.ReadRtmp(key, 3);
  std::cout << "[ figures  ] RTMP read-back of the published drag: " << rtmp.Describe() << "\n";
  EXPECT_TRUE(rtmp.Ok) << rtmp.Error << nginx.Log();
  EXPECT_EQ(rtmp.Codec, "h264");
  EXPECT_EQ(rtmp.Width, 640);
  EXPECT_EQ(rtmp.Height, 480);
  EXPECT_GT(rtmp.Frames, 20) << "3 s of a drag";
  const auto hlsAsked = Clock::now();
  const MediaInfo hls = nginx.ReadHls(key, 20s);
  std::cout << "[ figures  ] HLS read-back (playlist and probe after " << SecondsBetween(hlsAsked, Clock::now())
            << " s): " << hls.Describe() << "\n";
  EXPECT_TRUE(hls.Ok) << hls.Error << FileText(nginx.HlsPlaylist(key));
  EXPECT_EQ(hls.Codec, "h264");
  EXPECT_EQ(hls.Width, 640);

  // Render and viewer rates over 3 s before the outage and 3 s during it.
  const auto measure = [&](double seconds) {
    const long frames0 = cone.Captured();
    const std::size_t viewer0 = viewer.Frames().size();
    const auto from = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); // the measuring window
    const double elapsed = SecondsBetween(from, Clock::now());
    return std::make_pair((cone.Captured() - frames0) / elapsed, double(viewer.Frames().size() - viewer0) / elapsed);
  };
  const auto before = measure(3);
  const long bytesBefore = cone.Stats()["publish"]["bytes"].get<long>();
  nginx.Kill();
  const auto killed = Clock::now();
  stats = cone.WaitForStats(10s, [](const nlohmann::json& s) { return s["publish"]["state"] != "connected"; });
  EXPECT_EQ(stats["publish"]["state"], "reconnecting") << stats["publish"].dump();
  EXPECT_NE(stats["publish"]["why"], "") << "says why";
  const double noticed = SecondsBetween(killed, Clock::now());
  const auto during = measure(3);
  nginx.Start();
  const auto restarted = Clock::now();
  stats = cone.WaitForStats(45s, isState("connected"));
  const double resumed = SecondsBetween(restarted, Clock::now());
  EXPECT_EQ(stats["publish"]["state"], "connected") << stats["publish"].dump() << cone.Messages();
  EXPECT_GE(stats["publish"]["reconnects"].get<long>(), 1);
  const long bytesBack = stats["publish"]["bytes"].get<long>();
  EXPECT_TRUE(Eventually(5s, [&] { return cone.Stats()["publish"]["bytes"].get<long>() > bytesBack; })) << "bytes grow again";
  const MediaInfo again = nginx.ReadRtmp(key, 2);
  std::cout << "[ figures  ] nginx killed: noticed after " << noticed << " s, publishing again " << resumed
            << " s after its restart; render " << before.first << " -> " << during.first << " fps, viewer "
            << before.second << " -> " << during.second << " fps during the outage; publish "
            << stats["publish"].dump() << " (" << bytesBefore << " bytes before the kill); read-back after: "
            << again.Describe() << "\n";
  EXPECT_TRUE(again.Ok) << again.Error << nginx.Log();
  EXPECT_EQ(again.Codec, "h264");
  EXPECT_GT(again.Frames, 10);
  EXPECT_GT(before.first, 10) << "the drag renders";
  EXPECT_GE(during.first, 0.75 * before.first) << "the render rate does not suffer from a dead media server";
  EXPECT_GE(during.second, 0.75 * before.second) << "nor does the viewer's frame rate";
  const std::string messages = cone.Messages();
  EXPECT_TRUE(std::regex_search(messages, std::regex("publishing to rtmp://127\\.0\\.0\\.1:" +
    std::to_string(nginx.RtmpPort) + "\\S* failed: .*; retrying in \\d+ s"))) << messages;
  EXPECT_FALSE(Has(messages, key)) << "the stream key stays out of the messages";
}

// --record-max-mib 1 and a long drag: the recording stops before 1 MiB with its message on
// stderr and in /stats, the file plays, and the app renders on.
TEST(Recording, TheSizeBoundStopsTheRecordingWithItsMessage)
{
  TempDir dir("recording");
  const std::string file = dir / "bounded.mp4";
  Cone cone(dir, WithMedia({ "--record", file }, { "--seconds", "170" }, { "--record-max-mib", "1" }));
  ASSERT_TRUE(cone.Up()) << cone.Messages();
  Drag drag(cone.Address);
  const nlohmann::json stats = cone.WaitForStats(60s, [](const nlohmann::json& s) {
    return !On(s["recording"]["active"]) && s["recording"]["message"] != "";
  });
  const std::string message = stats["recording"]["message"].is_string() ? stats["recording"]["message"].get<std::string>() : "";
  std::cout << "[ figures  ] --record-max-mib 1: " << stats["recording"].dump() << ", file " << FileBytes(file)
            << " bytes\n";
  EXPECT_TRUE(Has(message, "the --record-max-mib bound (1 MiB) is reached")) << stats["recording"].dump();
  EXPECT_TRUE(Eventually(3s, [&] {
    return std::regex_search(cone.Messages(), std::regex("renderstream-server: recording stopped: " + file +
      " \\([0-9.]+ s, [0-9.]+ MiB\\): the --record-max-mib bound \\(1 MiB\\) is reached"));
  })) << cone.Messages();
  EXPECT_GT(FileBytes(file), 512 * 1024) << "it recorded up to the bound";
  EXPECT_LE(FileBytes(file), 1024 * 1024) << "stopped before crossing it";
  const long frames = cone.Captured();
  EXPECT_TRUE(Eventually(5s, [&] { return cone.Captured() > frames + 10; })) << "the app renders on";
  drag.Release();
  const MediaInfo info = Probe(file);
  EXPECT_TRUE(info.Ok) << info.Error;
  EXPECT_EQ(DecodeErrors(file), "");
  EXPECT_EQ(cone.App.Wait(0ms), -1) << "still running";
}

/// `{"type":"record","action":...}` as the page sends it.
std::string RecordMessage(const char* action)
{
  return std::string(R"({"type":"record","action":")") + action + R"("})";
}

// A read-only or full file system (a private tmpfs mounted over --record-dir, so the machine's
// disks are untouched; as root, permissions alone would not stop the server) and a recording
// started from the page: a clear message on stderr and in /stats, and the app renders on.
// Needs mount namespaces (CI has them).
TEST(Recording, AReadOnlyOrFullDiskIsAClearMessageAndTheAppRendersOn)
{
  if (std::system("unshare -m true 2>/dev/null") != 0)
  {
    GTEST_SKIP() << "no mount namespaces here (needs root)";
  }
  struct Case
  {
    const char* Mount;
    const char* Says;
  };
  for (const Case& c : { Case{ "ro", "Read-only file system" }, Case{ "size=256k", "No space left on device" } })
  {
    TempDir dir("recording");
    const std::string videos = dir / "videos";
    ::mkdir(videos.c_str(), 0755);
    ConeSetup setup{ { "--seconds", "120" }, { "--record-dir", videos } };
    setup.Under = { "/usr/bin/unshare", "-m" };
    setup.Prologue = "mount -t tmpfs -o " + std::string(c.Mount) + " tmpfs " + Quoted(videos) + " && ";
    Cone cone(dir, setup);
    ASSERT_TRUE(cone.Up()) << c.Mount << ": " << cone.Messages();
    Drag drag(cone.Address);
    WsClient page(cone.Address.Port, "/ws?token=" + cone.Address.Token);
    ASSERT_TRUE(page.Open() && page.SendText(RecordMessage("start")));
    const nlohmann::json stats = cone.WaitForStats(30s, [&](const nlohmann::json& s) {
      return s["recording"]["message"].is_string() && Has(s["recording"]["message"].get<std::string>(), c.Says);
    });
    std::cout << "[ figures  ] a page recording on a tmpfs " << c.Mount << ": " << stats["recording"].dump() << "\n";
    EXPECT_TRUE(Has(stats["recording"].dump(), c.Says)) << c.Mount << ": " << stats["recording"].dump();
    EXPECT_FALSE(On(stats["recording"]["active"])) << c.Mount;
    EXPECT_TRUE(Eventually(3s, [&] { return Has(cone.Messages(), c.Says); })) << cone.Messages();
    if (std::string(c.Mount) == "ro")
    {
      EXPECT_TRUE(Has(cone.Messages(), "renderstream-server: cannot record to " + videos + "/")) << cone.Messages();
    }
    const long frames = cone.Captured();
    EXPECT_TRUE(Eventually(5s, [&] { return cone.Captured() > frames + 10; })) << c.Mount << ": the app renders on";
    drag.Release();
    EXPECT_EQ(cone.App.Wait(0ms), -1) << c.Mount << ": still running";
  }
}

// The command line's --record on a read-only disk: said clearly, and streaming goes on without
// the recording (the issue: "a full or read-only disk is a clear message too, never a crash").
TEST(Recording, ACommandLineRecordingOnAReadOnlyDiskIsAMessageNotTheEndOfStreaming)
{
  if (std::system("unshare -m true 2>/dev/null") != 0)
  {
    GTEST_SKIP() << "no mount namespaces here (needs root)";
  }
  TempDir dir("recording");
  const std::string videos = dir / "videos";
  ::mkdir(videos.c_str(), 0755);
  const std::string file = videos + "/x.mp4";
  ConeSetup setup = WithMedia({ "--record", file }, { "--seconds", "120" });
  setup.Under = { "/usr/bin/unshare", "-m" };
  setup.Prologue = "mount -t tmpfs -o ro tmpfs " + Quoted(videos) + " && ";
  Cone cone(dir, setup);
  EXPECT_TRUE(Has(cone.Messages(), "renderstream-server: cannot record to " + file + ": Read-only file system"))
    << cone.Messages();
  ASSERT_TRUE(cone.Up()) << "streaming goes on: " << cone.Messages();
  const nlohmann::json stats = cone.WaitForStats(10s, [](const nlohmann::json& s) { return s["recording"]["message"] != ""; });
  EXPECT_TRUE(Has(stats["recording"].dump(), "Read-only file system")) << stats["recording"].dump();
  Drag drag(cone.Address);
  const long frames = cone.Captured();
  EXPECT_TRUE(Eventually(5s, [&] { return cone.Captured() > frames + 10; })) << "the app renders on";
}
} // namespace

namespace
{
/// The application's part for a bare server: the test pattern about 30 times a second.
class PatternLoop
{
public:
  explicit PatternLoop(ServerProcess& server)
    : Thread([this, &server] {
      for (std::uint64_t seq = 0; !this->Stop; ++seq)
      {
        server.PublishPattern(320, 240, seq);
        std::this_thread::sleep_for(33ms); // the app's frame rate
      }
    })
  {
  }
  ~PatternLoop()
  {
    this->Stop = true;
    this->Thread.join();
  }

private:
  std::atomic<bool> Stop{ false };
  std::thread Thread;
};

// Recordings from the page: a view-only page can neither record nor list nor download; a full
// link's start / stop makes a file in --record-dir that recordings/ lists and serves as it is.
TEST(Recording, FromThePageForFullLinksOnly)
{
  TempDir dir("recording");
  const std::string videos = dir / "videos";
  ServerProcess server({ "--record-dir", videos });
  PatternLoop app(server);
  const auto get = [&](const std::string& target) { return HttpGet(server.Port, target); };
  const auto stats = [&] { return GetStats(server.Port, server.Token); };

  WsClient viewOnly(server.Port, "/ws?token=" + server.ViewToken);
  ASSERT_TRUE(viewOnly.Open());
  ASSERT_TRUE(viewOnly.SendText(RecordMessage("start")));
  EXPECT_FALSE(Eventually(2s, [&] { return On(stats()["recording"]["active"]) || std::filesystem::exists(videos); }))
    << "a view-only page starts nothing: " << stats()["recording"].dump();
  EXPECT_EQ(get("/recordings/?token=" + server.ViewToken).Status, 403);
  EXPECT_EQ(get("/recordings/2026-01-01_00-00-00.mp4?token=" + server.ViewToken).Status, 403);
  EXPECT_EQ(get("/recordings/").Status, 401);

  WsClient page(server.Port, "/ws?token=" + server.Token);
  ASSERT_TRUE(page.Open());
  ASSERT_TRUE(page.SendText(RecordMessage("start")));
  std::vector<nlohmann::json> told; // the server's {"type":"recording"} messages to the page
  const auto listen = [&](std::chrono::milliseconds timeout, const std::function<bool()>& done) {
    return Eventually(timeout, [&] {
      std::string data;
      bool text = false;
      while (page.ReadMessageUntil(data, text, Clock::now() + 10ms))
      {
        const nlohmann::json message = nlohmann::json::parse(data, nullptr, false);
        if (text && !message.is_discarded() && message.value("type", "") == "recording")
        {
          told.push_back(message);
        }
      }
      return done();
    });
  };
  EXPECT_TRUE(listen(10s, [&] {
    const nlohmann::json s = stats();
    return On(s["recording"]["active"]) && s["recording"]["seconds"].get<double>() >= 2.0;
  })) << stats()["recording"].dump();
  const nlohmann::json during = stats();
  EXPECT_EQ(during["recording"]["by"], "page");
  ASSERT_TRUE(page.SendText(RecordMessage("stop")));
  EXPECT_TRUE(listen(5s, [&] { return !On(stats()["recording"]["active"]); }));
  listen(1s, [&] { return !told.empty() && told.back()["active"] == false; });
  const nlohmann::json after = stats();
  const std::string path = after["recording"]["file"].is_string() ? after["recording"]["file"].get<std::string>() : "";
  const std::string name = path.substr(path.rfind('/') + 1);
  std::cout << "[ figures  ] a page recording: " << after["recording"].dump() << "; " << told.size()
            << " recording messages, the last " << (told.empty() ? std::string("none") : told.back().dump()) << "\n";
  ASSERT_TRUE(std::regex_match(name, std::regex(R"(\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.mp4)"))) << path;
  EXPECT_EQ(path, videos + "/" + name) << "in --record-dir";
  ASSERT_GE(told.size(), 2u) << "the page is told when it starts and stops";
  EXPECT_EQ(told.front()["active"], true);
  EXPECT_EQ(told.front()["name"], name);
  EXPECT_EQ(told.front()["by"], "page");
  EXPECT_EQ(told.back()["active"], false);

  const HttpReply list = get("/recordings/?token=" + server.Token);
  ASSERT_EQ(list.Status, 200) << list.Body;
  const nlohmann::json listed = nlohmann::json::parse(list.Body, nullptr, false);
  ASSERT_TRUE(listed.is_array()) << list.Body;
  const auto entry = std::find_if(listed.begin(), listed.end(), [&](const nlohmann::json& e) { return e["name"] == name; });
  ASSERT_NE(entry, listed.end()) << list.Body;
  EXPECT_EQ((*entry)["bytes"], FileBytes(path));
  EXPECT_TRUE(std::regex_match((*entry)["modified"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
    << entry->dump();
  const HttpReply download = get("/recordings/" + name + "?token=" + server.Token);
  ASSERT_EQ(download.Status, 200);
  EXPECT_EQ(download.Header("content-type"), "video/mp4");
  EXPECT_TRUE(Has(download.Header("content-disposition"), "attachment")) << download.Header("content-disposition");
  EXPECT_TRUE(download.Body == FileText(path)) << "byte-identical: " << download.Body.size() << " of " << FileBytes(path);
  EXPECT_EQ(get("/recordings/" + name + "?token=" + server.ViewToken).Status, 403);
  EXPECT_EQ(get("/recordings/" + name).Status, 401);
  EXPECT_EQ(get("/recordings/2001-01-01_00-00-00.mp4?token=" + server.Token).Status, 404);
  EXPECT_EQ(get("/recordings/..%2F..%2Fetc%2Fpasswd?token=" + server.Token).Status, 404);
  const MediaInfo info = Probe(path);
  EXPECT_TRUE(info.Ok) << info.Error;
  EXPECT_EQ(info.Codec, "h264");
  EXPECT_EQ(info.Width, 320);
  EXPECT_EQ(DecodeErrors(path), "");
}

// The "nothing else happens" twin: the same drag with and without recording and publishing,
// an H.264 and a JPEG viewer watching: the render rate, the encodes per rendered frame and the
// server's CPU per frame stay the same (generous margins: 2-core machines are noisy).
TEST(Recording, RecordingAndPublishingChangeNothingElse)
{
  MediaServer nginx;
  TempDir dir("twin");
  struct Figures
  {
    double RenderFps = 0, JpegPerFrame = 0, VideoPerFrame = 0, ServerCpuMsPerFrame = 0, ViewerFps = 0;
  };
  const auto run = [&](bool on) {
    Figures f;
    Cone cone(dir, on ? WithMedia({ "--record", dir / "twin.mp4", "--publish", nginx.RtmpUrl("twin") }, { "--seconds", "90" })
                      : ConeSetup{ { "--seconds", "90" } });
    EXPECT_TRUE(cone.Up()) << cone.Messages();
    if (!cone.Up())
    {
      return f;
    }
    LinkViewer video(LinkViewer::Kind::H264WebSocket, cone.Address.Port, cone.Address.Token, /*decode=*/false);
    LinkViewer jpeg(LinkViewer::Kind::AckingWebSocket, cone.Address.Port, cone.Address.Token, /*decode=*/false);
    EXPECT_TRUE(WaitForFrames(video, 1) && WaitForFrames(jpeg, 1));
    if (on)
    {
      const nlohmann::json s = cone.WaitForStats(15s, [](const nlohmann::json& s) { return s["publish"]["state"] == "connected"; });
      EXPECT_TRUE(On(s["recording"]["active"]) && s["publish"]["state"] == "connected") << s.dump();
    }
    const pid_t server = ChildrenOf(cone.App.Pid).at(0);
    cone.WaitForQuiet();
    const nlohmann::json s0 = cone.Stats();
    const double cpu0 = CpuSeconds(server);
    const std::size_t viewer0 = jpeg.Frames().size();
    const auto from = Clock::now();
    const auto letGo = Drag(cone.Address).For(5.0);
    const double seconds = SecondsBetween(from, letGo);
    cone.WaitForQuiet();
    const nlohmann::json s1 = cone.Stats();
    const auto delta = [&](const char* group, const char* counter) {
      return double(s1[group][counter].get<long>() - s0[group][counter].get<long>());
    };
    const double frames = std::max(1.0, delta("frames", "captured"));
    f.RenderFps = frames / seconds;
    f.JpegPerFrame = delta("frames", "encoded") / frames;
    f.VideoPerFrame = delta("video", "frames") / frames;
    f.ServerCpuMsPerFrame = (CpuSeconds(server) - cpu0) * 1000 / frames;
    f.ViewerFps = double(jpeg.Frames().size() - viewer0) / seconds;
    return f;
  };
  const Figures off = run(false), on = run(true);
  std::cout << "[ figures  ] twin, 5 s drag at 640x480 (off / on): render " << off.RenderFps << " / " << on.RenderFps
            << " fps, JPEG encodes per frame " << off.JpegPerFrame << " / " << on.JpegPerFrame
            << ", H.264 encodes per frame " << off.VideoPerFrame << " / " << on.VideoPerFrame << ", server CPU "
            << off.ServerCpuMsPerFrame << " / " << on.ServerCpuMsPerFrame << " ms per frame, JPEG viewer "
            << off.ViewerFps << " / " << on.ViewerFps << " fps\n";
  EXPECT_GT(off.RenderFps, 10);
  EXPECT_GE(on.RenderFps, 0.8 * off.RenderFps) << "the render rate is unchanged";
  EXPECT_NEAR(on.JpegPerFrame, off.JpegPerFrame, 0.15) << "no extra JPEG encodes";
  EXPECT_NEAR(on.VideoPerFrame, off.VideoPerFrame, 0.15) << "no second H.264 encode";
  EXPECT_GT(off.VideoPerFrame, 0.5) << "the H.264 viewer's stream is encoded in both runs";
  EXPECT_LT(on.ServerCpuMsPerFrame, 1.5 * off.ServerCpuMsPerFrame + 1.0) << "muxing costs little per frame";
  EXPECT_GE(on.ViewerFps, 0.8 * off.ViewerFps);
}
} // namespace
