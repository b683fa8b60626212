// A planar YUV 4:2:0 picture, full-range BT.601 (JPEG's YCbCr), upright, in memory someone
// else owns. Chroma planes are (Width + 1) / 2 by (Height + 1) / 2.
#ifndef renderstream_server_YuvView_h
#define renderstream_server_YuvView_h

#include <cstdint>

namespace renderstream::server
{
struct YuvView
{
  const std::uint8_t* Planes[3] = { nullptr, nullptr, nullptr };
  int Strides[3] = { 0, 0, 0 };
  int Width = 0;
  int Height = 0;
};

/// `picture` cut to even width and height (H.264 needs them; at most one column and row go).
inline YuvView EvenCrop(YuvView picture)
{
  picture.Width &= ~1;
  picture.Height &= ~1;
  return picture;
}
} // namespace renderstream::server

#endif
