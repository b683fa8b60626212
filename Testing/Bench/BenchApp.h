// A real example application (StreamCone, NetworkLayout) started for a bench stage, offscreen,
// with the pid of the server it started (for its CPU time).
#ifndef RenderStream_BenchApp_h
#define RenderStream_BenchApp_h

#include "AppProcess.h"
#include "AppProcess.h"

#include <dirent.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace renderstream::bench
{
/// The renderstream-server whose parent is `app`, or -1.
inline pid_t ServerPidOf(pid_t app)
{
  DIR* proc = ::opendir("/proc");
  pid_t found = -1;
  for (dirent* entry; proc && (entry = ::readdir(proc)) && found < 0;)
  {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (pid > 0 && close != std::string::npos && text.find("(renderstream-se") != std::string::npos)
    {
      std::istringstream rest(text.substr(close + 2));
      std::string state;
      pid_t parent = 0;
      rest >> state >> parent;
      found = parent == app ? pid : -1;
    }
  }
  if (proc)
  {
    ::closedir(proc);
  }
  return found;
}

struct App
{
  /// `extra`: more of the example's options (--record FILE).
  App(const std::string& name, const std::string& size, const std::vector<std::string>& extra = {})
    : Process(Arguments(name, size, extra))
    , Address(testing::ParseReadyLine(this->Process.ReadLine(std::chrono::seconds(30))))
    , Server(ServerPidOf(this->Process.Pid))
  {
    if (this->Address.Port == 0 || this->Server < 0)
    {
      throw std::runtime_error(name + " did not start its server");
    }
  }
  ~App() { ::kill(this->Process.Pid, SIGTERM); }

  static std::vector<std::string> Arguments(const std::string& name, const std::string& size,
    const std::vector<std::string>& extra)
  {
    std::vector<std::string> args{ RENDERSTREAM_BIN_DIR "/" + name, "--offscreen", "--size", size, "--seconds",
      "120", "--max-clients", "120" };
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  testing::AppProcess Process;
  testing::Url Address;
  pid_t Server;
};
} // namespace renderstream::bench

#endif
