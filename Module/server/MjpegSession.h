// One GET /stream.mjpeg client: a multipart/x-mixed-replace response with one JPEG part per
// new frame. At most one write in flight and one pending frame (newer frames replace it);
// a write stuck for kWriteTimeout closes the connection. A player never acknowledges, so it
// is paced by the rate its link has shown (Pacer).
#ifndef renderstream_server_MjpegSession_h
#define renderstream_server_MjpegSession_h

#include "FrameSink.h"
#include "LinkAdapter.h"
#include "Pacer.h"
#include "SharedState.h"

#include "ClientStream.h"

#include <array>
#include <chrono>
#include <memory>

namespace renderstream::server
{
class MjpegSession
  : public FrameSink
  , public std::enable_shared_from_this<MjpegSession>
{
public:
  static constexpr std::chrono::seconds kWriteTimeout{ 10 };

  MjpegSession(ClientStream&& stream, std::shared_ptr<SharedState> state, bool fullToken);
  ~MjpegSession() override;
  /// Joins the broadcaster, writes the response header and the latest frame.
  void Run();

  void Deliver(const FrameSetPtr& set) override;
  void Close() override;
  ClientInfo Info() const override;

private:
  /// Writes the pending frame, once the pacer lets it go.
  void WritePending();
  void WriteFrame(FramePtr frame);
  void OnWrite(boost::beast::error_code ec, std::size_t bytes);
  void WatchForClose();
  /// Ends the session, once: leaves the broadcaster, logs `why` (if not empty) as a session
  /// error, closes the socket (a write in flight then ends with an error).
  void End(const std::string& why);

  ClientStream Stream;
  std::shared_ptr<SharedState> State;
  std::uint64_t Id = 0;
  std::string Remote;
  const bool FullToken;
  std::chrono::steady_clock::time_point Started = std::chrono::steady_clock::now();
  std::string Head;        // response header, then each part's header
  FramePtr InFlight;       // kept alive while its bytes are being written
  FramePtr Pending;        // newest frame not yet written
  LinkAdapter Link;        // what this client's link carries
  Pacer Pacing;
  std::chrono::steady_clock::time_point WriteStart;
  bool Writing = false;
  bool Closed = false;
  std::array<char, 256> Discard; // the client should send nothing; read only to notice EOF
  ClientInfo Counters;
};
} // namespace renderstream::server

#endif
