// libav*'s error codes in words ("Connection refused", "Read-only file system").
#ifndef renderstream_server_AvError_h
#define renderstream_server_AvError_h

extern "C"
{
#include <libavutil/error.h>
}

#include <string>

namespace renderstream::server
{
inline std::string AvError(int code)
{
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}
} // namespace renderstream::server

#endif
