// End to end, as a user runs it: the StreamCone example process, its server process, real
// shared memory, real sockets. Reads the ready line, fetches and decodes frames, drives the
// cone over the WebSocket, and checks that nothing is left behind after exit or a crash.
#include "AppProcess.h"
#include "ServerProcess.h"
#include "TestClient.h"
#include "Wait.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>


namespace
{
using namespace renderstream::testing;

// Every /dev/shm entry a process with this pid created (names are renderstream-<pid>-...).
std::vector<std::string> ShmOf(pid_t pid)
{
  std::vector<std::string> names;
  const std::string prefix = "renderstream-" + std::to_string(pid) + "-";
  if (DIR* dir = ::opendir("/dev/shm"))
  {
    while (dirent* entry = ::readdir(dir))
    {
      if (std::string(entry->d_name).rfind(prefix, 0) == 0)
      {
        names.emplace_back(entry->d_name);
      }
    }
    ::closedir(dir);
  }
  return names;
}

// The StreamCone process, offscreen at 640x480, with its stdout on a pipe.
AppProcess StreamCone(const std::vector<std::string>& extra)
{
  std::vector<std::string> args = { RENDERSTREAM_BIN_DIR "/StreamCone", "--offscreen", "--size", "640x480" };
  args.insert(args.end(), extra.begin(), extra.end());
  return AppProcess(args);
}

// Share of pixels that differ clearly from StreamCone's background (0.1, 0.2, 0.4).
double ForegroundShare(const DecodedImage& image)
{
  std::size_t foreground = 0;
  for (int y = 0; y < image.Height; ++y)
  {
    for (int x = 0; x < image.Width; ++x)
    {
      const unsigned char* p = image.At(x, y);
      const int distance = std::abs(p[0] - 26) + std::abs(p[1] - 51) + std::abs(p[2] - 102);
      foreground += distance > 60 ? 1 : 0;
    }
  }
  return double(foreground) / (double(image.Width) * image.Height);
}

TEST(StreamCone, ServesTheConeAndCleansUpWhenItExits)
{
  AppProcess cone = StreamCone({ "--seconds", "6" });
  const std::string line = cone.ReadLine(std::chrono::seconds(30));
  const Url url = ParseReadyLine(line);
  ASSERT_NE(url.Port, 0) << "ready line was: '" << line << "'";
  const std::vector<pid_t> servers = ChildrenOf(cone.Pid);
  ASSERT_EQ(servers.size(), 1u) << "expected exactly one server process";
  EXPECT_TRUE(ShmOf(cone.Pid).empty()) << "the name is removed once the server has attached";

  // The snapshot is the cone at the requested size.
  const HttpReply snapshot = HttpGet(url.Port, "/snapshot.jpg?token=" + url.Token);
  ASSERT_EQ(snapshot.Status, 200) << snapshot.Error;
  EXPECT_EQ(snapshot.Header("content-type"), "image/jpeg");
  const DecodedImage image = DecodeJpeg(snapshot.Body);
  ASSERT_TRUE(image.Ok);
  EXPECT_EQ(image.Width, 640);
  EXPECT_EQ(image.Height, 480);
  const double share = ForegroundShare(image);
  EXPECT_GT(share, 0.02) << "the cone should cover part of the picture";
  EXPECT_LT(share, 0.8) << "the background should show around the cone";
  const unsigned char* corner = image.At(2, 2);
  EXPECT_NEAR(corner[2], 102, 20) << "top-left corner is background blue";

  // Without or with a wrong token: 401.
  EXPECT_EQ(HttpGet(url.Port, "/snapshot.jpg").Status, 401);
  EXPECT_EQ(HttpGet(url.Port, "/snapshot.jpg?token=" + std::string(url.Token.size(), '0')).Status, 401);
  EXPECT_EQ(HttpGet(url.Port, "/stream.mjpeg").Status, 401);

  // MJPEG: the first part is the current picture; dragging the cone over the WebSocket makes
  // the app render, and every new frame arrives as a complete JPEG part.
  MjpegClient mjpeg(url.Port, "/stream.mjpeg?token=" + url.Token);
  ASSERT_EQ(mjpeg.Status, 200) << mjpeg.Head;
  std::string first;
  ASSERT_TRUE(mjpeg.NextPart(first));
  EXPECT_TRUE(IsCompleteJpeg(first));
  WsClient ws(url.Port, "/ws?token=" + url.Token, "http://127.0.0.1:" + std::to_string(url.Port));
  ASSERT_TRUE(ws.Open()) << "upgrade status " << ws.HandshakeStatus;
  ASSERT_TRUE(ws.SendText(Pointer("down", 0.3, 0.5)));
  for (int i = 1; i <= 20; ++i)
  {
    ASSERT_TRUE(ws.SendText(Pointer("move", 0.3 + 0.02 * i, 0.5)));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(ws.SendText(Pointer("up", 0.7, 0.5)));
  std::string previous = first;
  int changed = 0;
  for (int part = 0; part < 3; ++part)
  {
    std::string jpeg;
    ASSERT_TRUE(mjpeg.NextPart(jpeg)) << "part " << part;
    EXPECT_TRUE(IsCompleteJpeg(jpeg));
    EXPECT_TRUE(DecodeJpeg(jpeg).Ok);
    changed += jpeg != previous ? 1 : 0;
    previous = jpeg;
  }
  EXPECT_EQ(changed, 3) << "each part is a new picture of the rotating cone";

  // After the example exits: clean exit, its server gone, nothing in /dev/shm.
  const pid_t app = cone.Pid;
  const int status = WaitFor(app, std::chrono::seconds(30));
  ASSERT_NE(status, -1) << "StreamCone did not exit after --seconds";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  cone.Pid = -1;
  EXPECT_EQ(cone.RestOfOutput(), "") << "the ready line is the only stdout line";
  for (pid_t server : servers)
  {
    EXPECT_FALSE(renderstream::ipc::ProcessAlive(server)) << "server " << server << " outlived the app";
  }
  EXPECT_TRUE(ShmOf(app).empty());
}

// 1024 resizes in one burst (55 KB), then one to 500x400: each used to render on its own (the
// next frame came a minute later), and later the server dropped what was over the client's
// rate, the last word included. Now what is over the rate is merged into the newest and the
// app coalesces resizes too: it renders a few times, the last size shows at once, and the app
// is free again within seconds.
TEST(StreamCone, AnInputFloodIsCoalescedAndItsLastWordShowsAtOnce)
{
  AppProcess cone = StreamCone({ "--seconds", "30" });
  const Url url = ParseReadyLine(cone.ReadLine(std::chrono::seconds(30)));
  ASSERT_NE(url.Port, 0);
  WsClient ws(url.Port, "/ws?token=" + url.Token, "http://127.0.0.1:" + std::to_string(url.Port));
  ASSERT_TRUE(ws.Open());
  std::string frame;
  ASSERT_TRUE(ws.ReadFrame(frame));
  // Seconds from now until a frame of w x h arrives (-1: none within 5 s).
  const auto secondsToSize = [&](int w, int h) {
    const auto sent = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - sent < std::chrono::seconds(5) &&
      ws.ReadFrameFor(frame, std::chrono::seconds(5)))
    {
      const DecodedImage image = DecodeJpeg(frame);
      if (image.Width == w && image.Height == h)
      {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
      }
    }
    return -1.0;
  };
  // One resize alone first: what this machine, loaded as it is now, takes to show a size.
  ASSERT_TRUE(ws.SendText(R"({"type":"resize","width":600,"height":450})"));
  const double aloneSeconds = secondsToSize(600, 450);
  ASSERT_GE(aloneSeconds, 0);
  const auto captured = [&] { return GetStats(url.Port, url.Token)["frames"]["captured"].get<long>(); };
  const long before = captured();
  for (int i = 0; i < 1024; ++i)
  {
    ASSERT_TRUE(ws.SendText(R"({"type":"resize","width":)" + std::to_string(i % 2 ? 520 : 640) + R"(,"height":480})"));
  }
  ASSERT_TRUE(ws.SendText(R"({"type":"resize","width":500,"height":400})"));
  const double lastWordSeconds = secondsToSize(500, 400);
  const auto start = std::chrono::steady_clock::now();
  const long settled = Settled(captured, std::chrono::milliseconds(500), std::chrono::seconds(20));
  const double busy = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() - 0.5;
  const nlohmann::json stats = GetStats(url.Port, url.Token);
  std::cout << "1024 resizes + 1: a 500x400 frame after " << lastWordSeconds << " s (one resize alone: "
            << aloneSeconds << " s); " << settled - before
            << " renders, app busy for about " << busy << " s more; merged " << stats["input"]["rateLimited"] << "\n";
  EXPECT_GE(lastWordSeconds, 0) << "the last resize must show";
  EXPECT_LT(lastWordSeconds, aloneSeconds + 1.0) << "within a second of what one resize takes";
  EXPECT_LT(settled - before, 100) << "resizes coalesce";
  EXPECT_LT(busy, 3.0) << "the app is free again within seconds";
  EXPECT_GT(stats["input"]["rateLimited"].get<long>(), 0) << "the server merged what was over the client's rate";
  EXPECT_EQ(stats["input"]["floods"], 0) << "resizes are never a flood";
}

TEST(StreamCone, KilledAppLeavesNoServerAndNoSharedMemory)
{
  AppProcess cone = StreamCone({ "--seconds", "0" });
  ASSERT_NE(ParseReadyLine(cone.ReadLine(std::chrono::seconds(30))).Port, 0);
  const std::vector<pid_t> servers = ChildrenOf(cone.Pid);
  ASSERT_EQ(servers.size(), 1u);
  const pid_t pid = cone.Pid;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  cone.Pid = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((renderstream::ipc::ProcessAlive(servers[0]) || !ShmOf(pid).empty()) && std::chrono::steady_clock::now() < deadline)
  {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(renderstream::ipc::ProcessAlive(servers[0])) << "the server must exit when its app dies";
  EXPECT_TRUE(ShmOf(pid).empty()) << "the server must unlink the dead app's segment";
}

TEST(StreamCone, BadArgumentsGetUsageAndExitCode2)
{
  AppProcess cone = StreamCone({ "--size", "banana" });
  const int status = WaitFor(cone.Pid, std::chrono::seconds(10));
  cone.Pid = -1;
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
}
// Two apps on one machine each get a port of their own and serve their own picture.
TEST(StreamCone, TwoAppsServeOnTheirOwnPorts)
{
  AppProcess first = StreamCone({ "--seconds", "20" });
  AppProcess second = StreamCone({ "--seconds", "20", "--size", "320x240" });
  const Url a = ParseReadyLine(first.ReadLine(std::chrono::seconds(30)));
  const Url b = ParseReadyLine(second.ReadLine(std::chrono::seconds(30)));
  ASSERT_NE(a.Port, 0);
  ASSERT_NE(b.Port, 0);
  EXPECT_NE(a.Port, b.Port);
  const DecodedImage one = DecodeJpeg(HttpGet(a.Port, "/snapshot.jpg?token=" + a.Token).Body);
  const DecodedImage two = DecodeJpeg(HttpGet(b.Port, "/snapshot.jpg?token=" + b.Token).Body);
  EXPECT_EQ(one.Width, 640);
  EXPECT_EQ(two.Width, 320) << "each serves its own window";
  EXPECT_EQ(HttpGet(a.Port, "/snapshot.jpg?token=" + b.Token).Status, 401) << "and takes its own token only";
}

// /dev/shm full or read-only (a private mount, so the machine's is untouched): the app says
// why and exits, and leaves nothing there. Needs root and mount namespaces (CI has both).
TEST(StreamCone, AFullOrReadOnlyDevShmIsAClearError)
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
  for (const Case& c : { Case{ "size=64k", "No space left on device (see df -h /dev/shm)" },
         Case{ "ro", "Read-only file system" } })
  {
    const std::string script = std::string("mount -t tmpfs -o ") + c.Mount + " tmpfs /dev/shm && " +
      RENDERSTREAM_BIN_DIR "/StreamCone --offscreen --size 320x240 --seconds 5 2>&1; echo \"exit $?\"; "
      "echo \"left: $(ls -A /dev/shm)\"";
    AppProcess app({ "/usr/bin/unshare", "-m", "/bin/sh", "-c", script });
    ASSERT_NE(app.Wait(std::chrono::seconds(30)), -1) << c.Mount;
    const std::string said = app.RestOfOutput();
    std::cout << "[ figures  ] /dev/shm " << c.Mount << ": " << said.substr(0, said.find('\n')) << "\n";
    EXPECT_NE(said.find(c.Says), std::string::npos) << said;
    EXPECT_NE(said.find("exit 1"), std::string::npos) << said;
    EXPECT_NE(said.find("left: \n"), std::string::npos) << "nothing left behind: " << said;
  }
}
} // namespace

namespace
{
// StreamCone with its stderr appended to `log` (the streamer's warnings and errors).
AppProcess StreamConeLogging(const std::string& log, const std::vector<std::string>& extra)
{
  std::vector<std::string> args = { "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>>" + log, RENDERSTREAM_BIN_DIR "/StreamCone",
    "--offscreen", "--size", "640x480" };
  args.insert(args.end(), extra.begin(), extra.end());
  return AppProcess(args);
}

std::string ReadFile(const std::string& path)
{
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Waits up to `timeout` for `text` in the file `log`; what the file holds then.
std::string WaitForLog(const std::string& log, const std::string& text, std::chrono::seconds timeout)
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string held = ReadFile(log);
  while (held.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline)
  {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    held = ReadFile(log);
  }
  return held;
}

pid_t OnlyServerOf(pid_t app)
{
  const std::vector<pid_t> servers = ChildrenOf(app);
  return servers.size() == 1 ? servers[0] : -1;
}

/// Seconds until a new WebSocket client on `url` gets a frame, or -1 after `timeout`.
double SecondsToPicture(const Url& url, std::chrono::seconds timeout)
{
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < timeout)
  {
    try
    {
      WsClient ws(url.Port, "/ws?token=" + url.Token, "http://127.0.0.1:" + std::to_string(url.Port));
      std::string frame;
      if (ws.Open() && ws.ReadFrameFor(frame, std::chrono::seconds(1)) && DecodeJpeg(frame).Ok)
      {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
    }
    catch (const std::exception&) // refused: nobody listens yet
    {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // the server is not back yet
  }
  return -1;
}
} // namespace

// kill -9 of the server (a crash, the OOM killer): a new one serves the same link within a
// second or so, the old one is reaped and nothing stays in /dev/shm; the fifth death within a
// minute ends streaming with a clear message instead of a restart loop.
TEST(StreamCone, AKilledServerIsReplacedOnTheSameLinkUntilItKeepsDying)
{
  const std::string log = "/tmp/renderstream-restart-" + std::to_string(::getpid()) + ".log";
  ::unlink(log.c_str());
  AppProcess cone = StreamConeLogging(log, { "--seconds", "60" });
  const Url url = ParseReadyLine(cone.ReadLine(std::chrono::seconds(30)));
  ASSERT_NE(url.Port, 0);
  ASSERT_GE(SecondsToPicture(url, std::chrono::seconds(5)), 0);
  for (int restart = 1; restart <= 4; ++restart)
  {
    const pid_t old = OnlyServerOf(cone.Pid);
    ASSERT_GT(old, 0);
    ASSERT_EQ(::kill(old, SIGKILL), 0);
    const double seconds = SecondsToPicture(url, std::chrono::seconds(3));
    std::cout << "kill -9 #" << restart << ": a picture on the same link after " << seconds << " s\n";
    EXPECT_GE(seconds, 0) << "no picture within 3 s of kill #" << restart;
    const nlohmann::json stats = GetStats(url.Port, url.Token);
    EXPECT_EQ(stats["server"]["restarts"], restart);
    EXPECT_NE(OnlyServerOf(cone.Pid), old);
    EXPECT_NE(::kill(old, 0), 0) << "the dead server is reaped, no zombie";
    EXPECT_TRUE(ShmOf(cone.Pid).empty());
  }
  EXPECT_NE(ReadFile(log).find("killed by signal 9; a new one takes over on port " + std::to_string(url.Port)),
    std::string::npos) << ReadFile(log);

  ASSERT_EQ(::kill(OnlyServerOf(cone.Pid), SIGKILL), 0); // the fifth death within a minute
  const std::string messages = WaitForLog(log, "5th death within 60 s", std::chrono::seconds(3));
  EXPECT_NE(messages.find("5th death within 60 s; streaming stopped"), std::string::npos) << messages;
  std::this_thread::sleep_for(std::chrono::milliseconds(500)); // no sixth server comes
  EXPECT_TRUE(ChildrenOf(cone.Pid).empty());
  EXPECT_EQ(cone.Wait(std::chrono::milliseconds(0)), -1) << "the application renders on";
  EXPECT_TRUE(ShmOf(cone.Pid).empty());
  ::unlink(log.c_str());
}

// The port taken by someone else while the server was down: a clear message, no retry loop.
TEST(StreamCone, APortTakenWhileTheServerWasDownIsAClearError)
{
  const std::string log = "/tmp/renderstream-port-taken-" + std::to_string(::getpid()) + ".log";
  ::unlink(log.c_str());
  AppProcess cone = StreamConeLogging(log, { "--seconds", "30" });
  const Url url = ParseReadyLine(cone.ReadLine(std::chrono::seconds(30)));
  ASSERT_NE(url.Port, 0);
  ASSERT_EQ(::kill(cone.Pid, SIGSTOP), 0); // so that the port is ours before it notices
  const pid_t server = OnlyServerOf(cone.Pid);
  ASSERT_GT(server, 0);
  ::kill(server, SIGKILL);
  const int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int yes = 1;
  ::setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(url.Port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // The killed server's threads close its listening socket a moment after its main thread is
  // a zombie, so the port frees a little later than the process looks gone: retry until it does.
  bool bound = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!bound && std::chrono::steady_clock::now() < deadline)
  {
    bound = ::bind(squatter, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    if (!bound)
    {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  bound = bound && ::listen(squatter, 4) == 0;
  ::kill(cone.Pid, SIGCONT);
  ASSERT_TRUE(bound) << std::strerror(errno);
  const std::string expected = "cannot restart the server on port " + std::to_string(url.Port);
  const std::string messages = WaitForLog(log, expected, std::chrono::seconds(5));
  std::cout << messages;
  EXPECT_NE(messages.find(expected), std::string::npos) << messages;
  EXPECT_NE(messages.find("in use"), std::string::npos) << "and says why: " << messages;
  EXPECT_TRUE(ChildrenOf(cone.Pid).empty());
  EXPECT_EQ(cone.Wait(std::chrono::milliseconds(0)), -1) << "the application renders on";
  EXPECT_TRUE(ShmOf(cone.Pid).empty());
  ::close(squatter);
  ::unlink(log.c_str());
}

// A recording the application asked for (--record) goes on when a killed server is replaced:
// the new server records into FILE-2.mp4, keeping what the old one wrote. The publishing URL
// (--publish) reaches each server in its environment, never on its command line.
TEST(StreamCone, ARecordingGoesOnInANewFileWhenTheServerIsReplaced)
{
  char folder[] = "/tmp/renderstream-record-XXXXXX";
  ASSERT_NE(::mkdtemp(folder), nullptr);
  const std::string dir = folder, log = dir + "/cone.log", key = "KEY" + dir.substr(dir.size() - 6);
  AppProcess cone = StreamConeLogging(
    log, { "--seconds", "60", "--record", dir + "/cone.mp4", "--publish", "rtmp://127.0.0.1:9/live/" + key });
  ASSERT_NE(ParseReadyLine(cone.ReadLine(std::chrono::seconds(30))).Port, 0);
  std::string messages = WaitForLog(log, "recording to " + dir + "/cone.mp4\n", std::chrono::seconds(5));
  EXPECT_NE(messages.find("recording to " + dir + "/cone.mp4\n"), std::string::npos) << messages;

  const auto proc = [](pid_t pid, const char* file) { return ReadFile("/proc/" + std::to_string(pid) + "/" + file); };
  const pid_t old = OnlyServerOf(cone.Pid);
  ASSERT_GT(old, 0);
  EXPECT_EQ(proc(old, "cmdline").find(key), std::string::npos) << "the stream key is not in argv";
  EXPECT_NE(proc(old, "environ").find("RENDERSTREAM_PUBLISH_URL=rtmp://127.0.0.1:9/live/" + key), std::string::npos);
  ASSERT_EQ(::kill(old, SIGKILL), 0);
  messages = WaitForLog(log, "recording to " + dir + "/cone-2.mp4\n", std::chrono::seconds(5));
  EXPECT_NE(messages.find("recording to " + dir + "/cone-2.mp4\n"), std::string::npos) << messages;
  const pid_t replacement = OnlyServerOf(cone.Pid);
  ASSERT_GT(replacement, 0);
  EXPECT_EQ(proc(replacement, "cmdline").find(key), std::string::npos);
  EXPECT_NE(proc(replacement, "environ").find("RENDERSTREAM_PUBLISH_URL="), std::string::npos);

  ::kill(cone.Pid, SIGTERM);
  EXPECT_NE(cone.Wait(std::chrono::seconds(10)), -1);
  std::filesystem::remove_all(dir);
}
