#include "JpegEncoder.h"

#include <turbojpeg.h>

#include <stdexcept>

namespace renderstream::server
{
JpegEncoder::JpegEncoder(std::uint32_t maxWidth, std::uint32_t maxHeight)
  : MaxWidth(maxWidth)
  , MaxHeight(maxHeight)
{
  this->Handle = tjInitCompress();
  if (!this->Handle)
  {
    throw std::runtime_error(std::string("cannot initialize TurboJPEG: ") + tjGetErrorStr2(nullptr));
  }
  // 4:4:4 is the largest output for a given size; every subsampling fits in it.
  this->Capacity = tjBufSize(static_cast<int>(maxWidth), static_cast<int>(maxHeight), TJSAMP_444);
  this->Buffer = tjAlloc(static_cast<int>(this->Capacity));
  if (!this->Buffer)
  {
    tjDestroy(this->Handle);
    throw std::runtime_error("cannot allocate the JPEG output buffer");
  }
}

JpegEncoder::~JpegEncoder()
{
  tjFree(this->Buffer);
  tjDestroy(this->Handle);
}

bool JpegEncoder::Encode(
  const ipc::FrameView& frame, int quality, std::string& out, std::string& error)
{
  int format = 0;
  switch (frame.Info.Format)
  {
    case ipc::PixelFormat::RGB:
      format = TJPF_RGB;
      break;
    case ipc::PixelFormat::RGBA:
      format = TJPF_RGBA;
      break;
    case ipc::PixelFormat::BGRA:
      format = TJPF_BGRA;
      break;
    default:
      error = "unknown pixel format " + std::to_string(static_cast<unsigned>(frame.Info.Format));
      return false;
  }
  if (!frame.Pixels || !this->Fits(static_cast<int>(frame.Info.Width), static_cast<int>(frame.Info.Height), error))
  {
    return false;
  }
  const bool full = FullChroma(quality);
  const int flags = TJFLAG_NOREALLOC | (frame.Info.BottomUp ? TJFLAG_BOTTOMUP : 0) | (full ? 0 : TJFLAG_FASTDCT);
  unsigned char* buffer = this->Buffer;
  unsigned long size = this->Capacity;
  const int result = tjCompress2(this->Handle, frame.Pixels, static_cast<int>(frame.Info.Width),
    static_cast<int>(frame.Stride()), static_cast<int>(frame.Info.Height), format, &buffer, &size,
    full ? TJSAMP_444 : TJSAMP_420, quality, flags);
  return this->Take(result, buffer, size, out, error);
}

bool JpegEncoder::Encode(const YuvView& picture, int quality, std::string& out, std::string& error)
{
  if (!picture.Planes[0] || !this->Fits(picture.Width, picture.Height, error))
  {
    return false;
  }
  unsigned char* buffer = this->Buffer;
  unsigned long size = this->Capacity;
  const unsigned char* planes[3] = { picture.Planes[0], picture.Planes[1], picture.Planes[2] };
  const int result = tjCompressFromYUVPlanes(this->Handle, planes, picture.Width, picture.Strides,
    picture.Height, TJSAMP_420, &buffer, &size, quality, TJFLAG_NOREALLOC | TJFLAG_FASTDCT);
  return this->Take(result, buffer, size, out, error);
}

bool JpegEncoder::Fits(int width, int height, std::string& error) const
{
  if (width > 0 && height > 0 && width <= static_cast<int>(this->MaxWidth) &&
    height <= static_cast<int>(this->MaxHeight))
  {
    return true;
  }
  error = "frame size " + std::to_string(width) + "x" + std::to_string(height) +
    " is empty or over the segment's limit";
  return false;
}

bool JpegEncoder::Take(int result, unsigned char* buffer, unsigned long size, std::string& out, std::string& error)
{
  if (result != 0)
  {
    error = std::string("TurboJPEG: ") + tjGetErrorStr2(this->Handle);
    return false;
  }
  out.assign(reinterpret_cast<const char*>(buffer), size);
  return true;
}
} // namespace renderstream::server
