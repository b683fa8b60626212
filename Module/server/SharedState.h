// What every session shares (CppCon2018's shared_state): options, tokens, the segment, the
// counters and the broadcaster. Lives on the io_context thread except the
// atomics and Stats, which the FrameWatcher thread also touches. No Beast.
#ifndef renderstream_server_SharedState_h
#define renderstream_server_SharedState_h

#include "Broadcaster.h"
#include "ControlRoom.h"
#include "PendingConnections.h"
#include "RefusalLog.h"
#include "Rendition.h"
#include "ServerOptions.h"
#include "ServerStats.h"
#include "StreamSegment.h"

#include <atomic>
#include <string>
#include <string_view>
#include <vector>

namespace renderstream::server
{
class MediaOutputs;
class SnapshotService;

class SharedState
{
public:
  enum class Access
  {
    None,
    View, // frames only
    Full, // frames and input
  };

  SharedState(ServerOptions options, std::string token, std::string viewToken,
    ipc::StreamSegment& segment);

  /// Which access `token` grants (constant-time comparisons). --view-only caps it at View.
  Access Authorize(std::string_view token) const;
  /// WebSocket Origin rule: absent (non-browser client), equal to http(s)://<Host>, or listed
  /// with --allow-origin.
  bool OriginAllowed(std::string_view origin, std::string_view host) const;

  /// DNS-rebinding guard: whether a request's Host header names this server. Allowed: no Host
  /// (HTTP/1.0), any IP address, localhost and *.localhost, this machine's names, and the hosts
  /// of --public-url and --allow-origin. A rebinding page's Host is its own domain name.
  bool HostAllowed(std::string_view host) const;
  /// The viewer page's Content-Security-Policy. Only this server's own pages and the trusted
  /// origins (--allow-origin, --public-url: a notebook, a portal) may frame it.
  const std::string& ViewerPolicy() const { return this->PagePolicy; }
  /// The sign-in page's (framed by the same origins: a framed viewer signs in first).
  const std::string& SignInPolicy() const { return this->SignInPagePolicy; }

  /// Where the viewer page lives: --public-url, else LocalUrl().
  std::string PageUrl() const;
  /// This server's own address as this machine reaches it (a wildcard bind: loopback).
  std::string LocalUrl() const;

  enum class Refused
  {
    Token,      // 401
    Origin,     // 403 on a WebSocket upgrade
    Host,       // 421: a Host header that does not name this server
    MaxClients, // 503
  };
  /// Counts a refusal and logs it with `why` (what happened and how to fix it), once per cause
  /// and client address a minute (RefusalLog). io thread.
  void Refuse(Refused cause, std::string_view peer, const std::string& why);
  /// A streaming session (`kind`: "WebSocket", "MJPEG") of `remote` (address:port) ended with
  /// an error a user may act on: counted, and logged once a minute per error and address.
  void SessionError(std::string_view kind, std::string_view remote, const std::string& why);

  /// A session wrote one frame of `bytes` to `client`: its counters, the totals, the segment's.
  void CountSent(ClientInfo& client, std::size_t bytes);
  /// `frames` of `client` were replaced by newer ones before they were sent.
  void CountDropped(ClientInfo& client, std::size_t frames);
  /// A session ended with `frames` still waiting (or in flight): they were never sent.
  void CountDiscarded(std::size_t frames);

  const ServerOptions Options;
  std::string VideoEncoder; // the H.264 backend in use (H264Encoder::Choose), empty for none; set before serving
  const std::string Token;
  const std::string ViewToken;
  ipc::StreamSegment& Segment;
  ServerStats Stats;
  Broadcaster Frames;
  ControlRoom Room;                           // who drives; io thread only
  SnapshotService* Snapshots = nullptr;      // likewise: /snapshot.jpg?quality= encodes
  MediaOutputs* Media = nullptr;             // the recording and the publication (Server's)
  std::atomic<std::int64_t> LastInputNs{ 0 }; // steady ns of the newest accepted input event
  LevelDemand Demand;                         // rendition levels the viewers use
  bool ShuttingDown = false;                  // io thread only
  std::uint16_t Port = 0;                     // the port it listens on, once it does
  RefusalLog Refusals;                        // io thread only
  PendingConnections Pending;                 // connections without a token yet; io thread only

private:
  std::vector<std::string> KnownHosts; // host names HostAllowed() accepts besides addresses
  std::string PagePolicy;
  std::string SignInPagePolicy;
};
} // namespace renderstream::server

#endif
