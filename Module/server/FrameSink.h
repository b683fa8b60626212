// What the Broadcaster needs from a streaming session (MJPEG or WebSocket). Every call
// happens on the io_context thread.
#ifndef renderstream_server_FrameSink_h
#define renderstream_server_FrameSink_h

#include "EncodedFrame.h"

#include <cstdint>
#include <string>

namespace renderstream::server
{
struct ClientInfo
{
  std::uint64_t Id = 0;
  std::string Kind;  // "mjpeg" or "websocket"
  std::string Codec = "jpeg"; // or "h264"
  std::string Remote;
  std::string Name; // WebSocket: the viewer's display name
  bool ViewOnly = true;
  std::uint64_t FramesSent = 0;
  std::uint64_t FramesDropped = 0; // replaced while waiting behind a slow write
  std::uint64_t BytesSent = 0;
  std::uint64_t InputAccepted = 0;
  std::uint64_t InputRejected = 0;
  double AgeSeconds = 0;
  // The link (LinkAdapter): estimated kbit/s (0: not limiting), the rendition sent now.
  double LinkKbps = 0;
  int Quality = 0;
  int Divisor = 1;
  bool Slow = false;
  bool Acks = false; // the client acknowledges frames
};

class FrameSink
{
public:
  virtual ~FrameSink() = default;
  /// Takes its level's frame of `set` (LinkAdapter), sends it now if no write is in flight,
  /// else keeps it as the one pending frame (replacing, and counting as dropped, an older one).
  virtual void Deliver(const FrameSetPtr& set) = 0;
  /// A status message for viewers (a JSON text); sessions that cannot carry text ignore it.
  virtual void Notify(const std::string& json) { (void)json; }
  /// Starts a graceful close (server shutdown).
  virtual void Close() = 0;
  virtual ClientInfo Info() const = 0;
};
} // namespace renderstream::server

#endif
