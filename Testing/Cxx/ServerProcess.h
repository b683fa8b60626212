// Test helper: this process plays the VTK application. It creates a real StreamSegment,
// publishes synthetic BGRA bottom-up frames, spawns the real renderstream-server binary and
// waits (bounded) until the server says it is serving. The destructor stops and reaps it.
#ifndef renderstream_Testing_ServerProcess_h
#define renderstream_Testing_ServerProcess_h

#include "StreamSegment.h"
#include "Wait.h"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <fcntl.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace renderstream::testing
{
inline std::string ServerBinary()
{
  return RENDERSTREAM_BIN_DIR "/renderstream-server";
}

/// Displayed (top-down) colour of the test pattern at (x, y) for frame `seq`: top half left
/// red / right blue, bottom half left green / right black; the last 8 displayed rows are a
/// grey level that changes with every frame (so consecutive frames differ).
struct Rgb
{
  std::uint8_t R, G, B;
};
inline Rgb PatternColor(std::uint32_t x, std::uint32_t y, std::uint32_t w, std::uint32_t h, std::uint64_t seq)
{
  if (y + 8 >= h)
  {
    const auto g = static_cast<std::uint8_t>((seq * 37) % 200 + 20);
    return { g, g, g };
  }
  const bool left = x < w / 2;
  if (y < h / 2)
  {
    return left ? Rgb{ 255, 0, 0 } : Rgb{ 0, 0, 255 };
  }
  return left ? Rgb{ 0, 255, 0 } : Rgb{ 0, 0, 0 };
}

/// Spawns `argv` (argv[0] = path) with stderr to `stderrPath` (empty: inherit) and stdout to
/// `stdoutFd` (-1: inherit).
inline pid_t Spawn(const std::vector<std::string>& args, const std::string& stderrPath, int stdoutFd = -1)
{
  std::vector<char*> argv;
  for (const auto& a : args)
  {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!stderrPath.empty())
  {
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  if (stdoutFd >= 0)
  {
    posix_spawn_file_actions_adddup2(&actions, stdoutFd, STDOUT_FILENO);
  }
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
  {
    throw std::runtime_error("cannot spawn " + args[0] + ": " + std::strerror(rc));
  }
  return pid;
}

/// Waits up to `timeout` for `pid`; returns its wait status, or -1 if it is still running.
inline int WaitFor(pid_t pid, std::chrono::milliseconds timeout)
{
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true)
  {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid)
    {
      return status;
    }
    if (r < 0 || std::chrono::steady_clock::now() >= deadline)
    {
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

/// Pids of the live children of `parent` (an app's server).
inline std::vector<pid_t> ChildrenOf(pid_t parent)
{
  std::vector<pid_t> children;
  if (DIR* dir = ::opendir("/proc"))
  {
    while (dirent* entry = ::readdir(dir))
    {
      const pid_t pid = std::atoi(entry->d_name);
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string line;
      if (pid <= 0 || !std::getline(stat, line))
      {
        continue;
      }
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const auto close = line.rfind(')');
      char state = 0;
      int ppid = 0;
      if (close != std::string::npos && std::sscanf(line.c_str() + close + 2, "%c %d", &state, &ppid) == 2 &&
        ppid == parent && state != 'Z')
      {
        children.push_back(pid);
      }
    }
    ::closedir(dir);
  }
  return children;
}

/// VmRSS of `pid` in KiB (0 if unreadable).
inline long RssKiB(pid_t pid)
{
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
  {
    if (line.rfind("VmRSS:", 0) == 0)
    {
      return std::stol(line.substr(6));
    }
  }
  return 0;
}

/// User + system CPU seconds of `pid` so far.
inline double CpuSeconds(pid_t pid)
{
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos)
  {
    return 0;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i)
  {
    if (i == 14 || i == 15)
    {
      ticks += std::stod(field);
    }
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

inline bool ShmExists(const std::string& name)
{
  return ::access(("/dev/shm" + name).c_str(), F_OK) == 0;
}

class ServerProcess
{
public:
  explicit ServerProcess(std::vector<std::string> extraArgs = {}, std::uint32_t maxWidth = 320,
    std::uint32_t maxHeight = 240)
    : Segment(ipc::StreamSegment::Create(maxWidth, maxHeight))
  {
    static int counter = 0;
    this->StderrPath = "/tmp/renderstream-test-" + std::to_string(::getpid()) + "-" +
      std::to_string(counter++) + ".log";
    std::vector<std::string> args = { ServerBinary(), "--shm", this->Segment->Name() };
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    this->Pid = Spawn(args, this->StderrPath);
    const auto ready = this->Segment->WaitForServer(std::chrono::steady_clock::now() + std::chrono::seconds(10), [this] {
      int status = 0;
      return ::waitpid(this->Pid, &status, WNOHANG) != this->Pid;
    });
    if (ready.Status == ipc::ServerStatus::Starting)
    {
      const bool exited = ::kill(this->Pid, 0) != 0;
      if (exited)
      {
        this->Pid = -1;
      }
      throw std::runtime_error(exited ? "renderstream-server exited early: " + this->Stderr()
                                      : std::string("renderstream-server did not start within 10 s"));
    }
    if (ready.Status != ipc::ServerStatus::Serving)
    {
      throw std::runtime_error("renderstream-server failed: " + ready.Error);
    }
    this->Port = ready.Port;
    this->Token = ready.Token;
    this->ViewToken = ready.ViewToken;
  }

  ~ServerProcess()
  {
    if (this->Pid > 0)
    {
      ::kill(this->Pid, SIGTERM);
      if (WaitFor(this->Pid, std::chrono::seconds(3)) == -1)
      {
        ::kill(this->Pid, SIGKILL);
        WaitFor(this->Pid, std::chrono::seconds(3));
      }
    }
    ::unlink(this->StderrPath.c_str());
  }

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  /// Publishes frame number `seq` of the test pattern at w x h (BGRA, bottom-up), captured now.
  std::uint64_t PublishPattern(std::uint32_t w, std::uint32_t h, std::uint64_t seq)
  {
    const std::int64_t captured = ipc::SteadyNowNs();
    std::uint8_t* slot = this->Segment->WritableSlot();
    for (std::uint32_t row = 0; row < h; ++row)
    {
      const std::uint32_t y = h - 1 - row; // bottom-up: memory row 0 is the displayed bottom
      std::uint8_t* p = slot + std::size_t(row) * w * 4;
      for (std::uint32_t x = 0; x < w; ++x, p += 4)
      {
        const Rgb c = PatternColor(x, y, w, h, seq);
        p[0] = c.B;
        p[1] = c.G;
        p[2] = c.R;
        p[3] = 255;
      }
    }
    ipc::FrameInfo info;
    info.Width = w;
    info.Height = h;
    info.Format = ipc::PixelFormat::BGRA;
    info.BottomUp = 1;
    info.CaptureTimeNs = captured;
    return this->Segment->Publish(info);
  }

  /// Waits (up to 3 s) until the server has encoded `count` frames; false on timeout.
  bool WaitEncoded(std::uint64_t count)
  {
    return Eventually(
      std::chrono::seconds(3), [&] { return this->Segment->FramesEncoded() >= count; }, std::chrono::milliseconds(2));
  }

  /// Waits (up to 3 s) until the server's watcher has taken the newest published frame, so
  /// that the next publish is seen as a frame of its own; false on timeout.
  bool WaitTaken()
  {
    return Eventually(
      std::chrono::seconds(3),
      [this] { return !(this->Segment->RawHeaderForTesting().Middle.load() & ipc::kFreshBit); },
      std::chrono::milliseconds(2));
  }

  /// Sends `sig` and waits up to `timeout`; returns the wait status or -1.
  int Signal(int sig, std::chrono::milliseconds timeout)
  {
    ::kill(this->Pid, sig);
    const int status = WaitFor(this->Pid, timeout);
    if (status != -1)
    {
      this->Pid = -1;
    }
    return status;
  }

  std::string Stderr() const
  {
    std::ifstream in(this->StderrPath);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string Url(const std::string& path, const std::string& token) const
  {
    return path + (path.find('?') == std::string::npos ? "?" : "&") + "token=" + token;
  }

  std::unique_ptr<ipc::StreamSegment> Segment;
  pid_t Pid = -1;
  std::uint16_t Port = 0;
  std::string Token;
  std::string ViewToken;
  std::string StderrPath;
};
/// Pops up to `count` of the application's input events, waiting at most `timeout` in total.
inline std::vector<ipc::InputEvent> PopEvents(ServerProcess& server, std::size_t count,
  std::chrono::milliseconds timeout = std::chrono::seconds(2))
{
  std::vector<ipc::InputEvent> events;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (events.size() < count && std::chrono::steady_clock::now() < deadline)
  {
    ipc::InputEvent event;
    if (server.Segment->Events().TryPop(event))
    {
      events.push_back(event);
    }
    else
    {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  return events;
}

/// Pops every event until none came for `quiet`.
inline std::vector<ipc::InputEvent> PopUntilQuiet(ServerProcess& server,
  std::chrono::milliseconds quiet = std::chrono::milliseconds(500))
{
  std::vector<ipc::InputEvent> events;
  for (auto more = PopEvents(server, 1, quiet); !more.empty(); more = PopEvents(server, 1, quiet))
  {
    events.push_back(more.front());
  }
  return events;
}
} // namespace renderstream::testing

#endif
