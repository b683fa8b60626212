// Paces a viewer that does not acknowledge frames (an MJPEG player, a WebSocket client that
// sends no acks). What such a viewer has not received yet sits in buffers the server cannot
// see (a proxy's, a tunnel's, the path's), and its socket pushes back only once they are full,
// seconds of pictures later. So:
// - The link's rate is measured while the socket pushes back: between two writes that
//   started with our socket full (kUnsentLimit unsent: the buffers beyond are full too) all
//   that was written in between has crossed the link. A slow write alone says little: a
//   receiver opens its window in steps of up to half its buffer.
// - The backlog is modelled: the bytes written, drained since at that rate (LinkAdapter's
//   estimate, which these measurements feed). The next frame goes out once what is ahead of
//   it crosses within kAheadSeconds. The model replays the recent writes at the current
//   estimate, so the backlog built before there was one (the buffers filled at loopback
//   speed) is drained too.
// Lives in its session, on the io thread.
#ifndef renderstream_server_Pacer_h
#define renderstream_server_Pacer_h

#include "LinkAdapter.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <utility>

namespace renderstream::server
{
class Pacer
{
public:
  using Clock = std::chrono::steady_clock;
  static constexpr double kAheadSeconds = 0.25;     // what may be on its way ahead of a frame
  static constexpr double kMemorySeconds = 15;      // the writes the model replays
  static constexpr std::size_t kMaxWrites = 1024;
  static constexpr double kWaitedSeconds = 0.02;    // a write this long waited for the link
  static constexpr double kMeasureSeconds = 1.0;    // the shortest span a rate is measured over
  static constexpr double kEpisodeGapSeconds = 10;  // longer between full sockets: not one episode

  explicit Pacer(const boost::asio::any_io_executor& executor)
    : Timer(executor)
  {
  }

  /// True when the next frame must wait for `link` (see above): `resume` then runs once it
  /// may go, unless the wait is cancelled. True without a new wait while one is on. False:
  /// the frame is written now on `socket` (a native handle: what it has unsent is measured).
  bool Hold(LinkAdapter& link, int socket, std::function<void()> resume);
  /// A frame of `bytes` has left this server, its write from `start` to `now` (`behind`:
  /// another frame waited meanwhile): models it, and tells `link` what it shows of the rate.
  void Wrote(LinkAdapter& link, std::size_t bytes, Clock::time_point start, bool behind,
    Clock::time_point now = Clock::now());
  /// How long the next frame waits at `bytesPerSecond` (none when that is 0: a free link).
  Clock::duration Delay(double bytesPerSecond, Clock::time_point now = Clock::now()) const;
  /// Ends a wait (its `resume` does not run): the session is ending.
  void Cancel() { this->Timer.cancel(); }

private:
  /// A write starts now with `socket` full: measures the rate since the last such instant.
  void Full(LinkAdapter& link, std::size_t unsent, Clock::time_point now);

  std::deque<std::pair<Clock::time_point, std::size_t>> Writes; // the last kMemorySeconds
  std::optional<Clock::time_point> LastFull; // a write started with the socket full
  std::size_t UnsentAtFull = 0;              // what our socket held then
  std::size_t BytesSinceFull = 0;            // written since
  boost::asio::steady_timer Timer;
  bool Waiting = false;
  bool Paced = false; // the frame being written was paced
};
} // namespace renderstream::server

#endif
