// Rules for client text messages on /ws.
//
// Counted and ignored (the socket stays open; /stats "inputRejected" grows):
//  - not JSON, JSON that is not an object, numbers that overflow (1e999 is a parse error),
//  - a missing or unknown "type", "action" or action "name",
//  - a required field missing or of the wrong JSON type (e.g. "x":"0.5", "button":1.5),
//  - an out-of-range value: x/y outside [0,1], button outside 0..2, non-finite dy,
//    key empty or over 15 bytes, code over 15 bytes, key/code holding NUL, resize width or
//    height outside 1..segment maximum, detail outside 0..255, style other than
//    trackball/joystick,
//  - a modifier flag (ctrl/shift/alt/meta) present but not a boolean.
//  - name: "name" not a string (DisplayName checks its text); control: an unknown action, a
//    "to" that is not a positive integer; cursor: x/y outside [0,1] unless "over" is false.
// Unknown extra fields are ignored (forward compatibility).
// Closed by the WebSocket session, not here: a binary message (close 1003) and a message over
// 4 KiB (close 1009, through read_message_max). A view-only client's messages are parsed
// (it acknowledges frames, names itself, asks for control), its input dropped and counted apart.
#include "InputParser.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <cstring>
#include <initializer_list>
#include <utility>

namespace renderstream::server
{
namespace
{
using Json = nlohmann::json;

struct Rejected
{
  std::string Why;
};

const Json* Field(const Json& object, const char* name)
{
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

std::string RequireString(const Json& object, const char* name)
{
  const Json* value = Field(object, name);
  if (!value || !value->is_string())
  {
    throw Rejected{ std::string("'") + name + "' must be a string" };
  }
  return value->get<std::string>();
}

double RequireNumber(const Json& object, const char* name, double low, double high)
{
  const Json* value = Field(object, name);
  if (!value || !value->is_number())
  {
    throw Rejected{ std::string("'") + name + "' must be a number" };
  }
  const double number = value->get<double>();
  if (!std::isfinite(number) || number < low || number > high)
  {
    throw Rejected{ std::string("'") + name + "' is out of range" };
  }
  return number;
}

std::int64_t RequireInteger(const Json& object, const char* name, std::int64_t low, std::int64_t high)
{
  const Json* value = Field(object, name);
  if (!value || !value->is_number_integer())
  {
    throw Rejected{ std::string("'") + name + "' must be an integer" };
  }
  const std::int64_t number = value->is_number_unsigned()
    ? static_cast<std::int64_t>(std::min<std::uint64_t>(value->get<std::uint64_t>(), INT64_MAX))
    : value->get<std::int64_t>();
  if (number < low || number > high)
  {
    throw Rejected{ std::string("'") + name + "' is out of range" };
  }
  return number;
}

std::int64_t OptionalInteger(const Json& object, const char* name, std::int64_t low, std::int64_t high, std::int64_t fallback)
{
  return Field(object, name) ? RequireInteger(object, name, low, high) : fallback;
}

std::uint8_t Modifiers(const Json& object)
{
  static constexpr struct
  {
    const char* Name;
    std::uint8_t Bit;
  } kFlags[] = { { "ctrl", ipc::ModCtrl }, { "shift", ipc::ModShift }, { "alt", ipc::ModAlt },
    { "meta", ipc::ModMeta } };
  std::uint8_t bits = 0;
  for (const auto& flag : kFlags)
  {
    const Json* value = Field(object, flag.Name);
    if (!value)
    {
      continue;
    }
    if (!value->is_boolean())
    {
      throw Rejected{ std::string("'") + flag.Name + "' must be a boolean" };
    }
    if (value->get<bool>())
    {
      bits |= flag.Bit;
    }
  }
  return bits;
}

void CopyText(char (&target)[16], const std::string& text, const char* name, bool allowEmpty)
{
  if (text.size() > 15 || (!allowEmpty && text.empty()) || text.find('\0') != std::string::npos)
  {
    throw Rejected{ std::string("'") + name + "' must be " + (allowEmpty ? "0" : "1") +
      "..15 bytes without NUL" };
  }
  std::memcpy(target, text.data(), text.size());
  target[text.size()] = '\0';
}

// The event type named by the string field `name`, one of `choices`.
ipc::EventType RequireChoice(const Json& object, const char* name,
  std::initializer_list<std::pair<const char*, ipc::EventType>> choices, const char* unknown)
{
  const std::string value = RequireString(object, name);
  for (const auto& [text, type] : choices)
  {
    if (value == text)
    {
      return type;
    }
  }
  throw Rejected{ unknown };
}

void Pointer(const Json& object, ipc::InputEvent& event)
{
  event.Type = RequireChoice(object, "action",
    { { "down", ipc::EventType::PointerDown }, { "up", ipc::EventType::PointerUp },
      { "move", ipc::EventType::PointerMove }, { "enter", ipc::EventType::Enter },
      { "leave", ipc::EventType::Leave } },
    "unknown pointer action");
  event.X = static_cast<float>(RequireNumber(object, "x", 0.0, 1.0));
  event.Y = static_cast<float>(RequireNumber(object, "y", 0.0, 1.0));
  // A press or release must say which button; a move, enter or leave may omit it.
  const bool pressOrRelease =
    event.Type == ipc::EventType::PointerDown || event.Type == ipc::EventType::PointerUp;
  event.Button = static_cast<std::uint8_t>(pressOrRelease
      ? RequireInteger(object, "button", 0, 2)
      : OptionalInteger(object, "button", 0, 2, 0));
  event.Modifiers = Modifiers(object);
  const std::int64_t detail = OptionalInteger(object, "detail", 0, 255, 1);
  event.RepeatCount = static_cast<std::uint8_t>(detail > 1 ? detail - 1 : 0); // 1 = double click
}

void Wheel(const Json& object, ipc::InputEvent& event)
{
  event.Type = ipc::EventType::Wheel;
  event.X = static_cast<float>(RequireNumber(object, "x", 0.0, 1.0));
  event.Y = static_cast<float>(RequireNumber(object, "y", 0.0, 1.0));
  event.Delta = static_cast<float>(RequireNumber(object, "dy", -1e6, 1e6));
  event.Modifiers = Modifiers(object);
}

void Key(const Json& object, ipc::InputEvent& event)
{
  event.Type = RequireChoice(object, "action",
    { { "down", ipc::EventType::KeyDown }, { "up", ipc::EventType::KeyUp } }, "unknown key action");
  CopyText(event.Key, RequireString(object, "key"), "key", false);
  CopyText(event.Code, RequireString(object, "code"), "code", true);
  event.Modifiers = Modifiers(object);
}

void Resize(const Json& object, ipc::InputEvent& event, std::uint32_t maxWidth, std::uint32_t maxHeight)
{
  event.Type = ipc::EventType::Resize;
  event.Width = static_cast<std::uint32_t>(RequireInteger(object, "width", 1, maxWidth));
  event.Height = static_cast<std::uint32_t>(RequireInteger(object, "height", 1, maxHeight));
}

void Control(const Json& object, ParsedInput& result)
{
  static constexpr std::pair<const char*, ControlAction> kActions[] = { { "ask", ControlAction::Ask },
    { "give", ControlAction::Give }, { "keep", ControlAction::Keep }, { "release", ControlAction::Release } };
  const std::string action = RequireString(object, "action");
  const auto* found = std::find_if(std::begin(kActions), std::end(kActions),
    [&](const auto& a) { return action == a.first; });
  if (found == std::end(kActions))
  {
    throw Rejected{ "unknown control action" };
  }
  result.Action = found->second;
  result.To = static_cast<std::uint64_t>(OptionalInteger(object, "to", 1, INT64_MAX, 0));
}

void Cursor(const Json& object, ParsedInput& result)
{
  const Json* over = Field(object, "over");
  if (over && !over->is_boolean())
  {
    throw Rejected{ "'over' must be a boolean" };
  }
  result.Over = !over || over->get<bool>();
  if (result.Over)
  {
    result.X = static_cast<float>(RequireNumber(object, "x", 0.0, 1.0));
    result.Y = static_cast<float>(RequireNumber(object, "y", 0.0, 1.0));
  }
}

void Action(const Json& object, ipc::InputEvent& event)
{
  const std::string name = RequireString(object, "name");
  if (name == "resetCamera")
  {
    event.Type = ipc::EventType::ResetCamera;
    return;
  }
  if (name == "style")
  {
    const std::string value = RequireString(object, "value");
    if (value != "trackball" && value != "joystick")
    {
      throw Rejected{ "style must be trackball or joystick" };
    }
    event.Type = ipc::EventType::InteractionStyle;
    event.Key[0] = value[0]; // 't' or 'j'
    return;
  }
  throw Rejected{ "unknown action name" };
}

void Record(const Json& object, ParsedInput& result)
{
  const std::string action = RequireString(object, "action");
  if (action != "start" && action != "stop")
  {
    throw Rejected{ "record action must be start or stop" };
  }
  result.Start = action == "start";
}

struct WindowBounds
{
  std::uint32_t MaxWidth, MaxHeight; // the segment's: a resize may not exceed them
};

/// A message's "type", what it is and what reads its other fields (none: nothing to read).
struct MessageType
{
  const char* Name;
  MessageKind Kind;
  void (*Parse)(const Json& object, ParsedInput& result, WindowBounds bounds);
};

constexpr MessageType kMessageTypes[] = {
  { "pointer", MessageKind::Input, [](const Json& o, ParsedInput& r, WindowBounds) { Pointer(o, r.Event); } },
  { "wheel", MessageKind::Input, [](const Json& o, ParsedInput& r, WindowBounds) { Wheel(o, r.Event); } },
  { "key", MessageKind::Input, [](const Json& o, ParsedInput& r, WindowBounds) { Key(o, r.Event); } },
  { "resize", MessageKind::Input,
    [](const Json& o, ParsedInput& r, WindowBounds b) { Resize(o, r.Event, b.MaxWidth, b.MaxHeight); } },
  { "action", MessageKind::Input, [](const Json& o, ParsedInput& r, WindowBounds) { Action(o, r.Event); } },
  { "ack", MessageKind::Ack, nullptr },
  { "keyframe", MessageKind::KeyFrame, nullptr },
  { "name", MessageKind::Name,
    [](const Json& o, ParsedInput& r, WindowBounds) { r.Text = RequireString(o, "name"); } },
  { "control", MessageKind::Control, [](const Json& o, ParsedInput& r, WindowBounds) { Control(o, r); } },
  { "cursor", MessageKind::Cursor, [](const Json& o, ParsedInput& r, WindowBounds) { Cursor(o, r); } },
  { "record", MessageKind::Record, [](const Json& o, ParsedInput& r, WindowBounds) { Record(o, r); } },
};
} // namespace

ParsedInput ParseInputEvent(std::string_view text, std::uint32_t maxWidth, std::uint32_t maxHeight)
{
  ParsedInput result;
  const Json object = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded())
  {
    result.Error = "not valid JSON";
    return result;
  }
  if (!object.is_object())
  {
    result.Error = "not a JSON object";
    return result;
  }
  try
  {
    const std::string type = RequireString(object, "type");
    const auto* found = std::find_if(std::begin(kMessageTypes), std::end(kMessageTypes),
      [&](const MessageType& candidate) { return type == candidate.Name; });
    if (found == std::end(kMessageTypes))
    {
      throw Rejected{ "unknown type" };
    }
    if (found->Parse)
    {
      found->Parse(object, result, WindowBounds{ maxWidth, maxHeight });
    }
    result.Kind = found->Kind;
  }
  catch (const Rejected& rejected)
  {
    result = ParsedInput{};
    result.Error = rejected.Why;
  }
  catch (const std::exception& e) // defensive: nlohmann type errors
  {
    result = ParsedInput{};
    result.Error = e.what();
  }
  return result;
}
} // namespace renderstream::server
