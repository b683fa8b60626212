// Latest-frame-wins fan-out of encoded frames to the streaming sessions. Lives on the
// io_context thread: every member is called from there only, so it needs no lock. Sessions
// are held weakly; each decides itself what to drop (one write in flight, one pending frame).
//
// Slots: at most maxClients sessions; view-only ones never take the last 1/kReservedShare of
// them (at least one), which stay free for full-token clients.
#ifndef renderstream_server_Broadcaster_h
#define renderstream_server_Broadcaster_h

#include "EncodedFrame.h"
#include "FrameSink.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace renderstream::server
{
class Broadcaster
{
public:
  static constexpr std::size_t kReservedShare = 8; // 1/8 of the slots, for full tokens

  /// `onCount` is told the number of sessions after every change (for header.Viewers).
  Broadcaster(std::size_t maxClients, std::function<void(std::size_t)> onCount);

  /// Why a new session from `address` (no port) may not join now (empty: it may). Besides
  /// --max-clients and the full token's reserve, one address may hold at most a quarter of
  /// the slots (at least 4), except loopback: proxies and tunnels connect from there, and
  /// behind them every viewer has their address.
  std::string Refusal(bool fullToken, const std::string& address) const;
  /// Registers a session and returns its id. Callers check Refusal() first.
  std::uint64_t Join(const std::shared_ptr<FrameSink>& sink, bool fullToken, std::string address);
  void Leave(std::uint64_t id);

  /// Hands `set` to every session (each takes its own level) and remembers its level-0 frame
  /// as the latest (for snapshots and new viewers).
  void Publish(const FrameSetPtr& set);
  FramePtr Latest() const { return this->LatestFrame; }

  /// Graceful close of every session (server shutdown).
  void CloseAll();
  /// FrameSink::Notify() to every client.
  void Announce(const std::string& json);
  std::vector<ClientInfo> Clients() const;

private:
  std::vector<std::shared_ptr<FrameSink>> LiveSinks() const;

  struct Entry
  {
    std::weak_ptr<FrameSink> Sink;
    bool FullToken = false;
    std::string Address;
  };

  std::size_t MaxClients;
  std::function<void(std::size_t)> OnCount;
  std::uint64_t NextId = 1;
  std::map<std::uint64_t, Entry> Sinks;
  std::size_t ViewOnly = 0;
  FramePtr LatestFrame;
};
} // namespace renderstream::server

#endif
