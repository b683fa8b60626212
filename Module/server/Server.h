// The running server: its io_context, listener and shared state, the frame watcher and the
// snapshot encoder, and the order in which they start and stop. main() parses the command
// line and opens the segment; this owns everything from there to the exit code.
#ifndef renderstream_server_Server_h
#define renderstream_server_Server_h

#include "AppBusy.h"
#include "FrameHandoff.h"
#include "FrameWatcher.h"
#include "Listener.h"
#include "MediaOutputs.h"
#include "ServerOptions.h"
#include "SharedState.h"
#include "SnapshotService.h"
#include "StreamSegment.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>

namespace renderstream::server
{
class Server
{
public:
  /// Binds and wires everything; throws std::runtime_error with a message for the user (an
  /// address in use, an H.264 encoder that was asked for and cannot work).
  Server(const ServerOptions& options, ipc::StreamSegment& segment, const std::string& token,
    const std::string& viewToken);
  ~Server();

  /// Announces the URLs (stderr and the segment), serves until a signal, the application's
  /// shutdown or its death, and returns the exit code.
  int Run();

private:
  /// Graceful stop on the io thread: no new connections, close frames to every client, then
  /// a moment for them before the loop stops.
  void Stop(int exitCode);
  void OnWatcherExit(FrameWatcher::Exit reason);
  /// A few times a second: is the application too busy to take input? Viewers are told.
  void WatchBusy();
  /// A few times a second: the recording's and publication's news, to the viewers.
  void WatchMedia();

  boost::asio::io_context Ioc{ 1 };
  ipc::StreamSegment& Segment;
  std::shared_ptr<SharedState> State;
  std::shared_ptr<Listener> Acceptor;
  boost::asio::signal_set Signals{ this->Ioc, SIGINT, SIGTERM };
  boost::asio::steady_timer ForceStop{ this->Ioc };
  boost::asio::steady_timer BusyTimer{ this->Ioc };
  boost::asio::steady_timer MediaTimer{ this->Ioc };
  AppBusy Busy;
  std::optional<MediaOutputs> Media;
  std::optional<FrameHandoff> Handoff;
  std::optional<FrameWatcher> Watcher;
  std::optional<SnapshotService> Snapshots;
  int ExitCode = 0;
};
} // namespace renderstream::server

#endif
