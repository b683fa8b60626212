// One JPEG, encoded once and shared read-only by every session that sends it.
#ifndef renderstream_server_EncodedFrame_h
#define renderstream_server_EncodedFrame_h

#include <cstdint>
#include <memory>
#include <string>

namespace renderstream::server
{
struct EncodedFrame
{
  std::string Jpeg;
  std::uint64_t Sequence = 0; // the producer's sequence number of the frame
  std::uint32_t Width = 0;
  std::uint32_t Height = 0;
  int Quality = 0;
  bool Still = false; // the high-quality re-encode sent when interaction stopped
};
using FramePtr = std::shared_ptr<const EncodedFrame>;
} // namespace renderstream::server

#endif
