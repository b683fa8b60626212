// One encoded picture (a JPEG or an H.264 access unit), encoded once and shared read-only by
// every session that sends it, and the set of them made from one captured picture (one per
// rendition some viewer uses).
#ifndef renderstream_server_EncodedFrame_h
#define renderstream_server_EncodedFrame_h

#include "Rendition.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace renderstream::server
{
enum class FrameKind : std::uint8_t
{
  Jpeg,
  VideoKey,   // H.264 IDR access unit with SPS and PPS: a decoder can start here
  VideoDelta, // H.264 access unit that needs every one before it since the last key
};

struct EncodedFrame
{
  std::string Data; // exactly what a client receives (one JPEG, or one Annex B access unit)
  FrameKind Kind = FrameKind::Jpeg;
  std::size_t TypicalBytes = 0; // a frame of this rendition's usual size (for link estimates)
  double StreamFps = 0;         // video: frames a second its stream makes now
  std::uint64_t Unit = 0;       // video: its number in its level's stream; a gap means one was lost
  std::uint32_t Width = 0;
  std::uint32_t Height = 0;
  // Steady clock (ns) of its picture's capture at render end, and of its encode's end; 0 when
  // it shows no new picture (a still, a key frame of a held picture): not timed.
  std::int64_t CaptureNs = 0;
  std::int64_t EncodedNs = 0;
  bool Still = false; // the high-quality re-encode sent when interaction stopped
  bool IsVideo() const { return this->Kind != FrameKind::Jpeg; }
};
using FramePtr = std::shared_ptr<const EncodedFrame>;

/// One picture at every level of its ladders that some viewer uses: JPEG (FrameLadder for new
/// frames, where level 0 is there unless the set only refreshes video; StillLadder for stills)
/// and H.264 (the same ladder, one stream per level in use).
struct FrameSet
{
  bool Still = false;
  std::array<FramePtr, kLevels> Levels;
  std::array<FramePtr, kLevels> Video;

  /// New JPEG frames: the frame at `level`, else the nearest coarser one encoded, else level 0
  /// (a viewer that just changed level gets its own from the next frame on). Stills: that
  /// level's only; none means nothing to send.
  FramePtr At(int level) const
  {
    for (int l = level; l < kLevels; ++l)
    {
      if (this->Levels[l] || this->Still)
      {
        return this->Levels[l];
      }
    }
    return this->Levels[0];
  }
};
using FrameSetPtr = std::shared_ptr<const FrameSet>;
} // namespace renderstream::server

#endif
