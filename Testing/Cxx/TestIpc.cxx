// Module/ipc across two real processes: every test forks, one side of the segment lives in
// the child and the other in the test process. Children never touch GoogleTest; they report
// through their exit status (0 = success, anything else names the failed step) and pipes.
// Every segment name is unlinked by an RAII guard, so a failing test leaves /dev/shm clean.
#include "EventRing.h"
#include "Layout.h"
#include "MediaText.h"
#include "RenderStreamDefaults.h"
#include "SharedMemory.h"
#include "StreamSegment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <functional>
#include <poll.h>
#include <sched.h>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ipc = renderstream::ipc;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace
{
// ---- process plumbing ----

/// Unlinks a segment name at scope exit (ENOENT is fine: the owner already did).
class ShmNameGuard
{
public:
  ShmNameGuard() = default;
  explicit ShmNameGuard(std::string name) : Name(std::move(name)) {}
  ShmNameGuard(const ShmNameGuard&) = delete;
  ShmNameGuard& operator=(const ShmNameGuard&) = delete;
  ~ShmNameGuard()
  {
    if (!this->Name.empty())
    {
      ::shm_unlink(this->Name.c_str());
    }
  }
  void Reset(std::string name) { this->Name = std::move(name); }

private:
  std::string Name;
};

bool ExistsInDevShm(const std::string& name)
{
  std::error_code ec;
  return std::filesystem::exists("/dev/shm" + name, ec); // names start with '/'
}

std::string TestSegmentName(const char* tag)
{
  return "/renderstream-test-" + std::to_string(::getpid()) + "-" + tag;
}

/// A pipe whose ends close on scope exit.
class Pipe
{
public:
  Pipe()
  {
    if (::pipe(this->Fds) != 0)
    {
      throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe()
  {
    this->CloseRead();
    this->CloseWrite();
  }
  void CloseRead() { Close(this->Fds[0]); }
  void CloseWrite() { Close(this->Fds[1]); }

  /// Writes one line (no '\n' inside `text`).
  bool WriteLine(const std::string& text)
  {
    const std::string line = text + "\n";
    return ::write(this->Fds[1], line.data(), line.size()) == static_cast<ssize_t>(line.size());
  }

  /// Reads one line; empty on EOF or when `timeout` passes first.
  std::string ReadLine(std::chrono::milliseconds timeout)
  {
    std::string line;
    const auto deadline = Clock::now() + timeout;
    while (true)
    {
      const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd pfd{ this->Fds[0], POLLIN, 0 };
      if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0)
      {
        return {};
      }
      char c = 0;
      if (::read(this->Fds[0], &c, 1) != 1)
      {
        return {};
      }
      if (c == '\n')
      {
        return line;
      }
      line += c;
    }
  }

  /// Blocks until the writer closes its end (or `timeout` passes).
  void WaitForEof(std::chrono::milliseconds timeout)
  {
    while (!this->ReadLine(timeout).empty())
    {
    }
  }

private:
  static void Close(int& fd)
  {
    if (fd >= 0)
    {
      ::close(fd);
      fd = -1;
    }
  }
  int Fds[2] = { -1, -1 };
};

/// A forked child running `body`; its return value becomes the exit status. A child that is
/// still running when the guard dies is killed, and it is always reaped.
class Child
{
public:
  explicit Child(const std::function<int()>& body)
  {
    std::fflush(nullptr); // do not let the child flush the parent's buffered output again
    this->Pid = ::fork();
    if (this->Pid < 0)
    {
      throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (this->Pid == 0)
    {
      int status = 100;
      try
      {
        status = body();
      }
      catch (const std::exception& e)
      {
        std::fprintf(stderr, "child %d: %s\n", static_cast<int>(::getpid()), e.what());
        status = 101;
      }
      catch (...)
      {
        status = 102;
      }
      std::fflush(nullptr);
      ::_exit(status); // no destructors of the parent's objects, no gtest teardown
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child()
  {
    if (this->Pid > 0)
    {
      ::kill(this->Pid, SIGKILL);
      this->Wait();
    }
  }

  pid_t Id() const { return this->Pid; }
  void Kill(int signal) const { ::kill(this->Pid, signal); }

  /// Reaps the child: its exit status, or 128 + the signal that killed it.
  int Wait()
  {
    int status = 0;
    while (::waitpid(this->Pid, &status, 0) < 0 && errno == EINTR)
    {
    }
    this->Pid = -1;
    if (WIFEXITED(status))
    {
      return WEXITSTATUS(status);
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
  }

private:
  pid_t Pid = -1;
};

/// Polls `done` every millisecond for at most `timeout`.
template <typename Predicate>
bool WaitUntil(Predicate done, std::chrono::milliseconds timeout)
{
  const auto deadline = Clock::now() + timeout;
  while (!done())
  {
    if (Clock::now() > deadline)
    {
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

bool ConsumerAttached(const ipc::StreamSegment& segment)
{
  return segment.RawHeaderForTesting().ConsumerPid.load() != 0;
}

double CpuSeconds()
{
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// ---- frames: every pixel word encodes (sequence, pixel index) ----

constexpr std::uint32_t kMaxWidth = 320;
constexpr std::uint32_t kMaxHeight = 240;
constexpr std::uint64_t kFrames = 5000;

constexpr std::uint32_t FrameWidth(std::uint64_t seq)
{
  return 64 + static_cast<std::uint32_t>(seq * 37 % 257); // 64..320
}
constexpr std::uint32_t FrameHeight(std::uint64_t seq)
{
  return 48 + static_cast<std::uint32_t>(seq * 53 % 193); // 48..240
}
// 320 * 240 pixels fit in 17 bits, 5000 frames in the other 15.
static_assert(kMaxWidth * kMaxHeight <= (1u << 17) && kFrames < (1u << 15));
constexpr std::uint32_t PixelWord(std::uint64_t seq, std::uint32_t index)
{
  return static_cast<std::uint32_t>(seq) << 17 | index;
}

std::uint32_t Fnv1a(const std::uint8_t* bytes, std::size_t count)
{
  std::uint32_t hash = 2166136261u;
  for (std::size_t i = 0; i < count; ++i)
  {
    hash = (hash ^ bytes[i]) * 16777619u;
  }
  return hash == 0 ? 1 : hash; // 0 means "not computed"
}

ipc::FrameInfo ExpectedInfo(std::uint64_t seq)
{
  ipc::FrameInfo info;
  info.Width = FrameWidth(seq);
  info.Height = FrameHeight(seq);
  info.Format = ipc::PixelFormat::BGRA;
  info.BottomUp = static_cast<std::uint32_t>(seq & 1);
  info.CaptureTimeNs = static_cast<std::int64_t>(seq) * 1000;
  info.LastInputTimeNs = static_cast<std::int64_t>(seq) * 1000 - 1;
  return info;
}

/// Writes and publishes frames 1..count; returns an error, empty on success.
std::string ProduceFrames(ipc::StreamSegment& segment, std::uint64_t count)
{
  for (std::uint64_t seq = 1; seq <= count; ++seq)
  {
    ipc::FrameInfo info = ExpectedInfo(seq);
    auto* words = reinterpret_cast<std::uint32_t*>(segment.WritableSlot()); // page aligned
    const std::uint32_t pixels = info.Width * info.Height;
    for (std::uint32_t i = 0; i < pixels; ++i)
    {
      words[i] = PixelWord(seq, i);
    }
    info.Checksum = Fnv1a(segment.WritableSlot(), std::size_t(pixels) * 4);
    const std::uint64_t published = segment.Publish(info);
    if (published != seq)
    {
      return "Publish assigned sequence " + std::to_string(published) + " to frame " +
        std::to_string(seq);
    }
  }
  return {};
}

/// Checks one acquired frame whole; returns an error, empty when it is intact.
std::string VerifyFrame(const ipc::FrameView& view, std::uint64_t previousSeq)
{
  const std::uint64_t seq = view.Info.Sequence;
  const std::string where = "frame " + std::to_string(seq) + ": ";
  if (!view.Pixels)
  {
    return where + "no pixels";
  }
  if (seq <= previousSeq || seq > kFrames)
  {
    return where + "sequence does not increase past " + std::to_string(previousSeq);
  }
  const ipc::FrameInfo expected = ExpectedInfo(seq);
  if (view.Info.Width != expected.Width || view.Info.Height != expected.Height ||
    view.Info.Format != expected.Format || view.Info.BottomUp != expected.BottomUp ||
    view.Info.CaptureTimeNs != expected.CaptureTimeNs ||
    view.Info.LastInputTimeNs != expected.LastInputTimeNs)
  {
    return where + "FrameInfo fields do not match the frame";
  }
  const auto* words = reinterpret_cast<const std::uint32_t*>(view.Pixels);
  const std::uint32_t pixels = view.Info.Width * view.Info.Height;
  for (std::uint32_t i = 0; i < pixels; ++i)
  {
    if (words[i] != PixelWord(seq, i))
    {
      return where + "torn: pixel " + std::to_string(i) + " holds sequence " +
        std::to_string(words[i] >> 17) + " index " + std::to_string(words[i] & 0x1FFFF);
    }
  }
  if (view.Bytes() != std::size_t(pixels) * 4 ||
    Fnv1a(view.Pixels, view.Bytes()) != view.Info.Checksum)
  {
    return where + "checksum mismatch";
  }
  return {};
}

struct ConsumeResult
{
  std::uint64_t Read = 0;
  std::uint64_t LastSequence = 0;
  std::string Error;
};

/// The server's loop: wait, take the newest frame, verify it, until frame kFrames is seen.
ConsumeResult ConsumeFrames(ipc::StreamSegment& segment, std::chrono::milliseconds timeout)
{
  ConsumeResult result;
  const auto deadline = Clock::now() + timeout;
  while (result.LastSequence < kFrames)
  {
    if (Clock::now() > deadline)
    {
      result.Error = "gave up after frame " + std::to_string(result.LastSequence);
      break;
    }
    segment.WaitForFrame(100ms);
    if (!segment.AcquireLatest())
    {
      continue;
    }
    const ipc::FrameView view = segment.Current();
    result.Error = VerifyFrame(view, result.LastSequence);
    if (!result.Error.empty())
    {
      break;
    }
    result.LastSequence = view.Info.Sequence;
    ++result.Read;
  }
  return result;
}

// ---- events ----

ipc::InputEvent MakeEvent(std::uint32_t i)
{
  ipc::InputEvent event;
  event.Type = static_cast<ipc::EventType>(1 + i % 11); // PointerMove..InteractionStyle
  event.Button = static_cast<std::uint8_t>(i % 3);
  event.Modifiers = static_cast<std::uint8_t>(i & 15);
  event.RepeatCount = static_cast<std::uint8_t>(i % 2);
  event.X = float(i) * 0.5f; // exact in a float for the counts used here
  event.Y = float(i) * 0.25f;
  event.Delta = -float(i);
  event.Width = i;
  event.Height = ~i;
  event.TimeNs = std::int64_t(i) * 1000 + 7;
  std::snprintf(event.Key, sizeof(event.Key), "k%u", i);
  std::snprintf(event.Code, sizeof(event.Code), "Code%u", i);
  return event;
}

bool SameEvent(const ipc::InputEvent& a, const ipc::InputEvent& b)
{
  return a.Type == b.Type && a.Button == b.Button && a.Modifiers == b.Modifiers &&
    a.RepeatCount == b.RepeatCount && a.X == b.X && a.Y == b.Y && a.Delta == b.Delta &&
    a.Width == b.Width && a.Height == b.Height && a.TimeNs == b.TimeNs &&
    std::memcmp(a.Key, b.Key, sizeof(a.Key)) == 0 && std::memcmp(a.Code, b.Code, sizeof(a.Code)) == 0;
}

std::string ReadError(const std::function<void()>& action)
{
  try
  {
    action();
  }
  catch (const std::runtime_error& e)
  {
    return e.what();
  }
  return "<no exception>";
}
} // namespace

// ---------------------------------------------------------------------------------------------
// 1. Frames

TEST(IpcFrames, ConsumerReadsOnlyWholeFramesInIncreasingOrderFromProducerProcess)
{
  Pipe names;
  Child producer([&] {
    names.CloseRead();
    auto segment = ipc::StreamSegment::Create(kMaxWidth, kMaxHeight);
    names.WriteLine(segment->Name());
    if (!WaitUntil([&] { return ConsumerAttached(*segment); }, 5000ms))
    {
      return 2;
    }
    const std::string error = ProduceFrames(*segment, kFrames);
    if (!error.empty())
    {
      std::fprintf(stderr, "producer: %s\n", error.c_str());
      return 3;
    }
    return 0; // the segment dies here: Shutdown is set and the name unlinked
  });
  names.CloseWrite();
  const std::string name = names.ReadLine(5000ms);
  ASSERT_FALSE(name.empty()) << "the producer never sent its segment name";
  ShmNameGuard guard(name);

  auto segment = ipc::StreamSegment::Open(name);
  const ConsumeResult result = ConsumeFrames(*segment, 15000ms);

  EXPECT_EQ(producer.Wait(), 0);
  EXPECT_EQ(result.Error, "");
  EXPECT_EQ(result.LastSequence, kFrames) << "the final frame was never seen";
  EXPECT_GT(result.Read, 0u);
  std::printf("[ frames   ] producer child -> consumer parent: %llu of %llu read, %llu skipped\n",
    static_cast<unsigned long long>(result.Read), static_cast<unsigned long long>(kFrames),
    static_cast<unsigned long long>(kFrames - result.Read));
  RecordProperty("FramesRead", static_cast<int>(result.Read));
  EXPECT_FALSE(ExistsInDevShm(name)) << "the producer's exit must unlink " << name;
}

TEST(IpcFrames, ConsumerProcessReadsOnlyWholeFramesInIncreasingOrderFromProducer)
{
  auto segment = ipc::StreamSegment::Create(kMaxWidth, kMaxHeight);
  const std::string name = segment->Name();
  Pipe report;
  Child consumer([&] {
    report.CloseRead();
    auto view = ipc::StreamSegment::Open(name);
    const ConsumeResult result = ConsumeFrames(*view, 15000ms);
    report.WriteLine(std::to_string(result.Read) + " " + std::to_string(result.LastSequence) +
      " " + result.Error);
    return result.Error.empty() && result.LastSequence == kFrames ? 0 : 2;
  });
  report.CloseWrite();
  ASSERT_TRUE(WaitUntil([&] { return ConsumerAttached(*segment); }, 5000ms));

  EXPECT_EQ(ProduceFrames(*segment, kFrames), "");
  const std::string line = report.ReadLine(15000ms);
  EXPECT_EQ(consumer.Wait(), 0) << "consumer reported: " << line;

  unsigned long long read = 0;
  unsigned long long last = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "%llu %llu", &read, &last), 2) << line;
  EXPECT_EQ(last, kFrames);
  EXPECT_GT(read, 0u);
  std::printf("[ frames   ] producer parent -> consumer child: %llu of %llu read, %llu skipped\n",
    read, static_cast<unsigned long long>(kFrames),
    static_cast<unsigned long long>(kFrames) - read);
}

TEST(IpcFrames, NoFrameIsVisibleBeforeTheFirstPublish)
{
  auto segment = ipc::StreamSegment::Create(64, 48);
  const std::string name = segment->Name();
  Child consumer([&] {
    auto view = ipc::StreamSegment::Open(name);
    return !view->AcquireLatest() && view->Current().Pixels == nullptr ? 0 : 2;
  });
  EXPECT_EQ(consumer.Wait(), 0);
}

// ---------------------------------------------------------------------------------------------
// 2. Events

TEST(IpcEvents, RenderSideReceivesEveryEventInOrderWithItsFields)
{
  constexpr std::uint32_t kEvents = 3 * ipc::kEventCapacity + 17; // wraps the ring 3 times
  auto segment = ipc::StreamSegment::Create(64, 48);
  const std::string name = segment->Name();
  Pipe report;
  Child server([&] {
    report.CloseRead();
    auto view = ipc::StreamSegment::Open(name);
    std::uint64_t refused = 0;
    const auto deadline = Clock::now() + 10s;
    for (std::uint32_t i = 0; i < kEvents;)
    {
      if (view->Events().TryPush(MakeEvent(i)))
      {
        ++i;
        continue;
      }
      ++refused; // full: the render side has not caught up yet
      if (Clock::now() > deadline)
      {
        return 2;
      }
      sched_yield();
    }
    report.WriteLine(std::to_string(refused));
    return view->Events().Overflows() == refused ? 0 : 3;
  });
  report.CloseWrite();

  std::uint32_t received = 0;
  std::string mismatch;
  const auto deadline = Clock::now() + 10s;
  while (received < kEvents && mismatch.empty() && Clock::now() < deadline)
  {
    ipc::InputEvent event;
    if (!segment->Events().TryPop(event))
    {
      sched_yield();
      continue;
    }
    if (!SameEvent(event, MakeEvent(received)))
    {
      mismatch = "event " + std::to_string(received) + " (key '" + event.Key + "') is wrong";
    }
    ++received;
  }
  const std::string refused = report.ReadLine(10000ms);

  EXPECT_EQ(server.Wait(), 0);
  EXPECT_EQ(mismatch, "");
  EXPECT_EQ(received, kEvents);
  ipc::InputEvent extra;
  EXPECT_FALSE(segment->Events().TryPop(extra)) << "more events than were pushed";
  EXPECT_EQ(std::to_string(segment->Events().Overflows()), refused)
    << "refused pushes must be counted as overflows, visible to both processes";
}

TEST(IpcEvents, PushesBeyondCapacityFailAndAreCountedExactly)
{
  constexpr std::uint32_t kDropped = 37;
  auto segment = ipc::StreamSegment::Create(64, 48);
  const std::string name = segment->Name();
  const std::uint32_t capacity = segment->Events().Capacity();
  ASSERT_EQ(capacity, ipc::kEventCapacity);
  Child server([&] {
    auto view = ipc::StreamSegment::Open(name);
    for (std::uint32_t i = 0; i < capacity + kDropped; ++i)
    {
      const bool accepted = view->Events().TryPush(MakeEvent(i));
      if (accepted != (i < capacity))
      {
        return 2; // exactly the first `capacity` pushes must succeed
      }
    }
    return 0;
  });
  ASSERT_EQ(server.Wait(), 0);

  EXPECT_EQ(segment->Events().Overflows(), kDropped);
  for (std::uint32_t i = 0; i < capacity; ++i)
  {
    ipc::InputEvent event;
    ASSERT_TRUE(segment->Events().TryPop(event)) << "event " << i << " missing";
    ASSERT_TRUE(SameEvent(event, MakeEvent(i))) << "event " << i << " is wrong";
  }
  ipc::InputEvent dropped;
  EXPECT_FALSE(segment->Events().TryPop(dropped)) << "a dropped event was delivered";
}

// ---------------------------------------------------------------------------------------------
// 3. Open() verifies the segment and says which check failed

// A SharedText rewritten by another process: a child maps the segment and writes A and B in
// turn 200000 times, then Last; this process reads (`read`) until it sees LastAsRead (Last cut
// to its field) or 30 s pass. What was read, each text once.
struct Rewrites
{
  std::string A, B, Last, LastAsRead;
};

std::set<std::string> ReadWhileAChildRewrites(const std::string& name, const Rewrites& texts,
  const std::function<void(ipc::StreamSegment&, const std::string&)>& write,
  const std::function<std::string()>& read)
{
  Child writer([&] {
    auto view = ipc::StreamSegment::Open(name);
    for (int i = 0; i < 200000; ++i)
    {
      write(*view, i % 2 ? texts.B : texts.A);
    }
    write(*view, texts.Last);
    return 0;
  });
  std::set<std::string> seen;
  const auto deadline = Clock::now() + 30s;
  while (seen.count(texts.LastAsRead) == 0 && Clock::now() < deadline)
  {
    seen.insert(read());
  }
  EXPECT_EQ(writer.Wait(), 0);
  EXPECT_TRUE(seen.count(texts.LastAsRead));
  for (const std::string& text : seen)
  {
    EXPECT_TRUE(text.empty() || text == texts.A || text == texts.B || text == texts.LastAsRead) << text;
  }
  return seen;
}

// The driver's name crosses from the server process whole: a reader racing a writer that
// alternates two names of different lengths only ever sees one of them (or nobody, at first).
TEST(IpcDriverName, ReadersSeeWholeNamesWhileTheServerRewritesThem)
{
  auto segment = ipc::StreamSegment::Create(64, 48);
  EXPECT_EQ(segment->DriverName(), "");
  const Rewrites names{ "Ada Lovelace", "Zo\xC3\xAB \xC3\x98" "degard <b>the second</b>",
    std::string(200, 'x'), std::string(ipc::kDriverNameBytes - 1, 'x') }; // cut to the field
  ReadWhileAChildRewrites(
    segment->Name(), names, [](ipc::StreamSegment& server, const std::string& name) { server.SetDriverName(name); },
    [&] { return segment->DriverName(); });
}

// ---------------------------------------------------------------------------------------------
// Recording and publishing (issue 27): the application's request, the server's answer

// Every write of the file to record to is a new request the server can tell from the last
// one, the same path again too (a new recording); "" is a request too (stop).
TEST(IpcMedia, EachRecordFileWriteIsANewVersionTheServerSees)
{
  auto app = ipc::StreamSegment::Create(64, 48);
  auto server = ipc::StreamSegment::Open(app->Name()); // a second mapping, as the server's
  const auto nothing = server->RecordFile();
  EXPECT_EQ(nothing.Text, "");
  std::set<std::uint32_t> versions{ nothing.Version };
  for (const std::string path : { "/tmp/a.mp4", "/tmp/a.mp4", "", "/tmp/b \xC3\xA9t\xC3\xA9.mp4" })
  {
    app->SetRecordFile(path);
    const auto seen = server->RecordFile();
    EXPECT_EQ(seen.Text, path);
    EXPECT_TRUE(versions.insert(seen.Version).second) << "version " << seen.Version << " again, for '" << path << "'";
  }
  // A path longer than the field is cut before the character that would not fit whole.
  const std::string tooLong = "/" + std::string(ipc::kRecordFileBytes - 3, 'a') + "\xC3\xA9"; // 1024 bytes
  app->SetRecordFile(tooLong);
  EXPECT_EQ(server->RecordFile().Text, tooLong.substr(0, ipc::kRecordFileBytes - 2));
}

// A server polling while the application rewrites the path sees whole paths only, and their
// version never goes back. (A read that keeps finding the writer mid-write gives up with
// version 0 and no text: "nothing readable now", which the server must not take for a
// request; this test's writer, rewriting without pause, causes a few of those.)
TEST(IpcMedia, AServerPollingWhileTheAppRewritesSeesWholePathsAndGrowingVersions)
{
  auto server = ipc::StreamSegment::Create(64, 48); // here the child plays the application
  const Rewrites paths{ "/tmp/recording.mp4", "/home/ada/Videos/RenderStream/paraview-2026-12-06_05-40-12.mp4",
    "/tmp/last.mp4", "/tmp/last.mp4" };
  std::uint32_t newest = 0;
  std::vector<std::string> backwards;
  ReadWhileAChildRewrites(
    server->Name(), paths, [](ipc::StreamSegment& app, const std::string& path) { app.SetRecordFile(path); },
    [&] {
      const auto seen = server->RecordFile();
      if (seen.Version != 0 && seen.Version < newest)
      {
        backwards.push_back(std::to_string(seen.Version) + " after " + std::to_string(newest));
      }
      newest = std::max(newest, seen.Version);
      return seen.Text;
    });
  EXPECT_GT(newest, 0u);
  EXPECT_TRUE(backwards.empty()) << backwards.front();
}

// What the server writes about its recording and its publisher reaches the application as
// written; a publisher state the application does not know (a corrupt or newer server) is off.
TEST(IpcMedia, TheServersRecordingAndPublisherStateReachTheApplication)
{
  auto app = ipc::StreamSegment::Create(64, 48);
  auto server = ipc::StreamSegment::Open(app->Name());
  const auto idle = app->Media();
  EXPECT_FALSE(idle.Recording);
  EXPECT_EQ(idle.RecordedBytes, 0u);
  EXPECT_EQ(idle.Publishing, ipc::PublishStatus::Off);
  EXPECT_EQ(idle.Message, "");

  const std::string refused = "publishing to rtmp://127.0.0.1:1935 failed: Connection refused; retrying in 2 s";
  server->SetRecording(true, 4300000, 12300);
  server->SetPublishing(ipc::PublishStatus::Reconnecting, 777);
  server->SetMediaMessage(refused);
  auto media = app->Media();
  EXPECT_TRUE(media.Recording);
  EXPECT_EQ(media.RecordedBytes, 4300000u);
  EXPECT_EQ(media.RecordedMs, 12300);
  EXPECT_EQ(media.Publishing, ipc::PublishStatus::Reconnecting);
  EXPECT_EQ(media.PublishedBytes, 777u);
  EXPECT_EQ(media.Message, refused);

  // A recording that stopped keeps its figures; the message says why.
  server->SetRecording(false, 4400000, 12500);
  server->SetPublishing(ipc::PublishStatus::Connected, 9000);
  server->SetMediaMessage("the --record-max-mib bound (4096 MiB) is reached");
  media = app->Media();
  EXPECT_FALSE(media.Recording);
  EXPECT_EQ(media.RecordedBytes, 4400000u);
  EXPECT_EQ(media.RecordedMs, 12500);
  EXPECT_EQ(media.Publishing, ipc::PublishStatus::Connected);
  EXPECT_EQ(media.Message, "the --record-max-mib bound (4096 MiB) is reached");

  server->RawHeaderForTesting().Publishing.store(77);
  EXPECT_EQ(app->Media().Publishing, ipc::PublishStatus::Off);
}

TEST(IpcOpen, MissingSegmentThrowsNamingIt)
{
  const std::string name = TestSegmentName("missing");
  const std::string error = ReadError([&] { ipc::StreamSegment::Open(name); });
  EXPECT_NE(error.find(name), std::string::npos) << error;
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}

TEST(IpcOpen, WrongMagicThrowsSayingBadMagic)
{
  const std::string name = TestSegmentName("magic");
  auto raw = ipc::SharedMemory::Create(name, 64 * 1024); // zeroed: no magic
  Child opener([&] {
    const std::string error = ReadError([&] { ipc::StreamSegment::Open(name); });
    return error.find("bad magic number") != std::string::npos &&
        error.find(name) != std::string::npos
      ? 0
      : 2;
  });
  EXPECT_EQ(opener.Wait(), 0);
  // The same check in this process, for a readable failure message.
  const std::string error = ReadError([&] { ipc::StreamSegment::Open(name); });
  EXPECT_NE(error.find("bad magic number"), std::string::npos) << error;
  EXPECT_NE(error.find(name), std::string::npos) << error;
}

TEST(IpcOpen, WrongLayoutVersionThrowsNamingBothVersions)
{
  const std::string name = TestSegmentName("version");
  auto raw = ipc::SharedMemory::Create(name, 64 * 1024);
  auto* head = static_cast<ipc::SegmentHeader*>(raw.Data());
  head->Magic = ipc::kMagic;
  head->Version = ipc::kLayoutVersion + 41;
  const std::string error = ReadError([&] { ipc::StreamSegment::Open(name); });
  EXPECT_NE(error.find("layout version " + std::to_string(ipc::kLayoutVersion + 41)),
    std::string::npos)
    << error;
  EXPECT_NE(error.find("speaks version " + std::to_string(ipc::kLayoutVersion)), std::string::npos)
    << error;
  EXPECT_NE(error.find(name), std::string::npos) << error;
}

TEST(IpcOpen, TruncatedSegmentThrowsSayingItsSizeDisagrees)
{
  // A valid header copied into a mapping one page shorter than the header says.
  auto real = ipc::StreamSegment::Create(64, 48);
  const std::size_t total = real->RawHeaderForTesting().TotalSize;
  const std::string name = TestSegmentName("truncated");
  auto raw = ipc::SharedMemory::Create(name, total - ipc::kPageSize);
  std::memcpy(raw.Data(), &real->RawHeaderForTesting(), ipc::kPageSize);
  const std::string error = ReadError([&] { ipc::StreamSegment::Open(name); });
  EXPECT_NE(error.find("size fields disagree with its " + std::to_string(total - ipc::kPageSize) +
              " bytes"),
    std::string::npos)
    << error;
  EXPECT_NE(error.find(name), std::string::npos) << error;
}

TEST(IpcOpen, SegmentSmallerThanTheHeaderThrowsSayingItsSize)
{
  const std::string name = TestSegmentName("tiny");
  auto raw = ipc::SharedMemory::Create(name, 100);
  const std::string error = ReadError([&] { ipc::StreamSegment::Open(name); });
  EXPECT_NE(error.find("only 100 bytes"), std::string::npos) << error;
  EXPECT_NE(error.find(name), std::string::npos) << error;
}

// A valid header in a raw segment of the right size, for tests that corrupt it before Open().
struct CopiedHeader
{
  explicit CopiedHeader(const char* what)
    : Real(ipc::StreamSegment::Create(64, 48))
    , Name(TestSegmentName(what))
    , Raw(ipc::SharedMemory::Create(this->Name, this->Real->RawHeaderForTesting().TotalSize))
  {
    std::memcpy(this->Raw.Data(), &this->Real->RawHeaderForTesting(), ipc::kPageSize);
  }
  ipc::SegmentHeader& Head() { return *static_cast<ipc::SegmentHeader*>(this->Raw.Data()); }
  std::unique_ptr<ipc::StreamSegment> Real;
  std::string Name;
  ipc::SharedMemory Raw;
};

TEST(IpcOpen, SizeFieldsThatWouldWrapOrPointOutsideAreRefused)
{
  const std::vector<std::pair<const char*, std::function<void(ipc::SegmentHeader&)>>> corruptions = {
    { "huge width", [](ipc::SegmentHeader& h) { h.MaxWidth = 0xFFFFFFFFu; } },
    { "slot bytes that wrap", [](ipc::SegmentHeader& h) { h.SlotBytes = 1ULL << 62; } },
    { "slots offset that wraps", [](ipc::SegmentHeader& h) { h.SlotsOffset = ~0ULL - ipc::kPageSize + 1; } },
    { "events offset near the end", [](ipc::SegmentHeader& h) { h.EventsOffset = h.TotalSize - ipc::kPageSize; } },
    { "events offset that wraps", [](ipc::SegmentHeader& h) { h.EventsOffset = ~0ULL - ipc::kPageSize + 1; } },
    { "unaligned events", [](ipc::SegmentHeader& h) { h.EventsOffset += 8; } },
  };
  for (const auto& [what, corrupt] : corruptions)
  {
    CopiedHeader copy(what);
    corrupt(copy.Head());
    const std::string error = ReadError([&] { ipc::StreamSegment::Open(copy.Name); });
    EXPECT_NE(error.find("is not a RenderStream segment"), std::string::npos) << what << ": " << error;
  }
}

// A peer that rewrites the shared indices or the header after Open() gets no frame, never
// another part of memory.
TEST(IpcHostile, OutOfRangeSlotIndicesGiveNoFrame)
{
  auto producer = ipc::StreamSegment::Create(64, 48);
  auto consumer = ipc::StreamSegment::Open(producer->Name());
  ipc::FrameInfo info;
  info.Width = 64;
  info.Height = 48;
  ASSERT_NE(producer->Publish(info), 0u);
  ASSERT_TRUE(consumer->AcquireLatest());
  ASSERT_NE(consumer->Current().Pixels, nullptr);

  producer->RawHeaderForTesting().Middle.store(24 | ipc::kFreshBit); // "slot 24" of 3
  EXPECT_TRUE(consumer->AcquireLatest());
  EXPECT_EQ(consumer->Current().Pixels, nullptr) << "slot 24 does not exist";

  producer->RawHeaderForTesting().ProducerSlot.store(7);
  EXPECT_EQ(producer->WritableSlot(), nullptr);
  EXPECT_EQ(producer->Publish(info), 0u) << "nothing is published from slot 7";
}

TEST(IpcHostile, HeaderRewrittenAfterOpenChangesNoCheckedValue)
{
  auto producer = ipc::StreamSegment::Create(64, 48);
  auto consumer = ipc::StreamSegment::Open(producer->Name());
  auto& head = producer->RawHeaderForTesting();
  head.MaxWidth = 16384;
  head.MaxHeight = 16384;
  head.SlotBytes = 1ULL << 40;
  head.SlotsOffset = 1ULL << 40;
  EXPECT_EQ(consumer->MaxWidth(), 64u);
  EXPECT_EQ(consumer->MaxHeight(), 48u);
  EXPECT_EQ(consumer->SlotBytes(), producer->SlotBytes());
  ipc::FrameInfo huge;
  huge.Width = 16384; // larger than the slot validated at Open()
  huge.Height = 16384;
  ASSERT_NE(producer->Publish(huge), 0u);
  ASSERT_TRUE(consumer->AcquireLatest());
  EXPECT_EQ(consumer->Current().Pixels, nullptr) << "a frame larger than its slot is not read";
}

// ---------------------------------------------------------------------------------------------
// 4. Cleanup

TEST(IpcCleanup, ConsumerNoticesKilledCreatorAndItsUnlinkLeavesNothingInDevShm)
{
  Pipe names;
  Child creator([&] {
    names.CloseRead();
    auto segment = ipc::StreamSegment::Create(64, 48);
    names.WriteLine(segment->Name());
    ::pause(); // until SIGKILL: no destructor, no unlink
    return 2;
  });
  names.CloseWrite();
  const std::string name = names.ReadLine(5000ms);
  ASSERT_FALSE(name.empty()) << "the creator never sent its segment name";
  ShmNameGuard guard(name);

  auto segment = ipc::StreamSegment::Open(name);
  EXPECT_TRUE(segment->PeerAlive());
  EXPECT_EQ(segment->RawHeaderForTesting().ProducerPid.load(), creator.Id());

  creator.Kill(SIGKILL);
  EXPECT_EQ(creator.Wait(), 128 + SIGKILL); // reaped: a zombie would still answer kill(pid, 0)
  EXPECT_FALSE(segment->PeerAlive());
  EXPECT_FALSE(segment->ShutdownRequested()) << "a crash is not an orderly shutdown";
  EXPECT_TRUE(ExistsInDevShm(name)) << "a killed creator cannot have unlinked its segment";

  segment->Unlink();
  EXPECT_FALSE(ExistsInDevShm(name));
}

TEST(IpcCleanup, CreatorExitUnlinksItsSegmentAndWakesTheWaitingConsumer)
{
  Pipe names;
  Child creator([&] {
    names.CloseRead();
    auto segment = ipc::StreamSegment::Create(64, 48);
    names.WriteLine(segment->Name());
    if (!WaitUntil([&] { return ConsumerAttached(*segment); }, 5000ms))
    {
      return 2;
    }
    std::this_thread::sleep_for(100ms); // let the consumer fall asleep (not required)
    return 0; // destruction: Shutdown, wake-up, unlink
  });
  names.CloseWrite();
  const std::string name = names.ReadLine(5000ms);
  ASSERT_FALSE(name.empty()) << "the creator never sent its segment name";
  ShmNameGuard guard(name);

  auto segment = ipc::StreamSegment::Open(name);
  const auto start = Clock::now();
  const bool frame = segment->WaitForFrame(10s);
  const auto waited = Clock::now() - start;

  EXPECT_FALSE(frame) << "nothing was published";
  EXPECT_TRUE(segment->ShutdownRequested());
  EXPECT_LT(waited, 5s) << "the creator's exit must wake the consumer, not its timeout";
  EXPECT_EQ(creator.Wait(), 0);
  EXPECT_FALSE(ExistsInDevShm(name)) << "the creator's destructor must unlink " << name;
  EXPECT_FALSE(segment->PeerAlive());
}

// ---------------------------------------------------------------------------------------------
// 5. Idle waiting

TEST(IpcWait, IdleConsumerSleepsWithoutUsingCpu)
{
  Pipe names;
  Pipe hold; // the creator lives until this test closes its write end
  Child creator([&] {
    names.CloseRead();
    hold.CloseWrite();
    auto segment = ipc::StreamSegment::Create(kMaxWidth, kMaxHeight);
    names.WriteLine(segment->Name());
    hold.WaitForEof(10000ms);
    return 0;
  });
  names.CloseWrite();
  hold.CloseRead();
  const std::string name = names.ReadLine(5000ms);
  ASSERT_FALSE(name.empty()) << "the creator never sent its segment name";
  ShmNameGuard guard(name);

  auto segment = ipc::StreamSegment::Open(name);
  const double cpuBefore = CpuSeconds();
  const bool frame = segment->WaitForFrame(300ms);
  const double cpu = CpuSeconds() - cpuBefore;

  EXPECT_FALSE(frame);
  EXPECT_LT(cpu, 0.050) << "a 300 ms idle wait used " << cpu * 1000 << " ms of CPU";
  hold.CloseWrite();
  EXPECT_EQ(creator.Wait(), 0);
}

TEST(IpcWait, IdleWaitAfterFramesTakenWithoutWaitingStillSleepsUntilItsTimeout)
{
  // A consumer busy with the previous frame finds the next one ready and never sleeps on the
  // semaphore; the producer's wake-ups pile up. A later idle wait must not wake for them.
  constexpr std::uint64_t kTaken = 20;
  auto segment = ipc::StreamSegment::Create(64, 48);
  const std::string name = segment->Name();
  Pipe report;
  Child consumer([&] {
    report.CloseRead();
    auto view = ipc::StreamSegment::Open(name);
    for (std::uint64_t taken = 0; taken < kTaken;)
    {
      if (view->AcquireLatest()) // polled: this consumer never sleeps on the semaphore
      {
        ++taken;
      }
      else
      {
        std::this_thread::sleep_for(200us);
      }
    }
    const auto start = Clock::now();
    const bool frame = view->WaitForFrame(300ms);
    const auto waitedMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    report.WriteLine(std::to_string(waitedMs));
    return frame ? 2 : 0;
  });
  report.CloseWrite();
  ASSERT_TRUE(WaitUntil([&] { return ConsumerAttached(*segment); }, 5000ms));
  for (std::uint64_t seq = 1; seq <= kTaken; ++seq)
  {
    segment->Publish(ExpectedInfo(seq)); // pixels do not matter here
    ASSERT_TRUE(WaitUntil(
      [&] { return !(segment->RawHeaderForTesting().Middle.load() & ipc::kFreshBit); }, 5000ms))
      << "frame " << seq << " was never taken";
  }
  const std::string waitedMs = report.ReadLine(5000ms);
  EXPECT_EQ(consumer.Wait(), 0) << "WaitForFrame reported a frame although none was published";
  // A lower bound only: sem_clockwait cannot return early unless something woke it.
  EXPECT_GE(std::stol("0" + waitedMs), 250) << "the idle wait returned after " << waitedMs
                                            << " ms instead of sleeping until its timeout";
}

TEST(IpcSuite, LeavesNothingInDevShm)
{
  const std::string prefix = "renderstream-";
  const std::string mine = std::to_string(::getpid());
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm"))
  {
    const std::string file = entry.path().filename().string();
    // Only names this test process (or its children, whose pids we cannot list) made:
    // "renderstream-test-<pid>-..." and segments created here "renderstream-<pid>-...".
    EXPECT_NE(file.rfind(prefix + "test-" + mine + "-", 0), 0u) << "leftover /dev/shm/" << file;
    EXPECT_NE(file.rfind(prefix + mine + "-", 0), 0u) << "leftover /dev/shm/" << file;
  }
}

// The README's options table says what RenderStreamDefaults.h holds (the one home of the
// defaults): a default changed in one place only fails here.
TEST(Defaults, TheReadmeOptionsTableAgreesWithTheDefaultsHeader)
{
  namespace d = renderstream::defaults;
  std::ifstream readme(std::string(RENDERSTREAM_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(readme) << "README.md not found";
  // Rows: | `SetX(...)` | `--flag ...` | default | meaning |
  std::map<std::string, std::string> defaults;
  for (std::string line; std::getline(readme, line);)
  {
    if (line.rfind("| `Set", 0) != 0 && line.rfind("| | `--token", 0) != 0)
    {
      continue;
    }
    std::vector<std::string> cells;
    for (std::size_t at = 1, bar; (bar = line.find('|', at)) != std::string::npos; at = bar + 1)
    {
      const std::string cell = line.substr(at, bar - at);
      const auto first = cell.find_first_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, cell.find_last_not_of(' ') - first + 1));
    }
    ASSERT_GE(cells.size(), 3u) << line;
    const std::string key = cells[0].empty() ? cells[1] : cells[0].substr(0, cells[0].find('('));
    defaults[key] = cells[2];
  }
  const auto quoted = [](const std::string& text) { return "`" + text + "`"; };
  EXPECT_EQ(defaults["`SetPort"], std::to_string(d::kPort));
  EXPECT_EQ(defaults["`SetBindAddress"], quoted(d::kBindAddress));
  EXPECT_EQ(defaults["`SetQuality"], std::to_string(d::kQuality));
  EXPECT_EQ(defaults["`SetStillQuality"], std::to_string(d::kStillQuality));
  EXPECT_EQ(defaults["`SetMaxClients"], std::to_string(d::kMaxClients));
  EXPECT_EQ(defaults["`SetVideoEncoder"], quoted(d::kVideoEncoder));
  EXPECT_EQ(defaults["`SetControlMode"], quoted(d::kControlMode));
  EXPECT_EQ(defaults["`SetRecordDirectory"], quoted(d::kRecordDirectory));
  EXPECT_EQ(defaults["`SetRecordMaxMiB"], std::to_string(d::kRecordMaxMiB));
  EXPECT_EQ(defaults["`SetTickInterval"], std::to_string(d::kTickInterval));
  EXPECT_EQ(defaults["`SetRecordDirectory"], quoted(d::kRecordDirectory));
  EXPECT_EQ(defaults["`SetRecordMaxMiB"], std::to_string(d::kRecordMaxMiB));
  EXPECT_NE(defaults["`SetMaxWidth/Height"].find(
              std::to_string(d::kDefaultMaxWidth) + "x" + std::to_string(d::kDefaultMaxHeight)),
    std::string::npos)
    << defaults["`SetMaxWidth/Height"];
  std::ifstream again(std::string(RENDERSTREAM_SOURCE_DIR) + "/README.md");
  const std::string text((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("(" + std::to_string(d::kTokenMinLength) + "-" + std::to_string(d::kTokenMaxLength) +
              " characters: at least 128 bits)"),
    std::string::npos);
  static_assert(sizeof(renderstream::ipc::SegmentHeader::Token) == d::kTokenMaxLength + 1);
}

// The server README's file tables name every file of Module/server and Module/web (a file
// added, renamed or split without its row fails here), and name no file that is gone.
TEST(Docs, TheServerReadmeNamesEveryServerAndPageFile)
{
  namespace fs = std::filesystem;
  const fs::path root(RENDERSTREAM_SOURCE_DIR);
  std::ifstream readme(root / "Module/server/README.md");
  ASSERT_TRUE(readme) << "Module/server/README.md not found";
  std::set<std::string> named; // `Name` in the first cell of a "| file | what |" table's rows
  bool inFileTable = false;
  for (std::string line; std::getline(readme, line);)
  {
    inFileTable = line.rfind("| file |", 0) == 0 || (inFileTable && line.rfind("|", 0) == 0);
    if (!inFileTable || line.rfind("| `", 0) != 0)
    {
      continue;
    }
    const std::string cell = line.substr(1, line.find('|', 1) - 1);
    static const std::regex quoted("`([A-Za-z0-9_.]+)`");
    for (std::sregex_iterator it(cell.begin(), cell.end(), quoted), end; it != end; ++it)
    {
      named.insert((*it)[1]);
    }
  }
  std::set<std::string> files; // Name for Name.h/Name.cxx, the whole name for the rest
  for (const char* dir : { "Module/server", "Module/web" })
  {
    for (const auto& entry : fs::directory_iterator(root / dir))
    {
      const fs::path& path = entry.path();
      const std::string ext = path.extension().string();
      if (ext == ".h" || ext == ".cxx")
      {
        files.insert(path.stem() == "main" || named.count(path.filename().string())
            ? path.filename().string() : path.stem().string());
      }
      else if (ext == ".js" || ext == ".css" || ext == ".html" || ext == ".cmake")
      {
        files.insert(path.filename().string());
      }
    }
  }
  for (const std::string& file : files)
  {
    EXPECT_TRUE(named.count(file)) << "Module/server/README.md has no row for " << file;
  }
  for (const std::string& name : named)
  {
    EXPECT_TRUE(files.count(name)) << "Module/server/README.md names " << name << ", which is not a file of Module/server or Module/web";
  }
}

// What /stats and the app's messages show of a publishing URL: never its user, password, path
// or query (a stream key), whichever side prints it.
TEST(MediaText, APublishingUrlLosesItsSecrets)
{
  using renderstream::ipc::UrlOrigin;
  EXPECT_EQ(UrlOrigin("rtmp://ada:pw@live.example.org:1935/app/KEY"), "rtmp://live.example.org:1935");
  EXPECT_EQ(UrlOrigin("srt://127.0.0.1:8890?streamid=publish:KEY"), "srt://127.0.0.1:8890");
  EXPECT_EQ(UrlOrigin("rtsp://host"), "rtsp://host");
  EXPECT_EQ(UrlOrigin("not a url"), "");
  EXPECT_STREQ(renderstream::ipc::PublishStatusName(static_cast<renderstream::ipc::PublishStatus>(9)), "off");
}
