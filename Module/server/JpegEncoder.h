// TurboJPEG compressor of frames held in shared memory: one tjhandle and one preallocated
// output buffer, reused for every frame; the pixels are read where they are (no copy, no flip).
#ifndef renderstream_server_JpegEncoder_h
#define renderstream_server_JpegEncoder_h

#include "StreamSegment.h" // for FrameView

#include <cstdint>
#include <string>

namespace renderstream::server
{
class JpegEncoder
{
public:
  /// Sizes the output buffer for frames up to maxWidth x maxHeight. Throws std::runtime_error.
  JpegEncoder(std::uint32_t maxWidth, std::uint32_t maxHeight);
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  /// Compresses `frame` at `quality` (1..100) into `out`. Returns false and fills `error`
  /// when the frame is unusable (bad format, too large) or TurboJPEG fails.
  bool Encode(const ipc::FrameView& frame, int quality, std::string& out, std::string& error);

private:
  void* Handle = nullptr;
  unsigned char* Buffer = nullptr;
  unsigned long Capacity = 0;
  std::uint32_t MaxWidth;
  std::uint32_t MaxHeight;
};
} // namespace renderstream::server

#endif
