// Owns the renderstream-server child process: finds the executable, spawns it so that it
// dies with us, and stops it (politely, then firmly).
#ifndef vtkRenderStreamerServerProcess_h
#define vtkRenderStreamerServerProcess_h

#include <string>
#include <sys/types.h>
#include <vector>

class vtkRenderStreamerServerProcess
{
public:
  vtkRenderStreamerServerProcess() = default;
  vtkRenderStreamerServerProcess(const vtkRenderStreamerServerProcess&) = delete;
  vtkRenderStreamerServerProcess& operator=(const vtkRenderStreamerServerProcess&) = delete;
  ~vtkRenderStreamerServerProcess() { this->Stop(); }

  /// The executable to run: `configured` if set, else $RENDERSTREAM_SERVER, else the one
  /// beside this library (build tree: bin/, install tree: bin/ or libexec/), else PATH.
  static std::string Locate(const std::string& configured);

  /// Spawns `executable args...` with our environment plus `environment` ("NAME=value"); its
  /// stdout goes to our stderr (our stdout belongs to the application). Returns false and
  /// sets `error` if fork/exec failed.
  bool Spawn(const std::string& executable, const std::vector<std::string>& args,
    const std::vector<std::string>& environment, std::string& error);

  /// True while the child runs; reaps it (and records how it ended) once it has exited.
  bool IsRunning();
  /// How the child ended, e.g. "exited with status 1", once IsRunning() returned false.
  const std::string& ExitDescription() const { return this->Ending; }

  /// Waits up to `graceMs` for the child to exit by itself, then SIGTERM, then SIGKILL.
  void Stop(int graceMs = 2000);

  pid_t Pid() const { return this->Child; }

private:
  bool Reap(int options);

  pid_t Child = -1;
  std::string Ending;
};

#endif
