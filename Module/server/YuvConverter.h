// RGB(A) frames in shared memory -> YUV 4:2:0 for the H.264 encoders (libswscale, BT.601
// full range), at full or reduced size, upright, with width and height rounded down to
// even numbers (4:2:0 needs them; at most one column and row is cut). Not thread-safe.
#ifndef renderstream_server_YuvConverter_h
#define renderstream_server_YuvConverter_h

#include "H264Encoder.h" // for YuvView
#include "StreamSegment.h" // for FrameView

#include <cstdint>
#include <vector>

struct SwsContext;

namespace renderstream::server
{
class YuvConverter
{
public:
  YuvConverter() = default;
  ~YuvConverter();
  YuvConverter(const YuvConverter&) = delete;
  YuvConverter& operator=(const YuvConverter&) = delete;

  /// The picture size Convert() makes of a width x height frame at 1/divisor.
  static int EvenSide(std::uint32_t side, int divisor) { return (static_cast<int>(side) / divisor) & ~1; }
  /// `frame` at 1/divisor of its size; valid until the next call. Empty (Width 0) if the
  /// format is unknown or the result would be under 2x2.
  YuvView Convert(const ipc::FrameView& frame, int divisor);

private:
  SwsContext* Context = nullptr;
  std::vector<std::uint8_t> Buffer;
};
} // namespace renderstream::server

#endif
