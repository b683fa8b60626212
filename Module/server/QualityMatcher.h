// Keeps the H.264 rungs at the picture quality of the JPEG rungs they replace, measured on the
// content being streamed: a fixed quantiser is finer than JPEG on some scenes (lines and text on
// a dark background, where JPEG rings) and coarser on others (smooth shading), so H.264 either
// wastes bits or loses detail. Every kInterval while level 0 has video viewers, the watcher
// hands it one frame with its level-0 JPEG, and the next new frame; on its own thread it
// decodes the JPEG, encodes the two frames as a key frame and a delta frame at the stream's
// quantiser (a delta frame: what viewers see while the scene moves, coarser than a key frame)
// and decodes them, and moves the quantiser by the PSNR difference (kDbPerQp a step). The rungs
// use H264Encoder::QpFor() plus Offset(). About 25 ms of one core at 1920x1080 every kInterval.
#ifndef renderstream_server_QualityMatcher_h
#define renderstream_server_QualityMatcher_h

#include "EncodedFrame.h"
#include "YuvView.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace renderstream::server
{
class QualityMatcher
{
public:
  static constexpr std::chrono::seconds kInterval{ 2 };
  static constexpr double kDbPerQp = 0.8; // H.264: 6 steps double the quantiser step
  static constexpr int kMaxStep = 6;      // per probe: one odd frame cannot swing it far
  static constexpr int kMaxOffset = 20;

  /// PSNR (dB) of `jpeg` against `picture`, and of H.264 at `qp` against `next`, encoded as a
  /// delta frame after `picture` (Y, U and V together).
  struct Measurement
  {
    double JpegDb = 0;
    double VideoDb = 0;
    bool Ok = false;
  };
  static Measurement Measure(const std::string& backend, const YuvView& picture, const std::string& jpeg,
    const YuvView& next, int qp);
  /// The quantiser that would match: `qp` moved by the measured difference.
  static int Matched(int qp, const Measurement& m);

  /// `backend`: H264Encoder::Choose()'s pick; `tableQp`: QpFor(backend, level-0 quality).
  QualityMatcher(std::string backend, int tableQp);
  ~QualityMatcher();
  QualityMatcher(const QualityMatcher&) = delete;
  QualityMatcher& operator=(const QualityMatcher&) = delete;

  /// True when a probe may start (none running, kInterval since the last).
  bool Due(std::chrono::steady_clock::time_point now) const;
  /// Starts a probe with a frame and its level-0 JPEG (copied).
  void Start(const YuvView& picture, FramePtr jpeg, std::chrono::steady_clock::time_point now);
  /// True while a started probe waits for the next frame.
  bool WantsNext() const { return this->Waiting; }
  /// The next new frame (copied), encoded at the level-0 stream's quantiser `qp`: measures.
  void Next(const YuvView& picture, int qp);
  /// What to add to QpFor() on every rung (0 until measured).
  int Offset() const { return this->CurrentOffset.load(std::memory_order_relaxed); }

private:
  void Run();

  const std::string Backend;
  const int TableQp;
  std::atomic<int> CurrentOffset{ 0 };
  std::chrono::steady_clock::time_point LastProbe{};
  std::mutex Mutex;
  std::condition_variable Wake;
  bool Busy = false;    // a measurement is waiting or running (Mutex)
  bool Waiting = false; // Start()ed, waiting for Next() (watcher thread)
  bool Stop = false;
  struct Copy
  {
    std::vector<std::uint8_t> Planes; // Y then U then V
    YuvView View;
    void Take(const YuvView& picture);
  };
  Copy First, Second;
  FramePtr Jpeg;
  int Qp = 0;
  std::thread Thread;
};
} // namespace renderstream::server

#endif
