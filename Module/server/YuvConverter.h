// The one colour conversion each frame gets: RGB(A) in shared memory -> full-range BT.601
// YUV 4:2:0 (chroma from 2x2 means), upright, by vectorised loops that are exact to the
// result's rounding and 10x faster than libswscale (bench: convert). Every 4:2:0 JPEG rung and
// every H.264 rung is made from these planes; the half-size rungs from a box-filtered copy of
// them (libyuv). Not thread-safe.
#ifndef renderstream_server_YuvConverter_h
#define renderstream_server_YuvConverter_h

#include "StreamSegment.h" // for FrameView
#include "YuvView.h"

#include <cstdint>
#include <vector>

namespace renderstream::server
{
class YuvConverter
{
public:
  /// The side H.264 takes of a frame side at 1/divisor (even).
  static int EvenSide(std::uint32_t side, int divisor) { return (static_cast<int>(side) / divisor) & ~1; }

  /// `frame` at 1/divisor (1 or 2) of its size, rounded down. Made once per frame and size:
  /// asking again for the same frame (the same pixels pointer, sequence number and shape, as
  /// the segment's slots give them) costs nothing. Valid until a call for another frame.
  /// Empty (Width 0) if the format is unknown or the picture would be empty.
  YuvView Convert(const ipc::FrameView& frame, int divisor);

private:
  struct Picture
  {
    std::vector<std::uint8_t> Buffer;
    YuvView View;
    bool Made = false;
    YuvView Allocate(int width, int height);
  };
  bool SameFrame(const ipc::FrameView& frame) const;
  const YuvView& Full(const ipc::FrameView& frame);
  const YuvView& Half();

  Picture Pictures[2]; // full size, half size
  std::vector<const std::uint8_t*> Rows; // the frame's rows, top-down
  std::vector<std::uint8_t> Widened;     // an RGB frame as BGRA
  const std::uint8_t* FramePixels = nullptr;
  ipc::FrameInfo FrameInfo{};
};
} // namespace renderstream::server

#endif
