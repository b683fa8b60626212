// Turns one captured picture into the FrameSet that viewers are sent (Rendition.h): a new
// frame at each level of FrameLadder(quality) some JPEG viewer uses, once per level however
// many viewers use it, and level 0 always while one is there; without JPEG viewers, level 0
// (for snapshots and joining viewers) at most every kJpegRefresh and for the last frame
// before the scene settles (EncodeHeldJpeg); a still, the held frame re-encoded
// for each still level in use (level 0 only when stillQuality is above quality); and, with an
// H.264 backend, the video stream of each level some video viewer uses (VideoStreams).
// A frame is converted to YUV once (YuvConverter): the 4:2:0 JPEGs and every video rung are
// made from those planes, the half-size rungs from their box-filtered half.
// One thread's (the FrameWatcher's): it owns the encoders' buffers. No Beast.
#ifndef renderstream_server_FrameEncoder_h
#define renderstream_server_FrameEncoder_h

#include "EncodedFrame.h"
#include "JpegEncoder.h"
#include "Rendition.h"
#include "ServerStats.h"
#include "StreamSegment.h"
#include "VideoStreams.h"
#include "YuvConverter.h"

#include <chrono>
#include <memory>
#include <string>

namespace renderstream::server
{
class FrameEncoder
{
public:
  static constexpr std::chrono::milliseconds kJpegRefresh{ 250 };

  /// `videoBackend`: H264Encoder::Choose()'s pick, empty for JPEG only.
  FrameEncoder(std::uint32_t maxWidth, std::uint32_t maxHeight, int quality, int stillQuality,
    const std::string& videoBackend, ServerStats& stats);

  /// A new picture: its JPEGs (and video units) for the levels in demand; null if nothing
  /// was encoded.
  FrameSetPtr EncodeNew(const ipc::FrameView& view, LevelDemand& demand);
  /// The level-0 JPEG of the held picture if EncodeNew() left it out (the scene settles:
  /// snapshots and joining viewers get the last picture); null otherwise.
  FrameSetPtr EncodeHeldJpeg(const ipc::FrameView& view);
  /// The still of the held picture; null when no viewer needs one.
  FrameSetPtr EncodeStill(const ipc::FrameView& view, const LevelDemand& demand);
  /// Video units due without a new picture (key-frame requests, streams that skipped frames
  /// for their rate cap); null when none is.
  FrameSetPtr EncodeDueVideo(const ipc::FrameView& view, LevelDemand& demand);
  /// True while EncodeDueVideo() may have something to do.
  bool VideoPending(const LevelDemand& demand) const { return this->Video && this->Video->Pending(demand); }
  bool HasVideo() const { return this->Video != nullptr; }
  /// How long until a video unit of the held frame is due (VideoStreams::UntilDue()).
  std::chrono::steady_clock::duration VideoUntilDue(const LevelDemand& demand) const
  {
    return this->Video ? this->Video->UntilDue(demand) : std::chrono::hours(24);
  }

private:
  /// `sharePlanes`: the frame's YUV planes are made anyway (video or half-size rungs in use),
  /// so a 4:2:0 JPEG is compressed from them; otherwise TurboJPEG converts on its own, faster
  /// than converting first (bench: encode).
  FramePtr Encode(const ipc::FrameView& view, const Rendition& rendition, bool still, bool sharePlanes);
  static bool PlanesInUse(const LevelDemand& demand);

  const int Quality;
  const int StillQuality;
  ServerStats& Stats;
  JpegEncoder Jpeg;
  YuvConverter Pictures; // shared with Video
  std::unique_ptr<VideoStreams> Video; // null without H.264
  std::chrono::steady_clock::time_point LastJpeg{};
  bool JpegBehind = false; // the held picture has no level-0 JPEG
};
} // namespace renderstream::server

#endif
