// One viewer's link: how fast frames cross it, and which rendition level it should get.
// Lives in its session, on the io thread.
//
// The estimate comes from the session's own deliveries: how long a frame took from the start
// of its write to its write completion (the kernel keeps at most kUnsentLimit bytes unsent, so
// on a saturated link a write completes at the link's pace) or, better, to the page's
// acknowledgement of it. A frame that crosses in under kFreeSeconds says the link is not the
// bottleneck; a few in a row make it "free" again.
//
// The level: the finest one whose frames are expected to cross in kTargetSeconds (so at least
// about 6 frames a second get through), stepping down at once when the current level is too
// slow and up one rung at a time, when the finer one would take under kUpSeconds and the last
// change is kHoldSeconds old. Stills: the best still level that crosses within about a second.
//
// A video viewer (H.264) moves along the same ladder, but between the video streams of the
// levels (FrameSet::Video), and by rate: it must take every frame of its stream, so a rung fits
// when its typical delta frames at the stream's rate (capped as VideoStreams caps it) fill at
// most kVideoLoad of the link. Its stills are JPEG, as for everyone.
#ifndef renderstream_server_LinkAdapter_h
#define renderstream_server_LinkAdapter_h

#include "EncodedFrame.h"
#include "FrameSink.h"

#include <chrono>
#include <cstddef>
#include <utility>

namespace renderstream::server
{
class LinkAdapter
{
public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kUnsentLimit = 16 * 1024; // TCP_NOTSENT_LOWAT of every client socket
  static constexpr double kTargetSeconds = 0.15;
  static constexpr double kUpSeconds = 0.06;
  static constexpr double kHoldSeconds = 0.5;
  static constexpr double kStillSeconds = 1.0;
  static constexpr double kFreeSeconds = 0.01;
  static constexpr double kVideoLoad = 0.8;   // share of the link a video stream may take
  static constexpr double kMinVideoFps = 10;  // the rate a video rung is judged at, at least
  static constexpr double kVideoHoldSeconds = 2; // a video step up costs a key frame
  static constexpr double kRemeasureSeconds = 60; // a paced link is let free to learn it anew

  /// Counts this viewer in `demand` (level 0 of its ladders: JPEG or video frames, and JPEG
  /// stills) until it is destroyed.
  LinkAdapter(LevelDemand& demand, bool video);
  ~LinkAdapter();
  LinkAdapter(const LinkAdapter&) = delete;
  LinkAdapter& operator=(const LinkAdapter&) = delete;

  /// One frame of `bytes` crossed the link in `seconds` (write start to completion or ack);
  /// `behind`: another frame waited behind it meanwhile, so the link set the pace. A frame
  /// that crossed alone within kTargetSeconds times the path's latency (a busy viewer's late
  /// ack) as much as its rate: it may show the link is faster than thought, never slower.
  /// `paced`: the session held this frame back (Pacer), so its fast crossing of our socket
  /// says nothing of the link; after kRemeasureSeconds without a slow one the link is let
  /// free once, to find out whether it got faster.
  void Delivered(std::size_t bytes, double seconds, bool behind, bool paced = false);
  /// What this viewer gets of `set`: for a new frame, its level's frame after updating the
  /// level; for a still, its still level's frame (null: nothing to send). A video viewer gets
  /// exactly its level's video frame (null while that stream has not started).
  FramePtr Pick(const FrameSet& set, Clock::time_point now = Clock::now());
  /// True once after a level change (the session tells its viewer).
  bool TakeChange() { return std::exchange(this->Changed, false); }

  int Level() const { return this->Current; }
  bool Video() const { return this->IsVideo; }
  int StillLevel() const { return this->CurrentStill; }
  bool Slow() const { return this->Current > 0; }
  /// Estimated link rate in kbit/s; 0 while the link is free (not measurably limiting).
  double Kbps() const { return this->Free ? 0.0 : this->BytesPerSecond * 8 / 1000; }
  /// The rate a viewer that does not acknowledge is paced at (0: not paced, the link is free).
  double PaceRate() const { return this->Free ? 0.0 : this->BytesPerSecond; }

private:
  double Bytes(const FrameSet& set, int level) const;
  double Seconds(const FrameSet& set, int level) const;
  /// How much of what `level` needs the link carries: above 1 it is too slow (JPEG: a frame
  /// takes over kTargetSeconds; video: its stream takes over kVideoLoad of the link).
  double Load(const FrameSet& set, int level) const;
  bool Choose(const FrameSet& set, Clock::time_point now);
  int ChooseStill(std::size_t frameBytes) const;
  void Count(int frameLevel, int stillLevel, int delta);

  LevelDemand& Demand;
  const bool IsVideo;
  int CurrentStill = 0;
  bool Changed = false;
  double BytesPerSecond = 0;
  bool Free = true;
  int FreeInARow = 0;
  int Current = 0;
  Clock::time_point LastChange{};
  Clock::time_point LastSlow{}; // the last delivery that set the rate
};
/// Fills the link fields of `info` (for /stats) from `link`; `quality` is --quality.
void DescribeLink(const LinkAdapter& link, int quality, ClientInfo& info);
} // namespace renderstream::server

#endif
