// renderstream-server start-up, shutdown and crash behaviour: exit codes, header state,
// nothing left in /dev/shm.
#include "BeastClient.h"
#include "ServerProcess.h"
#include "TestClient.h"

#include <gtest/gtest.h>

#include <sys/prctl.h>

using namespace renderstream::testing;
using namespace std::chrono_literals;

namespace
{
bool ExitedWith(int status, int code)
{
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

/// Spawns the server on `name` with `args` and waits for it to exit; returns the status.
int RunToExit(std::vector<std::string> args, std::chrono::milliseconds timeout = 5s)
{
  args.insert(args.begin(), ServerBinary());
  const pid_t pid = Spawn(args, "/dev/null");
  const int status = WaitFor(pid, timeout);
  if (status == -1)
  {
    ::kill(pid, SIGKILL);
    WaitFor(pid, 2s);
  }
  return status;
}
} // namespace

TEST(ServerLifecycle, SigtermClosesClientsAndExitsZero)
{
  ServerProcess server;
  server.PublishPattern(64, 48, 1);
  WsClient ws(server.Port, server.Url("/ws", server.Token));
  ASSERT_TRUE(ws.Open());
  MjpegClient mjpeg(server.Port, server.Url("/stream.mjpeg", server.Token));
  ASSERT_EQ(mjpeg.Status, 200);
  const int status = server.Signal(SIGTERM, 3s);
  EXPECT_TRUE(ExitedWith(status, 0)) << status;
  EXPECT_EQ(ws.WaitForClose(), 1001); // going away
  EXPECT_TRUE(ShmExists(server.Segment->Name())) << "the producer owns the segment";
}

TEST(ServerLifecycle, SigintExitsZero)
{
  ServerProcess server;
  EXPECT_TRUE(ExitedWith(server.Signal(SIGINT, 3s), 0));
}

TEST(ServerLifecycle, ProducerShutdownFlagStopsTheServer)
{
  ServerProcess server;
  server.Segment->RawHeaderForTesting().Shutdown.store(1, std::memory_order_release);
  const int status = WaitFor(server.Pid, 3s);
  EXPECT_TRUE(ExitedWith(status, 0)) << status;
  if (status != -1)
  {
    server.Pid = -1;
  }
}

TEST(ServerLifecycle, KilledProducerTakesTheServerAndTheSegmentAway)
{
  // Orphans are re-parented to us, so we can reap the server and read its exit status.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t producer = ::fork();
  ASSERT_GE(producer, 0);
  if (producer == 0)
  {
    // The child plays the VTK application: creates the segment, spawns the server, renders.
    ::close(fds[0]);
    try
    {
      auto segment = renderstream::ipc::StreamSegment::Create(64, 48);
      const pid_t server =
        Spawn({ ServerBinary(), "--shm", segment->Name() }, "/dev/null");
      const auto ready = segment->WaitForServer(std::chrono::steady_clock::now() + 5s, [] { return true; });
      char line[256];
      const int n = std::snprintf(line, sizeof(line), "%s %d %u\n", segment->Name().c_str(),
        static_cast<int>(server), unsigned(ready.Port));
      if (::write(fds[1], line, n) != n)
      {
        ::_exit(3);
      }
      while (true)
      {
        std::this_thread::sleep_for(1s); // until SIGKILL
      }
    }
    catch (...)
    {
      ::_exit(4);
    }
  }
  ::close(fds[1]);
  char line[256] = {};
  std::size_t got = 0;
  while (got < sizeof(line) - 1)
  {
    const ssize_t n = ::read(fds[0], line + got, sizeof(line) - 1 - got);
    if (n <= 0 || std::memchr(line, '\n', got + n))
    {
      got += n > 0 ? n : 0;
      break;
    }
    got += n;
  }
  ::close(fds[0]);
  char name[200] = {};
  int serverPid = 0;
  unsigned port = 0;
  ASSERT_EQ(std::sscanf(line, "%199s %d %u", name, &serverPid, &port), 3) << line;
  ASSERT_TRUE(ShmExists(name));
  ASSERT_NE(port, 0u);
  EXPECT_EQ(HttpGet(static_cast<std::uint16_t>(port), "/stats").Status, 401); // it serves

  ASSERT_EQ(::kill(producer, SIGKILL), 0);
  WaitFor(producer, 2s); // reap: no zombie to look alive
  const auto start = std::chrono::steady_clock::now();
  const int status = WaitFor(serverPid, 4s);
  const double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ figures  ] server exited " << seconds << " s after its producer was killed"
            << std::endl;
  EXPECT_NE(status, -1) << "the server outlived its producer";
  if (status == -1)
  {
    ::kill(serverPid, SIGKILL);
    WaitFor(serverPid, 2s);
  }
  EXPECT_FALSE(ShmExists(name)) << name << " left in /dev/shm";
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST(ServerLifecycle, SegmentOfADeadProducerIsRemovedAtStartup)
{
  auto segment = renderstream::ipc::StreamSegment::Create(64, 48);
  const pid_t dead = ::fork();
  if (dead == 0)
  {
    ::_exit(0);
  }
  WaitFor(dead, 2s);
  segment->RawHeaderForTesting().ProducerPid.store(dead);
  const int status = RunToExit({ "--shm", segment->Name() });
  EXPECT_TRUE(ExitedWith(status, 1)) << status;
  EXPECT_EQ(segment->RawHeaderForTesting().ServerState.load(),
    static_cast<std::uint32_t>(renderstream::ipc::ServerStatus::Failed));
  EXPECT_NE(std::string(segment->RawHeaderForTesting().Error).find("gone"), std::string::npos)
    << segment->RawHeaderForTesting().Error;
  EXPECT_FALSE(ShmExists(segment->Name()));
}

TEST(ServerLifecycle, BusyPortFailsWithTheReasonInTheHeader)
{
  net::io_context ioc;
  tcp::acceptor busy(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  const auto port = busy.local_endpoint().port();
  auto segment = renderstream::ipc::StreamSegment::Create(64, 48);
  const int status = RunToExit({ "--shm", segment->Name(), "--port", std::to_string(port) });
  EXPECT_TRUE(ExitedWith(status, 1)) << status;
  EXPECT_EQ(segment->RawHeaderForTesting().ServerState.load(),
    static_cast<std::uint32_t>(renderstream::ipc::ServerStatus::Failed));
  EXPECT_NE(std::string(segment->RawHeaderForTesting().Error).find("bind"), std::string::npos)
    << segment->RawHeaderForTesting().Error;
}

TEST(ServerLifecycle, UsageErrorsExit2AndRuntimeErrorsExit1)
{
  EXPECT_TRUE(ExitedWith(RunToExit({}), 2));
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm" }), 2));
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/x", "--bogus" }), 2));
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/x", "--quality", "0" }), 2));
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/x", "--port", "70000" }), 2));
  for (const char* origin : { "viz.example.org", "ftp://viz.example.org", "https://viz.example.org/app",
         "https://user@viz.example.org", "https://viz.example.org:99999", "https://" })
  {
    EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/x", "--allow-origin", origin }), 2)) << origin;
  }
  for (const char* url : { "viz.example.org/app", "ftp://viz.example.org/", "https://viz.example.org/?a=1",
         "https://viz.example.org/#x", "https://user@viz.example.org/" })
  {
    EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/x", "--public-url", url }), 2)) << url;
  }
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/x", "--video-encoder", "vp9" }), 2));
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/x", "--token", "a b" }), 2));
  EXPECT_TRUE(ExitedWith(RunToExit({ "--help" }), 0));
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/renderstream-does-not-exist" }), 1));
  auto segment = renderstream::ipc::StreamSegment::Create(64, 48);
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", segment->Name(), "--bind", "not-an-ip" }), 1));
  EXPECT_EQ(segment->RawHeaderForTesting().ServerState.load(),
    static_cast<std::uint32_t>(renderstream::ipc::ServerStatus::Failed));
}

TEST(ServerLifecycle, GivenTokensAreUsed)
{
  const std::string full(32, 'f'), view(40, 'v');
  ServerProcess server({ "--token", full, "--view-token", view });
  EXPECT_EQ(server.Token, full);
  EXPECT_EQ(server.ViewToken, view);
  EXPECT_EQ(HttpGet(server.Port, "/stats?token=" + full).Status, 200);
}

TEST(ServerLifecycle, GivenTokensNeedAtLeast128Bits)
{
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/x", "--token", "short-secret" }), 2));
  EXPECT_TRUE(ExitedWith(RunToExit({ "--shm", "/x", "--token", std::string(31, 'a') }), 2));
}

namespace
{
// The segment is untrusted input: an application (or anything that can write its segment)
// that points the frame index outside the three slots gets no frame encoded from there. The
// server keeps serving its last good frame and keeps running.
TEST(ServerLifecycle, HostileSlotIndexNeverServesForeignMemory)
{
  ServerProcess server;
  server.PublishPattern(320, 240, 1);
  ASSERT_TRUE(server.WaitEncoded(1));
  const HttpReply before = HttpGet(server.Port, server.Url("/snapshot.jpg", server.Token));
  ASSERT_EQ(before.Status, 200);
  auto& head = server.Segment->RawHeaderForTesting();
  const auto errorsBefore = GetStats(server.Port, server.Token)["frames"]["encodeErrors"].get<int>();
  head.Middle.store(24 | renderstream::ipc::kFreshBit); // "slot 24" of 3: beyond the mapping's slots
  ::sem_post(&head.FrameReady);
  const auto counted = WaitForStats(server.Port, server.Token,
    [&](const nlohmann::json& s) { return s["frames"]["encodeErrors"].get<int>() > errorsBefore; });
  ASSERT_TRUE(renderstream::ipc::ProcessAlive(server.Pid)) << server.Stderr();
  const HttpReply after = HttpGet(server.Port, server.Url("/snapshot.jpg", server.Token));
  EXPECT_EQ(after.Status, 200);
  EXPECT_EQ(after.Body, before.Body) << "the last good frame, not memory outside the slots";
  EXPECT_GT(counted["frames"]["encodeErrors"].get<int>(), errorsBefore) << "the bad frame is counted";
}
} // namespace
