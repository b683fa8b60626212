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
  if (!frame.Pixels || frame.Info.Width == 0 || frame.Info.Height == 0 ||
    frame.Info.Width > this->MaxWidth || frame.Info.Height > this->MaxHeight)
  {
    error = "frame size " + std::to_string(frame.Info.Width) + "x" +
      std::to_string(frame.Info.Height) + " is empty or over the segment's limit";
    return false;
  }
  // High qualities keep full chroma (sharp coloured lines); interactive ones halve it.
  const int subsampling = quality >= 90 ? TJSAMP_444 : TJSAMP_420;
  int flags = TJFLAG_NOREALLOC;
  if (frame.Info.BottomUp)
  {
    flags |= TJFLAG_BOTTOMUP;
  }
  if (quality < 90)
  {
    flags |= TJFLAG_FASTDCT;
  }
  unsigned char* buffer = this->Buffer;
  unsigned long size = this->Capacity;
  if (tjCompress2(this->Handle, frame.Pixels, static_cast<int>(frame.Info.Width),
        static_cast<int>(frame.Stride()), static_cast<int>(frame.Info.Height), format, &buffer,
        &size, subsampling, quality, flags) != 0)
  {
    error = std::string("TurboJPEG: ") + tjGetErrorStr2(this->Handle);
    return false;
  }
  out.assign(reinterpret_cast<const char*>(buffer), size);
  return true;
}
} // namespace renderstream::server
