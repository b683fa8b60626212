// One JPEG, encoded once and shared read-only by every session that sends it, and the set of
// them made from one captured picture (one per rendition some viewer uses).
#ifndef renderstream_server_EncodedFrame_h
#define renderstream_server_EncodedFrame_h

#include "Rendition.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace renderstream::server
{
struct EncodedFrame
{
  std::string Jpeg;
  std::uint64_t Sequence = 0; // the producer's sequence number of the frame
  std::uint32_t Width = 0;
  std::uint32_t Height = 0;
  int Quality = 0;
  bool Still = false; // the high-quality re-encode sent when interaction stopped
};
using FramePtr = std::shared_ptr<const EncodedFrame>;

/// One picture at every level of its ladder that some viewer uses (FrameLadder for new frames,
/// where level 0 is always there; StillLadder for stills).
struct FrameSet
{
  bool Still = false;
  std::array<FramePtr, kLevels> Levels;

  /// New frames: the frame at `level`, else the nearest coarser one encoded, else level 0 (a
  /// viewer that just changed level gets its own from the next frame on). Stills: that
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
