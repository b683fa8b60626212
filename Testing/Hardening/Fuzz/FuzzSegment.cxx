// Fuzz target: a corrupt or hostile shared-memory segment, read the way renderstream-server
// reads it. A valid segment is made; the input's first half is XORed over its header before
// the server side Open()s it, the second half after (a writer that rewrites the header under
// the server). Then the server's reads: AcquireLatest(), Current() with every pixel of the
// frame it offers read (ASan sees a byte outside the mapping), and a push into the event
// ring. Open() may refuse; nothing may crash or read out of bounds.
#include "StreamSegment.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>

namespace ipc = renderstream::ipc;

namespace
{
void XorHeader(ipc::SegmentHeader& header, const std::uint8_t* data, std::size_t size)
{
  auto* bytes = reinterpret_cast<std::uint8_t*>(&header);
  // Not the semaphore: glibc's sem_t is its own business (and the server only posts it).
  const std::size_t semBegin = offsetof(ipc::SegmentHeader, FrameReady);
  const std::size_t semEnd = semBegin + sizeof(sem_t);
  for (std::size_t i = 0; i < std::min(size, sizeof(ipc::SegmentHeader)); ++i)
  {
    if (i < semBegin || i >= semEnd)
    {
      bytes[i] ^= data[i];
    }
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  auto producer = ipc::StreamSegment::Create(64, 48);
  ipc::FrameInfo info;
  info.Width = 64;
  info.Height = 48;
  info.Format = ipc::PixelFormat::BGRA;
  producer->Publish(info); // a frame the consumer may take
  const std::size_t half = size / 2;
  XorHeader(producer->RawHeaderForTesting(), data, half);
  std::unique_ptr<ipc::StreamSegment> server;
  try
  {
    server = ipc::StreamSegment::Open(producer->Name());
  }
  catch (const std::exception&)
  {
    return 0; // refused, with a message: fine
  }
  XorHeader(producer->RawHeaderForTesting(), data + half, size - half);
  server->AcquireLatest();
  const ipc::FrameView view = server->Current();
  if (view.Pixels)
  {
    volatile std::uint8_t sum = 0;
    for (std::size_t i = 0; i < view.Bytes(); ++i)
    {
      sum ^= view.Pixels[i];
    }
  }
  ipc::InputEvent event;
  event.Type = ipc::EventType::PointerMove;
  (void)server->Events().TryPush(event);
  return 0;
}
