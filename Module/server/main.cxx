// renderstream-server: serves the frames of one RenderStream shared-memory segment over
// HTTP (MJPEG, snapshots, stats) and WebSocket (frames out, input events in).
//
// Exit codes: 0 clean stop (SIGINT/SIGTERM, or the application set the shutdown flag),
// 1 runtime failure (segment, bind, producer gone), 2 bad command line.
// Only stderr is written: the application that spawned us owns stdout.
#include "Server.h"
#include "ServerOptions.h"
#include "StreamSegment.h"

extern "C"
{
#include <libavutil/log.h>
}

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace renderstream;
using namespace renderstream::server;

namespace
{
std::string RandomToken()
{
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof(bytes))
  {
    const ssize_t n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0)
    {
      if (errno == EINTR)
      {
        continue;
      }
      throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
    }
    got += static_cast<std::size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (const unsigned char b : bytes)
  {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

int Fail(ipc::StreamSegment* segment, const std::string& message)
{
  std::cerr << "renderstream-server: " << message << std::endl;
  if (segment)
  {
    segment->PublishFailure(message);
  }
  return 1;
}
} // namespace

int main(int argc, char** argv)
{
  ServerOptions options;
  std::string error;
  switch (ServerOptions::Parse(argc, argv, options, error))
  {
    case ServerOptions::Outcome::Help:
      return 0;
    case ServerOptions::Outcome::Usage:
    {
      // Spawned by an application (--shm given): its Start() fails with this message too.
      std::unique_ptr<ipc::StreamSegment> segment;
      try
      {
        segment = options.Shm.empty() ? nullptr : ipc::StreamSegment::Open(options.Shm);
      }
      catch (const std::exception&)
      {
      }
      Fail(segment.get(), error);
      return 2;
    }
    case ServerOptions::Outcome::Run:
      break;
  }
  av_log_set_level(AV_LOG_FATAL); // encoder failures are reported by us, in one line each
  // Die with the application that spawned us (it is normally the segment's producer).
  const pid_t parent = ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  // Every viewer is a descriptor: take all the kernel allows us (often 1024 of 524288).
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max)
  {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<ipc::StreamSegment> segment;
  try
  {
    segment = ipc::StreamSegment::Open(options.Shm);
  }
  catch (const std::exception& e)
  {
    return Fail(nullptr, e.what());
  }
  if (!segment->PeerAlive() || ::getppid() != parent)
  {
    segment->Unlink();
    return Fail(segment.get(),
      "the application that created " + options.Shm + " (pid " +
        std::to_string(segment->ProducerPid()) + ") is gone");
  }

  try
  {
    const std::string token = options.Token.empty() ? RandomToken() : options.Token;
    const std::string viewToken = options.ViewToken.empty() ? RandomToken() : options.ViewToken;
    const int exitCode = Server(options, *segment, token, viewToken).Run();
    if (!segment->PeerAlive() || ::getppid() != parent)
    {
      segment->Unlink(); // the creator died: nobody else will remove the name
    }
    return exitCode;
  }
  catch (const std::exception& e)
  {
    return Fail(segment.get(), e.what());
  }
}
