// Turns one captured picture into the FrameSet that viewers are sent (Rendition.h): a new
// frame at level 0 of FrameLadder(quality) and at each further level some viewer on a slow
// link uses, once per level however many viewers use it; a still, the held frame re-encoded
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

#include <memory>
#include <string>

namespace renderstream::server
{
class FrameEncoder
{
public:
  /// `videoBackend`: H264Encoder::Choose()'s pick, empty for JPEG only.
  FrameEncoder(std::uint32_t maxWidth, std::uint32_t maxHeight, int quality, int stillQuality,
    const std::string& videoBackend, ServerStats& stats);

  /// A new picture: its JPEGs (and video units) for the levels in demand; null if level 0
  /// could not be encoded.
  FrameSetPtr EncodeNew(const ipc::FrameView& view, LevelDemand& demand);
  /// The still of the held picture; null when no viewer needs one.
  FrameSetPtr EncodeStill(const ipc::FrameView& view, const LevelDemand& demand);
  /// Video units due without a new picture (key-frame requests, streams that skipped frames
  /// for their rate cap); null when none is.
  FrameSetPtr EncodeDueVideo(const ipc::FrameView& view, LevelDemand& demand);
  /// True while EncodeDueVideo() may have something to do.
  bool VideoPending(const LevelDemand& demand) const { return this->Video && this->Video->Pending(demand); }
  bool HasVideo() const { return this->Video != nullptr; }

private:
  FramePtr Encode(const ipc::FrameView& view, const Rendition& rendition, bool still);

  const int Quality;
  const int StillQuality;
  ServerStats& Stats;
  JpegEncoder Jpeg;
  YuvConverter Pictures; // shared with Video
  std::unique_ptr<VideoStreams> Video; // null without H.264
};
} // namespace renderstream::server

#endif
