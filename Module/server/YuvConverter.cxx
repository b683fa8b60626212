#include "YuvConverter.h"

#include "PixelFormat.h"

extern "C"
{
#include <libswscale/swscale.h>
}

namespace renderstream::server
{
YuvConverter::~YuvConverter()
{
  sws_freeContext(this->Context);
}

YuvView YuvConverter::Convert(const ipc::FrameView& frame, int divisor)
{
  const AVPixelFormat format = AvPixelFormatOf(frame.Info.Format);
  YuvView yuv;
  const int width = EvenSide(frame.Info.Width, divisor), height = EvenSide(frame.Info.Height, divisor);
  if (format == AV_PIX_FMT_NONE || !frame.Pixels || width < 2 || height < 2)
  {
    return yuv;
  }
  // Full size: crop to the even size; reduced: scale the whole frame.
  const int sourceWidth = divisor == 1 ? width : static_cast<int>(frame.Info.Width);
  const int sourceHeight = divisor == 1 ? height : static_cast<int>(frame.Info.Height);
  this->Context = sws_getCachedContext(this->Context, sourceWidth, sourceHeight, format, width,
    height, AV_PIX_FMT_YUV420P, divisor == 1 ? SWS_BILINEAR : SWS_AREA, nullptr, nullptr, nullptr);
  if (!this->Context)
  {
    return yuv;
  }
  // Full range (0..255, as JPEG's YCbCr): limited range costs 2-3 dB of PSNR on rendered
  // gradients (bench: codecs). The encoders say so in the stream's VUI.
  int *inverse = nullptr, *table = nullptr;
  int sourceRange = 0, range = 0, brightness = 0, contrast = 0, saturation = 0;
  sws_getColorspaceDetails(this->Context, &inverse, &sourceRange, &table, &range, &brightness, &contrast, &saturation);
  sws_setColorspaceDetails(this->Context, inverse, sourceRange, table, 1, brightness, contrast, saturation);
  const std::size_t luma = std::size_t(width) * height, chroma = luma / 4;
  this->Buffer.resize(luma + 2 * chroma);
  std::uint8_t* planes[3] = { this->Buffer.data(), this->Buffer.data() + luma,
    this->Buffer.data() + luma + chroma };
  const int strides[3] = { width, width / 2, width / 2 };
  // Bottom-up rows (glReadPixels' order) are read from the last row with a negative stride:
  // the flip costs nothing.
  const int rowBytes = static_cast<int>(frame.Stride());
  const std::uint8_t* first = frame.Pixels;
  int sourceStride = rowBytes;
  if (frame.Info.BottomUp)
  {
    first += std::size_t(frame.Info.Height - 1) * frame.Stride();
    sourceStride = -rowBytes;
  }
  const std::uint8_t* source[1] = { first };
  const int sourceStrides[1] = { sourceStride };
  sws_scale(this->Context, source, sourceStrides, 0, sourceHeight, planes, strides);
  for (int plane = 0; plane < 3; ++plane)
  {
    yuv.Planes[plane] = planes[plane];
    yuv.Strides[plane] = strides[plane];
  }
  yuv.Width = width;
  yuv.Height = height;
  return yuv;
}
} // namespace renderstream::server
