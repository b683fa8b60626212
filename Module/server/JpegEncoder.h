// TurboJPEG compressor: one tjhandle and one preallocated output buffer, reused for every
// frame. Interactive qualities (4:2:0) are compressed from the frame's YUV planes, the ones
// H.264 gets too (YuvConverter), so no colour conversion is made twice; 4:4:4 (quality 90 and
// up: stills) from the pixels in shared memory, read where they are (no copy, no flip).
#ifndef renderstream_server_JpegEncoder_h
#define renderstream_server_JpegEncoder_h

#include "StreamSegment.h" // for FrameView
#include "YuvView.h"

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
  /// Compresses a 4:2:0 `picture` at `quality` (below 90) into `out`, without conversion.
  bool Encode(const YuvView& picture, int quality, std::string& out, std::string& error);
  /// The qualities that keep full chroma (sharp coloured lines): 4:4:4, from RGB.
  static bool FullChroma(int quality) { return quality >= 90; }

private:
  bool Fits(int width, int height, std::string& error) const;
  bool Take(int result, unsigned char* buffer, unsigned long size, std::string& out, std::string& error);

  void* Handle = nullptr;
  unsigned char* Buffer = nullptr;
  unsigned long Capacity = 0;
  std::uint32_t MaxWidth;
  std::uint32_t MaxHeight;
};
} // namespace renderstream::server

#endif
