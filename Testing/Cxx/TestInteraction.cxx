// Browser input takes the real path: JSON over the server's WebSocket, the server's
// validation, the shared-memory ring, then the streamer's tick injects it into the real
// interactor. Each event kind arrives with the right position, button, modifiers and key, and
// the interactor style reacts (drag rotates, wheel zooms, 'r' resets the camera).
#include "ServerProcess.h"
#include "StreamingScene.h"
#include "TestClient.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkStringOutputWindow.h>
#include <vtkRenderWindowInteractor.h>

#include <chrono>
#include <functional>
#include <cmath>
#include <cstdlib>
#include <thread>
#include <cstring>
#include <vector>

namespace
{
using renderstream::ipc::EventType;
using renderstream::ipc::InputEvent;

// What the interactor reported for one VTK event.
struct Seen
{
  unsigned long Event;
  int X, Y, Ctrl, Shift, Alt, Repeat;
  std::string KeySym;
  char KeyCode;
};

class InteractionTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    ASSERT_TRUE(this->Scene.Start()) << this->Scene.Streamer->GetLastError();
    const std::string url = this->Scene.Streamer->GetURL();
    this->Port = static_cast<std::uint16_t>(this->Scene.Streamer->GetActualPort());
    this->Token = url.substr(url.find("token=") + 6);
    this->Browser = std::make_unique<renderstream::testing::WsClient>(this->Port, "/ws?token=" + this->Token);
    ASSERT_TRUE(this->Browser->Open()) << "upgrade status " << this->Browser->HandshakeStatus;
    this->Recorder->SetClientData(&this->Events);
    this->Recorder->SetCallback([](vtkObject* caller, unsigned long id, void* data, void*) {
      auto* interactor = static_cast<vtkRenderWindowInteractor*>(caller);
      const char* sym = interactor->GetKeySym();
      static_cast<std::vector<Seen>*>(data)->push_back({ id, interactor->GetEventPosition()[0],
        interactor->GetEventPosition()[1], interactor->GetControlKey(), interactor->GetShiftKey(),
        interactor->GetAltKey(), interactor->GetRepeatCount(), sym ? sym : "",
        interactor->GetKeyCode() });
    });
    for (unsigned long id : { vtkCommand::MouseMoveEvent, vtkCommand::LeftButtonPressEvent,
           vtkCommand::LeftButtonReleaseEvent, vtkCommand::MiddleButtonPressEvent,
           vtkCommand::MiddleButtonReleaseEvent, vtkCommand::RightButtonPressEvent,
           vtkCommand::RightButtonReleaseEvent, vtkCommand::MouseWheelForwardEvent,
           vtkCommand::MouseWheelBackwardEvent, vtkCommand::KeyPressEvent,
           vtkCommand::KeyReleaseEvent, vtkCommand::CharEvent, vtkCommand::EnterEvent,
           vtkCommand::LeaveEvent })
    {
      // Priority above the style's observers, so every event is seen before it is handled.
      this->Scene.Interactor->AddObserver(id, this->Recorder, 10.f);
    }
  }

  // Sends the event as the viewer page would (JSON of Module/server/README.md).
  void Send(const InputEvent& e)
  {
    static const char* const pointerActions[] = { "", "move", "down", "up" };
    const auto flag = [&](renderstream::ipc::Modifier m) { return (e.Modifiers & m) != 0; };
    nlohmann::json message = { { "ctrl", flag(renderstream::ipc::ModCtrl) },
      { "shift", flag(renderstream::ipc::ModShift) } };
    switch (e.Type)
    {
      case EventType::PointerMove:
      case EventType::PointerDown:
      case EventType::PointerUp:
      case EventType::Enter:
      case EventType::Leave:
        message.update({ { "type", "pointer" }, { "x", e.X }, { "y", e.Y }, { "button", e.Button },
          { "alt", flag(renderstream::ipc::ModAlt) }, { "detail", e.RepeatCount + 1 },
          { "action", e.Type == EventType::Enter ? "enter"
              : e.Type == EventType::Leave       ? "leave"
                                                 : pointerActions[static_cast<int>(e.Type)] } });
        break;
      case EventType::Wheel:
        message.update({ { "type", "wheel" }, { "x", e.X }, { "y", e.Y }, { "dy", e.Delta } });
        break;
      case EventType::KeyDown:
      case EventType::KeyUp:
        message.update({ { "type", "key" }, { "action", e.Type == EventType::KeyDown ? "down" : "up" },
          { "key", e.Key }, { "code", "" }, { "alt", flag(renderstream::ipc::ModAlt) } });
        break;
      case EventType::Resize:
        message = { { "type", "resize" }, { "width", e.Width }, { "height", e.Height } };
        break;
      case EventType::ResetCamera:
        message = { { "type", "action" }, { "name", "resetCamera" } };
        break;
      case EventType::InteractionStyle:
        message = { { "type", "action" }, { "name", "style" },
          { "value", e.Key[0] == 'j' ? "joystick" : "trackball" } };
        break;
      default:
        FAIL() << "no JSON for event type " << static_cast<int>(e.Type);
    }
    ASSERT_TRUE(this->Browser->SendText(message.dump()));
    ++this->Sent;
  }
  static InputEvent Pointer(EventType type, float x, float y, int button = 0, std::uint8_t mods = 0)
  {
    InputEvent e;
    e.Type = type;
    e.X = x;
    e.Y = y;
    e.Button = static_cast<std::uint8_t>(button);
    e.Modifiers = mods;
    return e;
  }
  static InputEvent Key(EventType type, const char* key, std::uint8_t mods = 0)
  {
    InputEvent e;
    e.Type = type;
    e.Modifiers = mods;
    std::strncpy(e.Key, key, sizeof(e.Key) - 1);
    return e;
  }
  void Drag(float x0, float y0, float x1, float y1, int button = 0)
  {
    this->Send(Pointer(EventType::PointerDown, x0, y0, button));
    this->Take();
    for (int i = 1; i <= 10; ++i)
    {
      const float t = i / 10.f;
      this->Send(Pointer(EventType::PointerMove, x0 + t * (x1 - x0), y0 + t * (y1 - y0), button));
      this->Take(); // one move per tick, as a browser at 60 Hz would deliver
    }
    this->Send(Pointer(EventType::PointerUp, x1, y1, button));
    this->Take();
  }
  // Interactor styles grab the focus on a button press, so that only they see the matching
  // release (as with a local mouse); tests of the plumbing itself detach the style.
  void WithoutStyle() { this->Scene.Interactor->SetInteractorStyle(nullptr); }
  // Waits until the server has queued everything sent so far, then ticks once (as the
  // interactor timer would) and returns what the interactor reported.
  std::vector<Seen> Take()
  {
    for (int attempt = 0; attempt < 500 && this->Accepted() < this->Sent; ++attempt)
    {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(this->Accepted(), this->Sent) << "the server refused or lost an event";
    this->Scene.Streamer->Tick();
    return std::exchange(this->Events, {});
  }
  int Accepted()
  {
    const auto stats = renderstream::testing::GetStats(this->Port, this->Token);
    return stats.is_discarded() ? -1 : stats["input"]["accepted"].get<int>();
  }

  StreamingScene Scene{ 400, 300 };
  std::unique_ptr<renderstream::testing::WsClient> Browser;
  std::uint16_t Port = 0;
  std::string Token;
  int Sent = 0;
  vtkNew<vtkCallbackCommand> Recorder;
  std::vector<Seen> Events;
};

TEST_F(InteractionTest, PointerPositionIsConvertedToBottomLeftPixels)
{
  this->Send(Pointer(EventType::PointerMove, 0.25f, 0.25f));
  const auto seen = this->Take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Event, vtkCommand::MouseMoveEvent);
  EXPECT_EQ(seen[0].X, std::lround(0.25 * 399));
  EXPECT_EQ(seen[0].Y, std::lround(0.75 * 299)); // top-left 0.25 is 3/4 up from the bottom
}

TEST_F(InteractionTest, EachButtonPressAndReleaseArrives)
{
  const unsigned long expected[3][2] = {
    { vtkCommand::LeftButtonPressEvent, vtkCommand::LeftButtonReleaseEvent },
    { vtkCommand::MiddleButtonPressEvent, vtkCommand::MiddleButtonReleaseEvent },
    { vtkCommand::RightButtonPressEvent, vtkCommand::RightButtonReleaseEvent },
  };
  this->WithoutStyle();
  for (int button = 0; button < 3; ++button)
  {
    this->Send(Pointer(EventType::PointerDown, 0.5f, 0.5f, button));
    this->Send(Pointer(EventType::PointerUp, 0.5f, 0.5f, button));
    const auto seen = this->Take();
    ASSERT_EQ(seen.size(), 2u) << "button " << button;
    EXPECT_EQ(seen[0].Event, expected[button][0]);
    EXPECT_EQ(seen[1].Event, expected[button][1]);
  }
}

TEST_F(InteractionTest, ModifiersAndDoubleClickReachTheInteractor)
{
  this->WithoutStyle();
  auto press = Pointer(EventType::PointerDown, 0.1f, 0.9f, 0,
    renderstream::ipc::ModCtrl | renderstream::ipc::ModShift | renderstream::ipc::ModAlt);
  press.RepeatCount = 1;
  this->Send(press);
  const auto seen = this->Take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].Ctrl, 1);
  EXPECT_EQ(seen[0].Shift, 1);
  EXPECT_EQ(seen[0].Alt, 1);
  EXPECT_EQ(seen[0].Repeat, 1);
  this->Send(Pointer(EventType::PointerUp, 0.1f, 0.9f));
  const auto release = this->Take();
  ASSERT_EQ(release.size(), 1u);
  EXPECT_EQ(release[0].Ctrl, 0);
  EXPECT_EQ(release[0].Alt, 0);
}

TEST_F(InteractionTest, WheelDirectionSelectsForwardOrBackward)
{
  auto forward = Pointer(EventType::Wheel, 0.5f, 0.5f);
  forward.Delta = -1.f;
  auto backward = forward;
  backward.Delta = 1.f;
  this->Send(forward);
  this->Send(backward);
  const auto seen = this->Take();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].Event, vtkCommand::MouseWheelForwardEvent);
  EXPECT_EQ(seen[1].Event, vtkCommand::MouseWheelBackwardEvent);
}

TEST_F(InteractionTest, PrintableKeyGivesKeyPressCharAndRelease)
{
  this->Send(Key(EventType::KeyDown, "a", renderstream::ipc::ModShift));
  this->Send(Key(EventType::KeyUp, "a"));
  const auto seen = this->Take();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].Event, vtkCommand::KeyPressEvent);
  EXPECT_EQ(seen[1].Event, vtkCommand::CharEvent);
  EXPECT_EQ(seen[2].Event, vtkCommand::KeyReleaseEvent);
  EXPECT_EQ(seen[0].KeySym, "a");
  EXPECT_EQ(seen[1].KeyCode, 'a');
  EXPECT_EQ(seen[0].Shift, 1);
}

TEST_F(InteractionTest, NamedKeysUseVTKKeySymsAndNoChar)
{
  this->Send(Key(EventType::KeyDown, "ArrowLeft"));
  this->Send(Key(EventType::KeyDown, "Enter"));
  const auto seen = this->Take();
  ASSERT_EQ(seen.size(), 3u); // ArrowLeft: press only; Enter: press + char '\r'
  EXPECT_EQ(seen[0].KeySym, "Left");
  EXPECT_EQ(seen[0].KeyCode, 0);
  EXPECT_EQ(seen[1].KeySym, "Return");
  EXPECT_EQ(seen[2].Event, vtkCommand::CharEvent);
  EXPECT_EQ(seen[2].KeyCode, '\r');
}

TEST_F(InteractionTest, EnterAndLeaveArrive)
{
  this->Send(Pointer(EventType::Enter, 0.5f, 0.5f));
  this->Send(Pointer(EventType::Leave, 0.5f, 0.5f));
  const auto seen = this->Take();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].Event, vtkCommand::EnterEvent);
  EXPECT_EQ(seen[1].Event, vtkCommand::LeaveEvent);
}

TEST_F(InteractionTest, ConsecutiveMovesCollapseIntoTheNewest)
{
  for (int i = 0; i < 5; ++i)
  {
    this->Send(Pointer(EventType::PointerMove, 0.1f * i, 0.5f));
  }
  const auto seen = this->Take();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].X, std::lround(0.4 * 399));
}

TEST_F(InteractionTest, LeftDragRotatesTheCamera)
{
  vtkCamera* camera = this->Scene.Renderer->GetActiveCamera();
  double before[3];
  camera->GetPosition(before);
  this->Drag(0.3f, 0.5f, 0.7f, 0.5f);
  double after[3];
  camera->GetPosition(after);
  EXPECT_GT(std::hypot(after[0] - before[0], after[1] - before[1], after[2] - before[2]), 0.1);
  EXPECT_GT(this->Scene.Streamer->GetFramesCaptured(), 1u); // the style rendered, we captured
}

TEST_F(InteractionTest, WheelForwardMovesTheCameraCloser)
{
  vtkCamera* camera = this->Scene.Renderer->GetActiveCamera();
  const double before = camera->GetDistance();
  auto wheel = Pointer(EventType::Wheel, 0.5f, 0.5f);
  wheel.Delta = -1.f;
  this->Send(wheel);
  this->Take();
  EXPECT_LT(camera->GetDistance(), before * 0.99);
}

TEST_F(InteractionTest, KeyRResetsTheCamera)
{
  vtkCamera* camera = this->Scene.Renderer->GetActiveCamera();
  const double original = camera->GetDistance();
  camera->Dolly(3.0);
  ASSERT_LT(camera->GetDistance(), original * 0.5);
  this->Send(Key(EventType::KeyDown, "r"));
  this->Send(Key(EventType::KeyUp, "r"));
  this->Take();
  EXPECT_NEAR(camera->GetDistance(), original, original * 0.05);
}

TEST_F(InteractionTest, ResetCameraActionResetsTheCamera)
{
  vtkCamera* camera = this->Scene.Renderer->GetActiveCamera();
  const double original = camera->GetDistance();
  camera->Dolly(3.0);
  InputEvent reset;
  reset.Type = EventType::ResetCamera;
  this->Send(reset);
  this->Take();
  EXPECT_NEAR(camera->GetDistance(), original, original * 0.05);
}

TEST_F(InteractionTest, StyleActionSwitchesBetweenTrackballAndJoystick)
{
  InputEvent style;
  style.Type = EventType::InteractionStyle;
  style.Key[0] = 'j';
  this->Send(style);
  this->Take();
  EXPECT_STREQ(this->Scene.Interactor->GetInteractorStyle()->GetClassName(),
    "vtkInteractorStyleJoystickCamera");
  style.Key[0] = 't';
  this->Send(style);
  this->Take();
  EXPECT_STREQ(this->Scene.Interactor->GetInteractorStyle()->GetClassName(),
    "vtkInteractorStyleTrackballCamera");
}

TEST_F(InteractionTest, ExitKeysFromTheBrowserDoNotStopTheApplication)
{
  int exits = 0;
  vtkNew<vtkCallbackCommand> onExit;
  onExit->SetClientData(&exits);
  onExit->SetCallback([](vtkObject*, unsigned long, void* count, void*) { ++*static_cast<int*>(count); });
  this->Scene.Interactor->AddObserver(vtkCommand::ExitEvent, onExit);
  for (const char* key : { "q", "e", "Q" })
  {
    this->Send(Key(EventType::KeyDown, key));
    this->Send(Key(EventType::KeyUp, key));
  }
  const auto seen = this->Take();
  EXPECT_EQ(exits, 0);
  EXPECT_EQ(seen.size(), 6u); // press and release reach observers; no CharEvent
}

TEST_F(InteractionTest, ResizeResizesTheWindowWithinTheSharedMaximum)
{
  InputEvent resize;
  resize.Type = EventType::Resize;
  resize.Width = 320;
  resize.Height = 200;
  this->Send(resize);
  this->Take();
  EXPECT_EQ(this->Scene.Window->GetSize()[0], 320);
  EXPECT_EQ(this->Scene.Window->GetSize()[1], 200);
  resize.Width = 800; // the shared memory's maximum (twice the window, see StreamingScene)
  resize.Height = 600;
  this->Send(resize);
  this->Take();
  EXPECT_EQ(this->Scene.Window->GetSize()[0], 800);
  EXPECT_EQ(this->Scene.Window->GetSize()[1], 600);
}

// A page served through a reverse proxy comes from another origin: the streamer's
// AllowedOrigins reach the server, which then accepts exactly those (and its own address).
namespace
{
double Distance(const double a[3], const double b[3])
{
  return std::hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/// Waits (up to 5 s) until /stats `pointer` reaches `count`; false if it did not.
bool WaitForCount(std::uint16_t port, const std::string& token, const char* pointer, std::uint64_t count)
{
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline)
  {
    const auto stats = renderstream::testing::GetStats(port, token);
    const auto& value = stats.is_discarded() ? nlohmann::json() : stats[nlohmann::json::json_pointer(pointer)];
    if (value.is_number() && value.get<std::uint64_t>() >= count)
    {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

/// A second page's left drag across the view: down, 10 moves, up (12 messages).
void DragFrom(renderstream::testing::WsClient& page, double y)
{
  using renderstream::testing::Pointer;
  ASSERT_TRUE(page.SendText(Pointer("down", 0.2, y)));
  for (int i = 1; i <= 10; ++i)
  {
    ASSERT_TRUE(page.SendText(Pointer("move", 0.2 + i * 0.05, y)));
  }
  ASSERT_TRUE(page.SendText(Pointer("up", 0.7, y)));
}
} // namespace

// Two pages (--control one, the default): while the first holds its button it drives, and the
// second one's drag reaches nothing: the camera stays where it was, the drag is counted, and
// the application knows who drives.
TEST_F(InteractionTest, ASecondPagesDragWhileTheFirstDrivesLeavesTheCameraAlone)
{
  ASSERT_TRUE(this->Browser->SendText(R"({"type":"name","name":"Ada"})"));
  this->Send(Pointer(EventType::PointerDown, 0.5f, 0.5f));
  this->Take();
  vtkCamera* camera = this->Scene.Renderer->GetActiveCamera();
  double before[3];
  camera->GetPosition(before);
  renderstream::testing::WsClient second(this->Port, "/ws?token=" + this->Token);
  ASSERT_TRUE(second.Open());
  DragFrom(second, 0.5);
  ASSERT_TRUE(WaitForCount(this->Port, this->Token, "/control/notApplied", 12));
  this->Take();
  double after[3];
  camera->GetPosition(after);
  EXPECT_LT(Distance(before, after), 1e-9);
  EXPECT_STREQ(this->Scene.Streamer->GetDriverName(), "Ada");
  EXPECT_STREQ(this->Scene.Streamer->GetControlMode(), "one");
  this->Send(Pointer(EventType::PointerUp, 0.5f, 0.5f));
  this->Take();
}

// The twin: --control shared behaves as before, the second page's drag turns the scene, and
// nobody is named as driver.
TEST(Streamer, SharedControlLetsASecondPageTurnTheSceneAsBefore)
{
  StreamingScene scene(400, 300);
  scene.Streamer->SetControlMode("shared");
  ASSERT_TRUE(scene.Start()) << scene.Streamer->GetLastError();
  const std::string url = scene.Streamer->GetURL();
  const auto port = static_cast<std::uint16_t>(scene.Streamer->GetActualPort());
  const std::string token = url.substr(url.find("token=") + 6);
  renderstream::testing::WsClient first(port, "/ws?token=" + token);
  renderstream::testing::WsClient second(port, "/ws?token=" + token);
  ASSERT_TRUE(first.Open() && second.Open());
  ASSERT_TRUE(first.SendText(renderstream::testing::Pointer("down", 0.5, 0.5)));
  ASSERT_TRUE(WaitForCount(port, token, "/input/accepted", 1));
  scene.Streamer->Tick();
  vtkCamera* camera = scene.Renderer->GetActiveCamera();
  double before[3];
  camera->GetPosition(before);
  DragFrom(second, 0.5);
  ASSERT_TRUE(WaitForCount(port, token, "/input/accepted", 13));
  for (int i = 0; i < 12; ++i)
  {
    scene.Streamer->Tick(); // moves collapse into the newest one per tick
  }
  double after[3];
  camera->GetPosition(after);
  EXPECT_GT(Distance(before, after), 0.1);
  EXPECT_STREQ(scene.Streamer->GetDriverName(), "");
}

TEST(Streamer, AnUnknownControlModeIsAClearError)
{
  StreamingScene scene(200, 150);
  scene.Streamer->SetControlMode("everyone");
  vtkNew<vtkStringOutputWindow> quiet;
  vtkSmartPointer<vtkOutputWindow> previous = vtkOutputWindow::GetInstance();
  vtkOutputWindow::SetInstance(quiet);
  EXPECT_FALSE(scene.Start());
  vtkOutputWindow::SetInstance(previous);
  EXPECT_NE(std::string(scene.Streamer->GetLastError()).find("ControlMode must be"), std::string::npos)
    << scene.Streamer->GetLastError();
}

TEST(Streamer, AllowedOriginsOpenTheWebSocketToThosePagesOnly)
{
  StreamingScene scene(200, 150);
  scene.Streamer->SetAllowedOrigins("https://viz.example.org  http://127.0.0.1:9000");
  ASSERT_TRUE(scene.Start()) << scene.Streamer->GetLastError();
  const std::string url = scene.Streamer->GetURL();
  const auto port = static_cast<std::uint16_t>(scene.Streamer->GetActualPort());
  const std::string ws = "/ws?token=" + url.substr(url.find("token=") + 6);
  using renderstream::testing::UpgradeStatus;
  EXPECT_EQ(UpgradeStatus(port, ws, "https://viz.example.org"), 101);
  EXPECT_EQ(UpgradeStatus(port, ws, "http://127.0.0.1:9000"), 101);
  EXPECT_EQ(UpgradeStatus(port, ws, "http://127.0.0.1:" + std::to_string(port)), 101);
  EXPECT_EQ(UpgradeStatus(port, ws, "https://evil.example.org"), 403);
  EXPECT_EQ(UpgradeStatus(port, ws, "https://viz.example.org.evil.net"), 403);
}

// The address a proxy or tunnel gives the viewer: GetURL() shares it (the token in the
// fragment, which no proxy logs), its origin may connect, and the environment can set it.
TEST(Streamer, APublicUrlMakesTheLinkAndItsOriginIsAllowed)
{
  {
    StreamingScene scene(200, 150);
    scene.Streamer->SetPublicURL("https://viz.example.org:8443/renderstream");
    ASSERT_TRUE(scene.Start()) << scene.Streamer->GetLastError();
    const std::string url = scene.Streamer->GetURL(), local = scene.Streamer->GetLocalURL();
    const auto port = static_cast<std::uint16_t>(scene.Streamer->GetActualPort());
    const std::string token = url.substr(url.find("#token=") + 7);
    EXPECT_EQ(url, "https://viz.example.org:8443/renderstream/#token=" + token);
    EXPECT_EQ(local, "http://127.0.0.1:" + std::to_string(port) + "/#token=" + token);
    EXPECT_EQ(std::string(scene.Streamer->GetViewOnlyURL()).rfind("https://viz.example.org:8443/renderstream/#token=", 0), 0u);
    using renderstream::testing::UpgradeStatus;
    EXPECT_EQ(UpgradeStatus(port, "/ws?token=" + token, "https://viz.example.org:8443"), 101);
    EXPECT_EQ(UpgradeStatus(port, "/ws?token=" + token, "https://viz.example.org"), 403);
  }
  {
    ::setenv("RENDERSTREAM_PUBLIC_URL", "https://tunnel.example.net", 1);
    StreamingScene scene(200, 150);
    const bool started = scene.Start();
    ::unsetenv("RENDERSTREAM_PUBLIC_URL");
    ASSERT_TRUE(started) << scene.Streamer->GetLastError();
    EXPECT_EQ(std::string(scene.Streamer->GetURL()).rfind("https://tunnel.example.net/#token=", 0), 0u)
      << scene.Streamer->GetURL();
  }
  {
    StreamingScene scene(200, 150);
    scene.Streamer->SetPublicURL("viz.example.org"); // no scheme: a clear error, nothing started
    EXPECT_FALSE(scene.Start());
    EXPECT_NE(std::string(scene.Streamer->GetLastError()).find("--public-url viz.example.org is not an http(s) URL"),
      std::string::npos) << scene.Streamer->GetLastError();
    EXPECT_FALSE(scene.Streamer->IsStreaming());
  }
}
// Interactors other than X11's get the streamer's repeating timer, whose passive callback may
// find the server dead. A new server takes over on the same link, and the fifth death within a
// minute stops streaming, saying why; either way nothing touches an observer of the interactor
// from inside that callback (VTK would warn and skip the passive observers after it), the
// host's own observer sees every tick, and a later Start() works again.
TEST(Streamer, AServerDeathSeenFromThePassiveTimerIsHandledCleanly)
{
  StreamingScene scene(200, 150);
  vtkNew<vtkGenericRenderWindowInteractor> host; // a host's own loop fires its timers
  host->SetRenderWindow(scene.Window);
  int timerId = 0;
  vtkNew<vtkCallbackCommand> created; // the host learns the timer it must fire
  created->SetClientData(&timerId);
  created->SetCallback([](vtkObject*, unsigned long, void* data, void* call) {
    *static_cast<int*>(data) = *static_cast<int*>(call);
  });
  host->AddObserver(vtkCommand::CreateTimerEvent, created);
  int hostTicks = 0; // another passive timer observer, after the streamer's
  vtkNew<vtkCallbackCommand> hostObserver;
  hostObserver->PassiveObserverOn();
  hostObserver->SetClientData(&hostTicks);
  hostObserver->SetCallback([](vtkObject*, unsigned long, void* data, void*) { ++*static_cast<int*>(data); });
  scene.Streamer->SetInteractor(host);
  scene.Streamer->SetUseEventLoop(true);
  ASSERT_TRUE(scene.Start()) << scene.Streamer->GetLastError();
  host->AddObserver(vtkCommand::TimerEvent, hostObserver);
  ASSERT_NE(timerId, 0) << "the streamer made its timer";
  const std::string url = scene.Streamer->GetURL();

  vtkNew<vtkStringOutputWindow> messages;
  vtkSmartPointer<vtkOutputWindow> previous = vtkOutputWindow::GetInstance();
  vtkOutputWindow::SetInstance(messages);
  int fired = 0;
  // Kills the server, then fires the host's timer (the newest the streamer made) until `done`.
  const auto killThenTickUntil = [&](const std::function<bool()>& done) {
    const std::vector<pid_t> servers = renderstream::testing::ChildrenOf(::getpid());
    ASSERT_EQ(servers.size(), 1u);
    ::kill(servers[0], SIGKILL);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline)
    {
      host->InvokeEvent(vtkCommand::TimerEvent, &timerId);
      ++fired;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  for (int death = 1; death < vtkRenderStreamer::kMaxServerDeaths; ++death)
  {
    killThenTickUntil([&] { return scene.Streamer->GetServerRestarts() == death && scene.Streamer->IsStreaming(); });
    EXPECT_EQ(scene.Streamer->GetServerRestarts(), death);
    EXPECT_TRUE(scene.Streamer->IsStreaming());
    EXPECT_EQ(scene.Streamer->GetURL(), url) << "a new server on the same link";
  }
  killThenTickUntil([&] { return !scene.Streamer->GetURL()[0]; });
  vtkOutputWindow::SetInstance(previous);
  const std::string said = messages->GetOutput();
  EXPECT_FALSE(scene.Streamer->IsStreaming());
  EXPECT_NE(said.find("killed by signal 9; a new one takes over"), std::string::npos) << said;
  EXPECT_NE(said.find("5th death within 60 s; streaming stopped"), std::string::npos) << said;
  EXPECT_EQ(said.find("Passive observer should not"), std::string::npos) << said;
  EXPECT_EQ(hostTicks, fired) << "the host's own timer observer saw every tick";
  host->InvokeEvent(vtkCommand::TimerEvent, &timerId); // the inert observers do nothing
  EXPECT_EQ(hostTicks, fired + 1);
  ASSERT_TRUE(scene.Start()) << scene.Streamer->GetLastError();
  EXPECT_TRUE(scene.Streamer->IsStreaming());
  EXPECT_EQ(scene.Streamer->GetServerRestarts(), 0) << "Start() begins a new count";
}
// A server that stops (SIGSTOP for 5 s, as a debugger or an overloaded machine would) never
// holds the render loop up: capture writes shared memory and never waits for the server.
TEST(Streamer, AStoppedServerNeverBlocksTheRenderLoop)
{
  StreamingScene scene(200, 150);
  ASSERT_TRUE(scene.Start()) << scene.Streamer->GetLastError();
  const std::vector<pid_t> servers = renderstream::testing::ChildrenOf(::getpid());
  ASSERT_EQ(servers.size(), 1u);
  const auto captured = scene.Streamer->GetFramesCaptured();
  ASSERT_EQ(::kill(servers[0], SIGSTOP), 0);
  const auto start = std::chrono::steady_clock::now();
  double slowestMs = 0;
  int renders = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(5))
  {
    const auto before = std::chrono::steady_clock::now();
    scene.Actor->RotateY(3);
    scene.Window->Render();
    scene.Streamer->Tick();
    slowestMs = std::max(slowestMs,
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - before).count());
    ++renders;
  }
  ::kill(servers[0], SIGCONT);
  std::cout << "[ figures  ] server stopped 5 s: " << renders << " renders, the slowest render + tick took "
            << slowestMs << " ms\n";
  EXPECT_LT(slowestMs, 1000.0) << "nothing waited for the stopped server";
  EXPECT_EQ(scene.Streamer->GetFramesCaptured() - captured, static_cast<vtkTypeUInt64>(renders));
  EXPECT_TRUE(scene.Streamer->IsStreaming()) << "a stopped server is not a dead one";
  const std::string url = scene.Streamer->GetURL();
  const auto port = static_cast<std::uint16_t>(scene.Streamer->GetActualPort());
  EXPECT_EQ(renderstream::testing::HttpGet(port, "/snapshot.jpg?token=" + url.substr(url.find("token=") + 6)).Status, 200)
    << "and it serves again once continued";
}

// Two streamers in one process (two windows): two servers, two ports, two tokens.
TEST(Streamer, TwoStreamersInOneProcessKeepApart)
{
  StreamingScene first(200, 150), second(300, 200);
  ASSERT_TRUE(first.Start()) << first.Streamer->GetLastError();
  ASSERT_TRUE(second.Start()) << second.Streamer->GetLastError();
  EXPECT_NE(first.Streamer->GetActualPort(), second.Streamer->GetActualPort());
  for (StreamingScene* scene : { &first, &second })
  {
    const std::string url = scene->Streamer->GetURL();
    const auto port = static_cast<std::uint16_t>(scene->Streamer->GetActualPort());
    const auto jpeg = renderstream::testing::HttpGet(port, "/snapshot.jpg?token=" + url.substr(url.find("token=") + 6));
    ASSERT_EQ(jpeg.Status, 200);
    EXPECT_EQ(renderstream::testing::DecodeJpeg(jpeg.Body).Width, scene->Window->GetSize()[0]);
  }
  first.Streamer->Stop();
  EXPECT_TRUE(second.Streamer->IsStreaming()) << "stopping one leaves the other";
}

// A port that is taken: Start() fails saying so, and nothing stays behind.
TEST(Streamer, APortInUseIsAClearError)
{
  StreamingScene holder(200, 150);
  ASSERT_TRUE(holder.Start());
  StreamingScene scene(200, 150);
  scene.Streamer->SetPort(holder.Streamer->GetActualPort());
  EXPECT_FALSE(scene.Start());
  const std::string error = scene.Streamer->GetLastError();
  EXPECT_NE(error.find("Address already in use"), std::string::npos) << error;
  EXPECT_NE(error.find(std::to_string(holder.Streamer->GetActualPort())), std::string::npos) << error;
  EXPECT_FALSE(scene.Streamer->IsStreaming());
  EXPECT_EQ(renderstream::testing::ChildrenOf(::getpid()).size(), 1u) << "only the holder's server runs";
}
} // namespace
