#include "Server.h"

#include "H264Encoder.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <stdexcept>

namespace renderstream::server
{
namespace net = boost::asio;

Server::Server(const ServerOptions& options, ipc::StreamSegment& segment, const std::string& token,
  const std::string& viewToken)
  : Segment(segment)
  , State(std::make_shared<SharedState>(options, token, viewToken, segment))
{
  boost::system::error_code ec;
  const auto address = net::ip::make_address(options.Bind, ec);
  if (ec)
  {
    throw std::runtime_error("--bind " + options.Bind + " is not an IP address");
  }
  this->Acceptor = std::make_shared<Listener>(this->Ioc, net::ip::tcp::endpoint(address, options.Port), this->State);
  this->State->Port = this->Acceptor->Port();

  this->State->Stats.ServerRestarts = static_cast<std::uint64_t>(options.Restarts);
  if (options.VideoEncoder != "none")
  {
    std::string why;
    this->State->VideoEncoder = H264Encoder::Choose(options.VideoEncoder, why);
    if (this->State->VideoEncoder.empty() && options.VideoEncoder != "auto")
    {
      throw std::runtime_error("--video-encoder " + options.VideoEncoder + " cannot work here: " + why);
    }
    if (this->State->VideoEncoder.empty())
    {
      std::cerr << "renderstream-server: no H.264 encoder works here (" << why << "); viewers get JPEG" << std::endl;
    }
  }

  // The recording and the publication take level 0's video units on the watcher's thread.
  if (this->State->VideoEncoder.empty() && (!options.RecordFile.empty() || !options.PublishUrl.empty()))
  {
    throw std::runtime_error("--record and --publish need an H.264 encoder, and none works here");
  }
  this->Media.emplace(this->State->Options, !this->State->VideoEncoder.empty(), this->State->Demand,
    this->State->Stats, segment);
  this->State->Media = &*this->Media;

  // Frames: the watcher's thread encodes, the hand-off keeps only the newest for the io thread
  // (whatever its backlog), and the broadcaster sends them there.
  this->Handoff.emplace(this->State->Stats.FramesCoalesced);
  this->Watcher.emplace(segment, this->State->Stats, options.Quality, options.StillQuality,
    this->State->LastInputNs, this->State->Demand, this->State->VideoEncoder,
    [this](FrameSetPtr set) {
      this->Media->Push(*set); // every unit: a recording must not miss one
      if (this->Handoff->Put(std::move(set)))
      {
        net::post(this->Ioc, [this] {
          for (const FrameSetPtr& waiting : this->Handoff->Take())
          {
            this->State->Frames.Publish(waiting);
          }
        });
      }
    },
    [this](FrameWatcher::Exit reason) { this->OnWatcherExit(reason); });
  this->Snapshots.emplace(*this->Watcher, this->State->Stats, segment.MaxWidth(), segment.MaxHeight());
  this->State->Snapshots = &*this->Snapshots;
  this->Media->Start();
}

Server::~Server()
{
  this->Watcher->Stop();
  this->Media->StopAll();
  this->State->Snapshots = nullptr;
}

int Server::Run()
{
  this->Signals.async_wait([this](boost::system::error_code ec, int) {
    if (!ec)
    {
      this->Stop(0);
    }
  });
  // Written before "Serving", so whoever waits for that finds the line already. One write:
  // the app's own stdout often shares this pipe, and lines must not interleave.
  const std::string page = this->State->PageUrl();
  const std::string line = "renderstream-server: serving " + page + "#token=" + this->State->Token +
    " (view-only: " + page + "#token=" + this->State->ViewToken + ")\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  this->Segment.PublishServing(this->Acceptor->Port(), this->State->Token, this->State->ViewToken, page,
    this->State->LocalUrl());

  this->WatchBusy();
  this->WatchMedia();
  this->Acceptor->Run();
  this->Watcher->Start();
  this->Ioc.run();
  this->Watcher->Stop();
  return this->ExitCode;
}

void Server::Stop(int exitCode)
{
  if (this->State->ShuttingDown)
  {
    return;
  }
  this->State->ShuttingDown = true;
  this->ExitCode = exitCode;
  this->Acceptor->Close();
  this->Signals.cancel();
  this->BusyTimer.cancel();
  this->MediaTimer.cancel();
  this->Media->StopAll(); // the recording's end is written before the viewers go
  this->State->Frames.CloseAll();
  this->ForceStop.expires_after(std::chrono::milliseconds(300));
  this->ForceStop.async_wait([this](boost::system::error_code) { this->Ioc.stop(); });
}

void Server::OnWatcherExit(FrameWatcher::Exit reason)
{
  if (reason == FrameWatcher::Exit::Stopped)
  {
    return;
  }
  if (reason == FrameWatcher::Exit::ProducerDied)
  {
    std::cerr << "renderstream-server: the application is gone; stopping" << std::endl;
  }
  // From the watcher's thread: the stop happens on the io thread.
  net::post(this->Ioc, [this, reason] { this->Stop(reason == FrameWatcher::Exit::ProducerDied ? 1 : 0); });
}

void Server::WatchBusy()
{
  this->BusyTimer.expires_after(std::chrono::milliseconds(250));
  this->BusyTimer.async_wait([this](boost::system::error_code ec) {
    if (ec || this->State->ShuttingDown)
    {
      return;
    }
    const int seconds =
      this->Busy.Update(ipc::SteadyNowNs(), this->Segment.AppAliveNs(), this->State->LastInputNs.load());
    if (seconds != this->State->Stats.AppBusySeconds.exchange(seconds))
    {
      this->State->Frames.Announce(nlohmann::json{ { "type", "busy" }, { "seconds", seconds } }.dump());
    }
    this->WatchBusy();
  });
}

void Server::WatchMedia()
{
  this->MediaTimer.expires_after(std::chrono::milliseconds(250));
  this->MediaTimer.async_wait([this](boost::system::error_code ec) {
    if (ec || this->State->ShuttingDown)
    {
      return;
    }
    if (const std::string status = this->Media->Poll(); !status.empty())
    {
      this->State->Frames.Announce(status);
    }
    this->WatchMedia();
  });
}
} // namespace renderstream::server
