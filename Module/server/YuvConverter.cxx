#include "YuvConverter.h"

#include <libyuv/convert_argb.h>
#include <libyuv/scale.h>

#include <algorithm>
#include <cstring>

// The conversion loops are plain C++ in 16-bit fixed point, written so that the compiler
// vectorises them (one 32-bit load per pixel, channels by shift and mask); on x86-64 they are
// also compiled for AVX2 and the CPU picks at load time. libyuv's J420 entry points are as fast
// but round chroma to 7-bit coefficients and lose 0.23-0.26 dB on rendered frames (bench:
// convert); these loops are exact to the rounding of the result.
// Not under sanitizers: the clones' resolver runs while the dynamic loader relocates the
// program, before a sanitizer's runtime is up, and instrumented it crashes there (TSan: a
// silent SIGSEGV before main). Sanitizer builds check correctness, not speed.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RENDERSTREAM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RENDERSTREAM_SANITIZED 1
#endif
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(RENDERSTREAM_SANITIZED)
#define RENDERSTREAM_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RENDERSTREAM_VECTOR_CLONES
#endif

namespace renderstream::server
{
namespace
{
// Full-range BT.601 (JPEG's YCbCr) x 65536.
constexpr int kYR = 19595, kYG = 38470, kYB = 7471;
constexpr int kUR = -11059, kUG = -21709, kUB = 32768;
constexpr int kVR = 32768, kVG = -27439, kVB = -5329;

// Channel order of a 32-bit pixel loaded little-endian: BGRA has blue in the low byte.
template <bool Bgra>
struct Channels
{
  static int R(std::uint32_t p) { return Bgra ? (p >> 16) & 255 : p & 255; }
  static int G(std::uint32_t p) { return (p >> 8) & 255; }
  static int B(std::uint32_t p) { return Bgra ? p & 255 : (p >> 16) & 255; }
};

template <bool Bgra>
RENDERSTREAM_VECTOR_CLONES void LumaRow(const std::uint8_t* row, std::uint8_t* y, int width)
{
  using C = Channels<Bgra>;
  for (int x = 0; x < width; ++x)
  {
    std::uint32_t p;
    std::memcpy(&p, row + 4 * x, 4);
    y[x] = static_cast<std::uint8_t>((kYR * C::R(p) + kYG * C::G(p) + kYB * C::B(p) + 32768) >> 16);
  }
}

// U and V of 2x2 blocks from their channel sums (4 pixels: 18 bits of fraction). Pure blue
// (U) and red (V) are 255.5 before rounding: the only values that need a clamp.
inline void Chroma(int r, int g, int b, std::uint8_t& u, std::uint8_t& v)
{
  constexpr int kRound = (128 << 18) + (1 << 17);
  u = static_cast<std::uint8_t>(std::min((kUR * r + kUG * g + kUB * b + kRound) >> 18, 255));
  v = static_cast<std::uint8_t>(std::min((kVR * r + kVG * g + kVB * b + kRound) >> 18, 255));
}

// Chroma of `pairs` 2x2 blocks of two rows. Two pixels make one 64-bit load; masking every
// other byte leaves four 16-bit sums (byte 0 and byte 2 of each pixel, then bytes 1 and 3).
template <bool Bgra>
RENDERSTREAM_VECTOR_CLONES void ChromaRows(
  const std::uint8_t* row0, const std::uint8_t* row1, std::uint8_t* u, std::uint8_t* v, int pairs)
{
  constexpr std::uint64_t kEven = 0x00FF00FF00FF00FFull;
  for (int x = 0; x < pairs; ++x)
  {
    std::uint64_t a, b;
    std::memcpy(&a, row0 + 8 * x, 8);
    std::memcpy(&b, row1 + 8 * x, 8);
    const std::uint64_t low = (a & kEven) + (b & kEven), high = ((a >> 8) & kEven) + ((b >> 8) & kEven);
    const std::uint32_t sum02 = static_cast<std::uint32_t>(low) + static_cast<std::uint32_t>(low >> 32);
    const int byte0 = sum02 & 0xFFFF, byte2 = sum02 >> 16;
    const int g = (static_cast<std::uint32_t>(high) + static_cast<std::uint32_t>(high >> 32)) & 0xFFFF;
    Chroma(Bgra ? byte2 : byte0, g, Bgra ? byte0 : byte2, u[x], v[x]);
  }
}

// The last column of an odd width, and the blocks of an odd last row: the mean of the pixels
// there are, scaled to four.
template <bool Bgra>
void ChromaEdge(const std::uint8_t* const* pixels, int count, std::uint8_t& u, std::uint8_t& v)
{
  using C = Channels<Bgra>;
  int r = 0, g = 0, b = 0;
  for (int i = 0; i < count; ++i)
  {
    std::uint32_t p;
    std::memcpy(&p, pixels[i], 4);
    r += C::R(p), g += C::G(p), b += C::B(p);
  }
  const int scale = 4 / count;
  Chroma(r * scale, g * scale, b * scale, u, v);
}

template <bool Bgra>
void ConvertRows(const std::uint8_t* const* rows, const YuvView& out)
{
  auto* y = const_cast<std::uint8_t*>(out.Planes[0]);
  auto* u = const_cast<std::uint8_t*>(out.Planes[1]);
  auto* v = const_cast<std::uint8_t*>(out.Planes[2]);
  const int pairs = out.Width / 2;
  for (int row = 0; row < out.Height; row += 2)
  {
    const bool single = row + 1 == out.Height;
    const std::uint8_t* r0 = rows[row];
    const std::uint8_t* r1 = single ? r0 : rows[row + 1];
    LumaRow<Bgra>(r0, y + std::size_t(row) * out.Strides[0], out.Width);
    if (!single)
    {
      LumaRow<Bgra>(r1, y + std::size_t(row + 1) * out.Strides[0], out.Width);
    }
    std::uint8_t* ur = u + std::size_t(row / 2) * out.Strides[1];
    std::uint8_t* vr = v + std::size_t(row / 2) * out.Strides[2];
    ChromaRows<Bgra>(r0, r1, ur, vr, pairs); // a single row counts twice: its own mean
    if (out.Width % 2)
    {
      const std::uint8_t* last[2] = { r0 + 4 * (out.Width - 1), r1 + 4 * (out.Width - 1) };
      ChromaEdge<Bgra>(last, 2, ur[pairs], vr[pairs]);
    }
  }
}
} // namespace

YuvView YuvConverter::Picture::Allocate(int width, int height)
{
  const int chromaWidth = (width + 1) / 2, chromaHeight = (height + 1) / 2;
  const std::size_t luma = std::size_t(width) * height, chroma = std::size_t(chromaWidth) * chromaHeight;
  this->Buffer.resize(luma + 2 * chroma);
  YuvView& v = this->View;
  v.Planes[0] = this->Buffer.data();
  v.Planes[1] = this->Buffer.data() + luma;
  v.Planes[2] = this->Buffer.data() + luma + chroma;
  v.Strides[0] = width;
  v.Strides[1] = v.Strides[2] = chromaWidth;
  v.Width = width;
  v.Height = height;
  return v;
}

bool YuvConverter::SameFrame(const ipc::FrameView& frame) const
{
  const ipc::FrameInfo& a = frame.Info;
  const ipc::FrameInfo& b = this->FrameInfo;
  return frame.Pixels == this->FramePixels && a.Sequence == b.Sequence && a.Width == b.Width &&
    a.Height == b.Height && a.Format == b.Format && a.BottomUp == b.BottomUp;
}

YuvView YuvConverter::Convert(const ipc::FrameView& frame, int divisor)
{
  if (!this->SameFrame(frame))
  {
    this->FramePixels = frame.Pixels;
    this->FrameInfo = frame.Info;
    this->Pictures[0].Made = this->Pictures[1].Made = false;
  }
  const YuvView& full = this->Full(frame);
  return divisor == 1 || full.Width == 0 ? full : this->Half();
}

const YuvView& YuvConverter::Full(const ipc::FrameView& frame)
{
  Picture& picture = this->Pictures[0];
  if (picture.Made)
  {
    return picture.View;
  }
  picture.Made = true;
  picture.View = YuvView{};
  const int width = static_cast<int>(frame.Info.Width), height = static_cast<int>(frame.Info.Height);
  const ipc::PixelFormat format = frame.Info.Format;
  const bool known = format == ipc::PixelFormat::BGRA || format == ipc::PixelFormat::RGBA ||
    format == ipc::PixelFormat::RGB;
  if (!known || !frame.Pixels || width < 1 || height < 1)
  {
    return picture.View;
  }
  const YuvView v = picture.Allocate(width, height);
  // Rows top-down; bottom-up frames (glReadPixels' order) are read from their last row, so
  // the flip costs nothing.
  const std::uint8_t* pixels = frame.Pixels;
  std::size_t stride = frame.Stride();
  if (format == ipc::PixelFormat::RGB) // 3 bytes a pixel: widened to BGRA first (libyuv)
  {
    this->Widened.resize(std::size_t(width) * height * 4);
    libyuv::RAWToARGB(pixels, static_cast<int>(stride), this->Widened.data(), width * 4, width, height);
    pixels = this->Widened.data();
    stride = std::size_t(width) * 4;
  }
  this->Rows.resize(static_cast<std::size_t>(height));
  for (int row = 0; row < height; ++row)
  {
    this->Rows[row] = pixels + std::size_t(frame.Info.BottomUp ? height - 1 - row : row) * stride;
  }
  if (format == ipc::PixelFormat::RGBA)
  {
    ConvertRows<false>(this->Rows.data(), v);
  }
  else
  {
    ConvertRows<true>(this->Rows.data(), v);
  }
  return picture.View;
}

const YuvView& YuvConverter::Half()
{
  Picture& picture = this->Pictures[1];
  if (picture.Made)
  {
    return picture.View;
  }
  picture.Made = true;
  picture.View = YuvView{};
  const YuvView& full = this->Pictures[0].View;
  if (full.Width < 2 || full.Height < 2)
  {
    return picture.View;
  }
  const YuvView v = picture.Allocate(full.Width / 2, full.Height / 2);
  auto* planes = const_cast<std::uint8_t**>(v.Planes);
  libyuv::I420Scale(full.Planes[0], full.Strides[0], full.Planes[1], full.Strides[1], full.Planes[2],
    full.Strides[2], full.Width, full.Height, planes[0], v.Strides[0], planes[1], v.Strides[1],
    planes[2], v.Strides[2], v.Width, v.Height, libyuv::kFilterBox);
  return picture.View;
}
} // namespace renderstream::server
