// JSON text message from a WebSocket client -> validated ipc::InputEvent (protocol:
// Module/server/README.md).
// No Beast, no sockets: unit-testable directly. See InputParser.cxx for the exact rules.
#ifndef renderstream_server_InputParser_h
#define renderstream_server_InputParser_h

#include "Layout.h" // for InputEvent

#include <cstdint>
#include <string>
#include <string_view>

namespace renderstream::server
{
struct ParsedInput
{
  bool Ok = false;
  bool Ack = false;      // {"type":"ack"}: the client received a frame (Event stays None)
  bool KeyFrame = false; // {"type":"keyframe"}: its video decoder needs a key frame (ditto)
  ipc::InputEvent Event;
  std::string Error; // why the message was rejected (for logs and tests)
};

/// Parses one client text message. Never throws. Event.TimeNs is left 0 (the caller stamps
/// it when it pushes the event).
ParsedInput ParseInputEvent(std::string_view text, std::uint32_t maxWidth, std::uint32_t maxHeight);
} // namespace renderstream::server

#endif
