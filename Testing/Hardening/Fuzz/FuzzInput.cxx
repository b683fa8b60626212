// Fuzz target: a WebSocket text message from a viewer, up to the shared-memory event ring:
// InputParser, then the ring the server pushes into and the app pops from.
#include "EventRing.h"
#include "InputParser.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace ipc = renderstream::ipc;
namespace rs = renderstream::server;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const rs::ParsedInput parsed = rs::ParseInputEvent(text, 1920, 1080);
  if (parsed.Kind != rs::MessageKind::Input)
  {
    return 0;
  }
  // Whatever is accepted stays within the documented ranges.
  const ipc::InputEvent& event = parsed.Event;
  if (!(event.X >= 0 && event.X <= 1 && event.Y >= 0 && event.Y <= 1) || event.Width > 1920 ||
    event.Height > 1080 || !std::memchr(event.Key, 0, sizeof(event.Key)) ||
    !std::memchr(event.Code, 0, sizeof(event.Code)))
  {
    std::abort();
  }
  static ipc::EventRingState state{};
  static std::array<ipc::InputEvent, 8> storage{};
  ipc::EventRing ring(state, storage.data(), static_cast<std::uint32_t>(storage.size()));
  if (!ring.TryPush(event))
  {
    std::abort(); // the ring is drained after every push
  }
  ipc::InputEvent popped;
  if (!ring.TryPop(popped) || std::memcmp(&popped, &event, sizeof(event)) != 0)
  {
    std::abort();
  }
  return 0;
}
