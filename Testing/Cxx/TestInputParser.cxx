// InputParser: JSON text -> ipc::InputEvent, without sockets.
#include "InputParser.h"

#include <gtest/gtest.h>

#include <cstring>

using renderstream::ipc::EventType;
using namespace renderstream::server;

namespace
{
ParsedInput Parse(const std::string& text)
{
  return ParseInputEvent(text, 1920, 1080);
}
} // namespace

TEST(InputParser, PointerDownWithModifiersAndDoubleClick)
{
  const auto r = Parse(R"({"type":"pointer","action":"down","x":0.25,"y":0.75,"button":2,)"
                       R"("ctrl":true,"shift":false,"alt":true,"meta":true,"detail":2})");
  ASSERT_EQ(r.Kind, MessageKind::Input) << r.Error;
  EXPECT_EQ(r.Event.Type, EventType::PointerDown);
  EXPECT_FLOAT_EQ(r.Event.X, 0.25f);
  EXPECT_FLOAT_EQ(r.Event.Y, 0.75f);
  EXPECT_EQ(r.Event.Button, 2);
  EXPECT_EQ(r.Event.Modifiers, renderstream::ipc::ModCtrl | renderstream::ipc::ModAlt |
      renderstream::ipc::ModMeta);
  EXPECT_EQ(r.Event.RepeatCount, 1);
}

TEST(InputParser, MoveWithoutButtonAndUp)
{
  auto r = Parse(R"({"type":"pointer","action":"move","x":0,"y":1})");
  ASSERT_EQ(r.Kind, MessageKind::Input) << r.Error;
  EXPECT_EQ(r.Event.Type, EventType::PointerMove);
  EXPECT_EQ(r.Event.Modifiers, 0);
  r = Parse(R"({"type":"pointer","action":"up","x":1,"y":0,"button":0})");
  ASSERT_EQ(r.Kind, MessageKind::Input);
  EXPECT_EQ(r.Event.Type, EventType::PointerUp);
}

TEST(InputParser, EnterAndLeaveNeedNoButton)
{
  auto r = Parse(R"({"type":"pointer","action":"enter","x":0.1,"y":0.2})");
  ASSERT_EQ(r.Kind, MessageKind::Input) << r.Error;
  EXPECT_EQ(r.Event.Type, EventType::Enter);
  r = Parse(R"({"type":"pointer","action":"leave","x":1,"y":1,"shift":true})");
  ASSERT_EQ(r.Kind, MessageKind::Input) << r.Error;
  EXPECT_EQ(r.Event.Type, EventType::Leave);
  EXPECT_EQ(Parse(R"({"type":"pointer","action":"hover","x":0,"y":0})").Kind, MessageKind::Rejected);
}
TEST(InputParser, WheelKeyResizeActions)
{
  auto r = Parse(R"({"type":"wheel","x":0.5,"y":0.5,"dy":-1.5,"shift":true})");
  ASSERT_EQ(r.Kind, MessageKind::Input) << r.Error;
  EXPECT_EQ(r.Event.Type, EventType::Wheel);
  EXPECT_FLOAT_EQ(r.Event.Delta, -1.5f);
  EXPECT_EQ(r.Event.Modifiers, renderstream::ipc::ModShift);
  r = Parse(R"({"type":"key","action":"down","key":"r","code":"KeyR"})");
  ASSERT_EQ(r.Kind, MessageKind::Input) << r.Error;
  EXPECT_EQ(r.Event.Type, EventType::KeyDown);
  EXPECT_STREQ(r.Event.Key, "r");
  EXPECT_STREQ(r.Event.Code, "KeyR");
  r = Parse(R"({"type":"key","action":"up","key":"é","code":""})");
  ASSERT_EQ(r.Kind, MessageKind::Input) << r.Error;
  EXPECT_EQ(r.Event.Type, EventType::KeyUp);
  EXPECT_STREQ(r.Event.Key, "é");
  r = Parse(R"({"type":"resize","width":800,"height":600})");
  ASSERT_EQ(r.Kind, MessageKind::Input) << r.Error;
  EXPECT_EQ(r.Event.Type, EventType::Resize);
  EXPECT_EQ(r.Event.Width, 800u);
  EXPECT_EQ(r.Event.Height, 600u);
  r = Parse(R"({"type":"action","name":"resetCamera"})");
  ASSERT_EQ(r.Kind, MessageKind::Input);
  EXPECT_EQ(r.Event.Type, EventType::ResetCamera);
  r = Parse(R"({"type":"action","name":"style","value":"joystick"})");
  ASSERT_EQ(r.Kind, MessageKind::Input);
  EXPECT_EQ(r.Event.Type, EventType::InteractionStyle);
  EXPECT_EQ(r.Event.Key[0], 'j');
  r = Parse(R"({"type":"action","name":"style","value":"trackball","extra":[1,2]})");
  ASSERT_EQ(r.Kind, MessageKind::Input);
  EXPECT_EQ(r.Event.Key[0], 't');
}

TEST(InputParser, RejectsMalformedMessages)
{
  const char* const bad[] = {
    "",
    "not json",
    "{",
    "[]",
    "42",
    R"("pointer")",
    R"({})",
    R"({"type":7})",
    R"({"type":"teleport"})",
    R"({"type":"pointer","action":"down","x":0.5,"y":0.5})",          // no button
    R"({"type":"pointer","action":"hover","x":0.5,"y":0.5,"button":0})",
    R"({"type":"pointer","action":"move","x":1.5,"y":0.5})",
    R"({"type":"pointer","action":"move","x":-0.1,"y":0.5})",
    R"({"type":"pointer","action":"move","x":"0.5","y":0.5})",
    R"({"type":"pointer","action":"move","x":1e999,"y":0.5})",
    R"({"type":"pointer","action":"move","x":null,"y":0.5})",
    R"({"type":"pointer","action":"move","y":0.5})",
    R"({"type":"pointer","action":"down","x":0.5,"y":0.5,"button":3})",
    R"({"type":"pointer","action":"down","x":0.5,"y":0.5,"button":1.5})",
    R"({"type":"pointer","action":"move","x":0.5,"y":0.5,"ctrl":"yes"})",
    R"({"type":"pointer","action":"down","x":0.5,"y":0.5,"button":0,"detail":1000})",
    R"({"type":"wheel","x":0.5,"y":0.5})",
    R"({"type":"wheel","x":0.5,"y":0.5,"dy":NaN})",
    R"({"type":"wheel","x":0.5,"y":0.5,"dy":-1e999})",
    R"({"type":"key","action":"down","key":"","code":"KeyR"})",
    R"({"type":"key","action":"down","key":"ThisKeyNameIsWayTooLong","code":"KeyR"})",
    R"({"type":"key","action":"down","key":"r","code":"ThisCodeIsWayTooLong"})",
    R"({"type":"key","action":"down","key":"a\u0000b","code":"KeyR"})",
    R"({"type":"key","action":"press","key":"r","code":"KeyR"})",
    R"({"type":"key","action":"down","key":"r"})",
    R"({"type":"resize","width":0,"height":600})",
    R"({"type":"resize","width":800,"height":5000})",
    R"({"type":"resize","width":800.5,"height":600})",
    R"({"type":"resize","width":-800,"height":600})",
    R"({"type":"resize","width":18446744073709551615,"height":600})",
    R"({"type":"action","name":"selfDestruct"})",
    R"({"type":"action","name":"style","value":"flight"})",
    R"({"type":"action"})",
    "{\"type\":\"key\",\"action\":\"down\",\"key\":\"\xff\",\"code\":\"\"}", // invalid UTF-8
  };
  for (const char* text : bad)
  {
    const auto r = Parse(text);
    EXPECT_EQ(r.Kind, MessageKind::Rejected) << "accepted: " << text;
    EXPECT_FALSE(r.Error.empty()) << text;
    EXPECT_EQ(r.Event.Type, EventType::None) << text;
  }
}

TEST(InputParser, AcksAndKeyFrameRequestsAreNotInput)
{
  auto r = Parse(R"({"type":"ack"})");
  EXPECT_EQ(r.Kind, MessageKind::Ack);
  EXPECT_EQ(r.Event.Type, EventType::None);
  r = Parse(R"({"type":"keyframe"})");
  EXPECT_EQ(r.Kind, MessageKind::KeyFrame);
  EXPECT_EQ(r.Event.Type, EventType::None);
  EXPECT_EQ(Parse(R"({"type":"ack","x":[)").Kind, MessageKind::Rejected); // not JSON
}
