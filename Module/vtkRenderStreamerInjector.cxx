#include "vtkRenderStreamerInjector.h"

#include "vtkCommand.h"                   // for event ids
#include "vtkInteractorStyleJoystickCamera.h"  // for the style action
#include "vtkInteractorStyleSwitch.h"          // for the style action
#include "vtkInteractorStyleTrackballCamera.h" // for the style action
#include "vtkNew.h"                            // for vtkNew
#include "vtkRenderWindow.h"              // for the window size
#include "vtkRenderWindowInteractor.h"    // for SetEventInformation
#include "vtkRenderer.h"                  // for ResetCamera
#include "vtkRendererCollection.h"        // for the first renderer

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

using renderstream::ipc::EventType;
using renderstream::ipc::InputEvent;

namespace
{
// DOM key names whose X11 key sym (what VTK's interactors report) differs.
const std::unordered_map<std::string, std::string>& NamedKeys()
{
  static const std::unordered_map<std::string, std::string> keys = {
    { "ArrowLeft", "Left" }, { "ArrowRight", "Right" }, { "ArrowUp", "Up" },
    { "ArrowDown", "Down" }, { "Enter", "Return" }, { "Backspace", "BackSpace" },
    { "PageUp", "Prior" }, { "PageDown", "Next" }, { "Shift", "Shift_L" },
    { "Control", "Control_L" }, { "Alt", "Alt_L" }, { "Meta", "Meta_L" }, { " ", "space" },
    { "+", "plus" }, { "-", "minus" }, { "=", "equal" }, { ".", "period" }, { ",", "comma" },
    { "/", "slash" }, { "*", "asterisk" }, { "[", "bracketleft" }, { "]", "bracketright" },
  };
  return keys;
}

unsigned long ButtonEvent(int button, bool press)
{
  switch (button)
  {
    case 1:
      return press ? vtkCommand::MiddleButtonPressEvent : vtkCommand::MiddleButtonReleaseEvent;
    case 2:
      return press ? vtkCommand::RightButtonPressEvent : vtkCommand::RightButtonReleaseEvent;
    default:
      return press ? vtkCommand::LeftButtonPressEvent : vtkCommand::LeftButtonReleaseEvent;
  }
}

void ResetCamera(vtkRenderWindow* window)
{
  vtkRendererCollection* renderers = window ? window->GetRenderers() : nullptr;
  if (vtkRenderer* renderer = renderers ? renderers->GetFirstRenderer() : nullptr)
  {
    renderer->ResetCamera();
    window->Render();
  }
}

// The page's trackball/joystick choice. A vtkInteractorStyleSwitch switches itself; VTK's
// plain camera styles are swapped for the other one; any other (custom) style is kept.
void SetCameraStyle(vtkRenderWindowInteractor* interactor, bool joystick)
{
  vtkInteractorObserver* current = interactor->GetInteractorStyle();
  if (auto* styleSwitch = vtkInteractorStyleSwitch::SafeDownCast(current))
  {
    joystick ? styleSwitch->SetCurrentStyleToJoystickCamera()
             : styleSwitch->SetCurrentStyleToTrackballCamera();
    return;
  }
  const std::string name = current ? current->GetClassName() : "";
  if (name == "vtkInteractorStyleTrackballCamera" && joystick)
  {
    interactor->SetInteractorStyle(vtkNew<vtkInteractorStyleJoystickCamera>());
  }
  else if (name == "vtkInteractorStyleJoystickCamera" && !joystick)
  {
    interactor->SetInteractorStyle(vtkNew<vtkInteractorStyleTrackballCamera>());
  }
}

void Resize(vtkRenderWindowInteractor* interactor, vtkRenderWindow* window, const InputEvent& event,
  int maxWidth, int maxHeight)
{
  if (!window)
  {
    return;
  }
  const int width = std::clamp(static_cast<int>(event.Width), 16, maxWidth);
  const int height = std::clamp(static_cast<int>(event.Height), 16, maxHeight);
  const int* size = window->GetSize();
  if (size[0] == width && size[1] == height)
  {
    return;
  }
  window->SetSize(width, height);
  if (interactor)
  {
    interactor->UpdateSize(width, height); // styles read the size from the interactor
  }
  window->Render();
}
} // namespace

std::string vtkRenderStreamerInjector::KeySym(const char* domKey)
{
  const auto& named = NamedKeys();
  const auto found = named.find(domKey);
  return found != named.end() ? found->second : std::string(domKey);
}

char vtkRenderStreamerInjector::KeyCode(const char* domKey)
{
  if (std::strcmp(domKey, "Enter") == 0)
  {
    return '\r';
  }
  if (std::strcmp(domKey, "Escape") == 0)
  {
    return 27;
  }
  if (std::strcmp(domKey, "Tab") == 0)
  {
    return '\t';
  }
  const bool printableAscii = domKey[0] > 0x1f && domKey[0] < 0x7f && domKey[1] == '\0';
  return printableAscii ? domKey[0] : 0;
}

bool vtkRenderStreamerInjector::EndsEventLoop(char keyCode)
{
  return keyCode == 'q' || keyCode == 'Q' || keyCode == 'e' || keyCode == 'E';
}

bool vtkRenderStreamerInjector::Coalesces(const InputEvent& event)
{
  return event.Type == EventType::PointerMove || event.Type == EventType::Resize;
}

bool vtkRenderStreamerInjector::IsPageAction(const InputEvent& event)
{
  return event.Type == EventType::Resize || event.Type == EventType::ResetCamera ||
    event.Type == EventType::InteractionStyle;
}

void vtkRenderStreamerInjector::ApplyPageAction(const InputEvent& event,
  vtkRenderWindowInteractor* interactor, vtkRenderWindow* window, int maxWidth, int maxHeight)
{
  if (event.Type == EventType::Resize)
  {
    Resize(interactor, window, event, maxWidth, maxHeight);
  }
  else if (event.Type == EventType::ResetCamera)
  {
    ResetCamera(window);
  }
  else if (event.Type == EventType::InteractionStyle && interactor)
  {
    SetCameraStyle(interactor, event.Key[0] == 'j');
  }
}

void vtkRenderStreamerInjector::SetEventInformation(const InputEvent& event, vtkRenderWindowInteractor* interactor)
{
  // Browser coordinates are normalized from the top-left; VTK's origin is bottom-left.
  const int* size = interactor->GetSize();
  const int width = std::max(size[0], 1);
  const int height = std::max(size[1], 1);
  const int x = std::clamp(static_cast<int>(std::lround(event.X * (width - 1))), 0, width - 1);
  const int y = std::clamp(static_cast<int>(std::lround((1.f - event.Y) * (height - 1))), 0, height - 1);
  const int ctrl = (event.Modifiers & renderstream::ipc::ModCtrl) ? 1 : 0;
  const int shift = (event.Modifiers & renderstream::ipc::ModShift) ? 1 : 0;
  if (event.Type == EventType::KeyDown || event.Type == EventType::KeyUp)
  {
    // Keys carry no position of their own: keep the last pointer position.
    const int* last = interactor->GetEventPosition();
    interactor->SetEventInformation(
      last[0], last[1], ctrl, shift, KeyCode(event.Key), 0, KeySym(event.Key).c_str());
  }
  else
  {
    interactor->SetEventInformation(x, y, ctrl, shift, 0, event.RepeatCount, nullptr);
  }
  interactor->SetAltKey((event.Modifiers & renderstream::ipc::ModAlt) ? 1 : 0);
}

void vtkRenderStreamerInjector::Inject(const InputEvent& event, vtkRenderWindowInteractor* interactor,
  vtkRenderWindow* window, int maxWidth, int maxHeight)
{
  if (IsPageAction(event))
  {
    ApplyPageAction(event, interactor, window, maxWidth, maxHeight);
    return;
  }
  if (!interactor)
  {
    return;
  }
  SetEventInformation(event, interactor);
  switch (event.Type)
  {
    case EventType::PointerMove:
      interactor->InvokeEvent(vtkCommand::MouseMoveEvent, nullptr);
      break;
    case EventType::PointerDown:
      interactor->InvokeEvent(ButtonEvent(event.Button, true), nullptr);
      break;
    case EventType::PointerUp:
      interactor->InvokeEvent(ButtonEvent(event.Button, false), nullptr);
      break;
    case EventType::Wheel:
      interactor->InvokeEvent(
        event.Delta < 0 ? vtkCommand::MouseWheelForwardEvent : vtkCommand::MouseWheelBackwardEvent,
        nullptr);
      break;
    case EventType::KeyDown:
      interactor->InvokeEvent(vtkCommand::KeyPressEvent, nullptr);
      if (interactor->GetKeyCode() != 0 && !EndsEventLoop(interactor->GetKeyCode()))
      {
        interactor->InvokeEvent(vtkCommand::CharEvent, nullptr);
      }
      break;
    case EventType::KeyUp:
      interactor->InvokeEvent(vtkCommand::KeyReleaseEvent, nullptr);
      break;
    case EventType::Enter:
      interactor->InvokeEvent(vtkCommand::EnterEvent, nullptr);
      break;
    case EventType::Leave:
      interactor->InvokeEvent(vtkCommand::LeaveEvent, nullptr);
      break;
    default:
      break;
  }
}
