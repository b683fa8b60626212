#include "Downscaler.h"

#include "PixelFormat.h"

extern "C"
{
#include <libswscale/swscale.h>
}

namespace renderstream::server
{
Downscaler::~Downscaler()
{
  sws_freeContext(this->Context);
}

ipc::FrameView Downscaler::Half(const ipc::FrameView& view)
{
  const AVPixelFormat format = AvPixelFormatOf(view.Info.Format);
  const int width = static_cast<int>(view.Info.Width), height = static_cast<int>(view.Info.Height);
  ipc::FrameView half;
  if (format == AV_PIX_FMT_NONE || width < 2 || height < 2 || !view.Pixels)
  {
    return half;
  }
  half.Info = view.Info;
  half.Info.Width = static_cast<std::uint32_t>(width / 2);
  half.Info.Height = static_cast<std::uint32_t>(height / 2);
  this->Context = sws_getCachedContext(this->Context, width, height, format, width / 2, height / 2,
    format, SWS_AREA, nullptr, nullptr, nullptr);
  if (!this->Context)
  {
    return ipc::FrameView{};
  }
  this->Pixels.resize(half.Bytes());
  const std::uint8_t* source[1] = { view.Pixels };
  const int sourceStride[1] = { static_cast<int>(view.Stride()) };
  std::uint8_t* destination[1] = { this->Pixels.data() };
  const int destinationStride[1] = { static_cast<int>(half.Stride()) };
  sws_scale(this->Context, source, sourceStride, 0, height, destination, destinationStride);
  half.Pixels = this->Pixels.data();
  return half;
}
} // namespace renderstream::server
