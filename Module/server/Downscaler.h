// Halves a frame's width and height (area averaging, libswscale) into a buffer of its own,
// for the half-resolution rungs of the rendition ladder. Not thread-safe: one per thread.
#ifndef renderstream_server_Downscaler_h
#define renderstream_server_Downscaler_h

#include "StreamSegment.h" // for FrameView

#include <cstdint>
#include <vector>

struct SwsContext;

namespace renderstream::server
{
class Downscaler
{
public:
  Downscaler() = default;
  ~Downscaler();
  Downscaler(const Downscaler&) = delete;
  Downscaler& operator=(const Downscaler&) = delete;

  /// `view` at half size, rows in the same order; valid until the next call. An empty view
  /// (Pixels == nullptr) if the format is unknown or the frame is smaller than 2x2.
  ipc::FrameView Half(const ipc::FrameView& view);

private:
  SwsContext* Context = nullptr;
  std::vector<std::uint8_t> Pixels;
};
} // namespace renderstream::server

#endif
