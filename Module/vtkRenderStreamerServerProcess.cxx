#include "vtkRenderStreamerServerProcess.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace
{
constexpr const char* kServerName = "renderstream-server";

bool IsExecutable(const std::string& path)
{
  return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

// The directory holding the shared library (or executable) this code was linked into.
std::string ThisLibraryDirectory()
{
  Dl_info info = {};
  if (::dladdr(reinterpret_cast<void*>(&ThisLibraryDirectory), &info) == 0 || !info.dli_fname)
  {
    return {};
  }
  std::string path = info.dli_fname;
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}
} // namespace

std::string vtkRenderStreamerServerProcess::Locate(const std::string& configured)
{
  if (!configured.empty())
  {
    return configured;
  }
  if (const char* env = std::getenv("RENDERSTREAM_SERVER"); env && *env)
  {
    return env;
  }
  const std::string libDir = ThisLibraryDirectory();
  if (!libDir.empty())
  {
    for (const char* relative : { "/../bin/", "/../../bin/", "/../libexec/", "/" })
    {
      const std::string candidate = libDir + relative + kServerName;
      if (IsExecutable(candidate))
      {
        return candidate;
      }
    }
  }
  return kServerName; // execvp searches PATH
}

bool vtkRenderStreamerServerProcess::Spawn(const std::string& executable,
  const std::vector<std::string>& args, const std::vector<std::string>& environment, std::string& error)
{
  this->Stop();
  // Everything the child needs is prepared before fork(): after it, only async-signal-safe
  // calls are allowed (the host may be multi-threaded, e.g. ParaView).
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(executable.c_str()));
  for (const auto& arg : args)
  {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp; // ours first: getenv() takes the first of a name
  for (const auto& variable : environment)
  {
    envp.push_back(const_cast<char*>(variable.c_str()));
  }
  for (char** variable = environ; *variable; ++variable)
  {
    envp.push_back(*variable);
  }
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();

  int errorPipe[2];
  if (::pipe2(errorPipe, O_CLOEXEC) != 0)
  {
    error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return false;
  }
  const pid_t child = ::fork();
  if (child < 0)
  {
    error = std::string("cannot fork: ") + std::strerror(errno);
    ::close(errorPipe[0]);
    ::close(errorPipe[1]);
    return false;
  }
  if (child == 0)
  {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM); // the server dies with its parent...
    if (::getppid() != parent)          // ...even if that happened already
    {
      ::_exit(1);
    }
    // Its own process group: a signal sent to the application's group (Ctrl-C, a batch
    // system or mpiexec killing the job) reaches the application only; the server then
    // follows through PDEATHSIG and, as the survivor, removes the shared memory.
    ::setpgid(0, 0);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    ::execvpe(argv[0], argv.data(), envp.data());
    const int err = errno;
    [[maybe_unused]] auto n = ::write(errorPipe[1], &err, sizeof(err));
    ::_exit(127);
  }
  ::close(errorPipe[1]);
  int execErrno = 0;
  const auto n = ::read(errorPipe[0], &execErrno, sizeof(execErrno)); // EOF when exec worked
  ::close(errorPipe[0]);
  this->Child = child;
  this->Ending.clear();
  if (n == sizeof(execErrno))
  {
    this->Reap(0);
    error = "cannot run '" + executable + "': " + std::strerror(execErrno) +
      " (set RENDERSTREAM_SERVER or SetServerExecutable to its path)";
    return false;
  }
  return true;
}

bool vtkRenderStreamerServerProcess::Reap(int options)
{
  int status = 0;
  const pid_t result = ::waitpid(this->Child, &status, options);
  if (result == 0)
  {
    return false; // still running
  }
  if (result == this->Child)
  {
    this->Ending = WIFEXITED(status)
      ? "exited with status " + std::to_string(WEXITSTATUS(status))
      : "was killed by signal " + std::to_string(WTERMSIG(status));
  }
  this->Child = -1;
  return true;
}

bool vtkRenderStreamerServerProcess::IsRunning()
{
  return this->Child > 0 && !this->Reap(WNOHANG);
}

void vtkRenderStreamerServerProcess::Stop(int graceMs)
{
  using Clock = std::chrono::steady_clock;
  const auto waitFor = [this](Clock::duration limit) {
    const auto deadline = Clock::now() + limit;
    while (this->IsRunning() && Clock::now() < deadline)
    {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return this->Child <= 0;
  };
  if (this->Child <= 0 || waitFor(std::chrono::milliseconds(graceMs)))
  {
    return;
  }
  ::kill(this->Child, SIGTERM);
  if (!waitFor(std::chrono::seconds(2)))
  {
    ::kill(this->Child, SIGKILL);
    this->Reap(0);
  }
}
