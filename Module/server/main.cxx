// renderstream-server: serves the frames of one RenderStream shared-memory segment over
// HTTP (MJPEG, snapshots, stats) and WebSocket (frames out, input events in).
//
// Exit codes: 0 clean stop (SIGINT/SIGTERM, or the application set the shutdown flag),
// 1 runtime failure (segment, bind, producer gone), 2 bad command line.
// Only stderr is written: the application that spawned us owns stdout.
#include "AppBusy.h"
#include "FrameHandoff.h"
#include "FrameWatcher.h"
#include "SnapshotService.h"
#include "H264Encoder.h"
#include "Listener.h"
#include "ServerOptions.h"
#include "SharedState.h"
#include "StreamSegment.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

extern "C"
{
#include <libavutil/log.h>
}

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/random.h>
#include <unistd.h>

namespace net = boost::asio;
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
    std::string viewToken = options.ViewToken.empty() ? RandomToken() : options.ViewToken;
    net::io_context ioc(1);
    boost::system::error_code ec;
    const auto address = net::ip::make_address(options.Bind, ec);
    if (ec)
    {
      return Fail(segment.get(), "--bind " + options.Bind + " is not an IP address");
    }
    auto state = std::make_shared<SharedState>(options, token, viewToken, *segment);
    std::shared_ptr<Listener> listener;
    try
    {
      listener =
        std::make_shared<Listener>(ioc, net::ip::tcp::endpoint(address, options.Port), state);
    }
    catch (const std::exception& e)
    {
      return Fail(segment.get(), e.what());
    }

    int exitCode = 0;
    net::steady_timer forceStop(ioc);
    net::steady_timer busyTimer(ioc); // AppBusy, below
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    // Graceful stop on the io thread: no new connections, close frames to every client,
    // then give them a moment before stopping the loop.
    auto stop = [&](int code) {
      if (state->ShuttingDown)
      {
        return;
      }
      state->ShuttingDown = true;
      exitCode = code;
      listener->Close();
      signals.cancel();
      state->Frames.CloseAll();
      busyTimer.cancel();
      forceStop.expires_after(std::chrono::milliseconds(300));
      forceStop.async_wait([&](boost::system::error_code) { ioc.stop(); });
    };
    signals.async_wait([&](boost::system::error_code e, int) {
      if (!e)
      {
        stop(0);
      }
    });

    if (options.VideoEncoder != "none")
    {
      std::string why;
      state->Stats.VideoEncoder = H264Encoder::Choose(options.VideoEncoder, why);
      if (state->Stats.VideoEncoder.empty() && options.VideoEncoder != "auto")
      {
        return Fail(segment.get(), "--video-encoder " + options.VideoEncoder + " cannot work here: " + why);
      }
      if (state->Stats.VideoEncoder.empty())
      {
        std::cerr << "renderstream-server: no H.264 encoder works here (" << why
                  << "); viewers get JPEG" << std::endl;
      }
    }
    FrameHandoff handoff(state->Stats.FramesCoalesced); // newest only, whatever the io thread's backlog
    FrameWatcher watcher(*segment, state->Stats, options.Quality, options.StillQuality,
      state->LastInputNs, state->Demand, state->Stats.VideoEncoder,
      [&ioc, &handoff, state](FrameSetPtr set) {
        if (handoff.Put(std::move(set)))
        {
          net::post(ioc, [&handoff, state] {
            for (const FrameSetPtr& waiting : handoff.Take())
            {
              state->Frames.Publish(waiting);
            }
          });
        }
      },
      [&ioc, &stop](FrameWatcher::Exit reason) {
        if (reason == FrameWatcher::Exit::Stopped)
        {
          return;
        }
        if (reason == FrameWatcher::Exit::ProducerDied)
        {
          std::cerr << "renderstream-server: the application is gone; stopping" << std::endl;
        }
        net::post(ioc, [&stop, reason] { stop(reason == FrameWatcher::Exit::ProducerDied ? 1 : 0); });
      });
    state->Watcher = &watcher;
    SnapshotService snapshots(watcher, state->Stats, segment->MaxWidth(), segment->MaxHeight());
    state->Snapshots = &snapshots;

    state->Port = listener->Port();
    // Written before "Serving", so whoever waits for that finds the line already. One write:
    // the app's own stdout often shares this pipe, and lines must not interleave.
    const std::string page = state->PageUrl();
    const std::string line = "renderstream-server: serving " + page + "#token=" + token +
      " (view-only: " + page + "#token=" + viewToken + ")\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    segment->PublishServing(listener->Port(), token, viewToken, page, state->LocalUrl());

    // A few times a second: is the application too busy to take input? Viewers are told.
    AppBusy busy;
    std::function<void()> watchBusy = [&] {
      busyTimer.expires_after(std::chrono::milliseconds(250));
      busyTimer.async_wait([&](boost::system::error_code e) {
        if (e || state->ShuttingDown)
        {
          return;
        }
        const int seconds = busy.Update(ipc::SteadyNowNs(), segment->AppAliveNs(), state->LastInputNs.load());
        if (seconds != state->Stats.AppBusySeconds.exchange(seconds))
        {
          state->Frames.Announce(nlohmann::json{ { "type", "busy" }, { "seconds", seconds } }.dump());
        }
        watchBusy();
      });
    };
    watchBusy();

    listener->Run();
    watcher.Start();
    ioc.run();
    watcher.Stop();
    state->Watcher = nullptr;
    state->Snapshots = nullptr;
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
