// An application process (an example, a test host) with its stdout on a pipe: tests read
// its ready line, parse the URL, and read what it printed when it exited.
#ifndef RenderStream_AppProcess_h
#define RenderStream_AppProcess_h

#include "ServerProcess.h"

#include <fcntl.h>
#include <poll.h>
#include <regex>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace renderstream::testing
{
class AppProcess
{
public:
  explicit AppProcess(const std::vector<std::string>& args)
  {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) // the child gets the write end through dup2 only
    {
      throw std::runtime_error("pipe2 failed");
    }
    this->Pid = Spawn(args, /*stderrPath=*/"", out[1]);
    ::close(out[1]);
    this->Out = out[0];
  }
  AppProcess(AppProcess&& other) noexcept
    : Pid(std::exchange(other.Pid, -1))
    , Out(std::exchange(other.Out, -1))
  {
  }
  AppProcess(const AppProcess&) = delete;
  AppProcess& operator=(const AppProcess&) = delete;
  ~AppProcess()
  {
    if (this->Pid > 0 && WaitFor(this->Pid, std::chrono::milliseconds(0)) == -1)
    {
      ::kill(this->Pid, SIGKILL);
      ::waitpid(this->Pid, nullptr, 0);
    }
    if (this->Out >= 0)
    {
      ::close(this->Out);
    }
  }

  /// The next stdout line, or "" after `timeout`.
  std::string ReadLine(std::chrono::seconds timeout)
  {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char c = 0;
    while (std::chrono::steady_clock::now() < deadline)
    {
      pollfd fd{ this->Out, POLLIN, 0 };
      if (::poll(&fd, 1, 100) == 1)
      {
        if (::read(this->Out, &c, 1) != 1)
        {
          break;
        }
        if (c == '\n')
        {
          return line;
        }
        line += c;
      }
    }
    return {};
  }
  /// Waits up to `timeout` for the process to exit; its wait status, or -1 if it still runs.
  int Wait(std::chrono::milliseconds timeout)
  {
    const int status = WaitFor(this->Pid, timeout);
    if (status != -1)
    {
      this->Pid = -1;
    }
    return status;
  }
  /// Everything the process printed after the lines read so far, once it has exited.
  std::string RestOfOutput()
  {
    std::string rest;
    char chunk[256];
    ssize_t n = 0;
    while ((n = ::read(this->Out, chunk, sizeof(chunk))) > 0)
    {
      rest.append(chunk, static_cast<std::size_t>(n));
    }
    return rest;
  }

  pid_t Pid = -1;
  int Out = -1;
};

struct Url
{
  std::uint16_t Port = 0;
  std::string Token;
};

inline Url ParseReadyLine(const std::string& line)
{
  static const std::regex ready(R"(^RenderStream: serving http://127\.0\.0\.1:(\d+)/#token=([0-9a-f]{16,})$)");
  std::smatch match;
  Url url;
  if (std::regex_match(line, match, ready))
  {
    url.Port = static_cast<std::uint16_t>(std::stoi(match[1]));
    url.Token = match[2];
  }
  return url;
}
} // namespace renderstream::testing

#endif
