// The libav pixel format of a shared-memory frame format (for libswscale).
#ifndef renderstream_server_PixelFormat_h
#define renderstream_server_PixelFormat_h

#include "Layout.h"

extern "C"
{
#include <libavutil/pixfmt.h>
}

namespace renderstream::server
{
inline AVPixelFormat AvPixelFormatOf(ipc::PixelFormat format)
{
  switch (format)
  {
    case ipc::PixelFormat::BGRA:
      return AV_PIX_FMT_BGRA;
    case ipc::PixelFormat::RGBA:
      return AV_PIX_FMT_RGBA;
    case ipc::PixelFormat::RGB:
      return AV_PIX_FMT_RGB24;
  }
  return AV_PIX_FMT_NONE;
}
} // namespace renderstream::server

#endif
