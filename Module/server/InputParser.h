// JSON text message from a WebSocket client -> validated ipc::InputEvent, or one of the
// messages that are not the application's input (acks, names, control, cursors); protocol:
// Module/server/README.md.
// No Beast, no sockets: unit-testable directly. See InputParser.cxx for the exact rules.
#ifndef renderstream_server_InputParser_h
#define renderstream_server_InputParser_h

#include "Layout.h" // for InputEvent

#include <cstdint>
#include <string>
#include <string_view>

namespace renderstream::server
{
/// What a client's text message is.
enum class MessageKind
{
  Rejected, // malformed or unknown: Error says why
  Input,    // an input event for the application: Event
  Ack,      // {"type":"ack"}: the client received a frame (pacing, the link estimate)
  KeyFrame, // {"type":"keyframe"}: its video decoder needs a key frame
  Name,     // {"type":"name","name":"Ada"}: its display name (Text, not yet checked: DisplayName)
  Control,  // {"type":"control","action":"ask"|"give"|"keep"|"release"[,"to":id]}: Action, To
  Cursor,   // {"type":"cursor","x":..,"y":..} or {"type":"cursor","over":false}: X, Y, Over
  Record,   // {"type":"record","action":"start"|"stop"}: Start
};

enum class ControlAction
{
  Ask,
  Give,
  Keep,
  Release,
};

struct ParsedInput
{
  MessageKind Kind = MessageKind::Rejected;
  ipc::InputEvent Event; // Kind == Input
  std::string Error;     // Kind == Rejected: why (for logs and tests)
  std::string Text;      // Kind == Name
  ControlAction Action = ControlAction::Ask; // Kind == Control
  std::uint64_t To = 0;  // Kind == Control, give: whom (0: the newest asker)
  float X = 0.f, Y = 0.f; // Kind == Cursor
  bool Over = true;       // Kind == Cursor: false = the pointer left the view
  bool Start = false;     // Kind == Record: start (else stop) recording
};

/// Parses one client text message. Never throws. Event.TimeNs is left 0 (the caller stamps
/// it when it pushes the event).
ParsedInput ParseInputEvent(std::string_view text, std::uint32_t maxWidth, std::uint32_t maxHeight);
} // namespace renderstream::server

#endif
