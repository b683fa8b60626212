// Replays browser input events into a vtkRenderWindowInteractor, exactly as the platform
// interactor would: set the event information (position, modifiers, repeat count, key),
// then invoke the matching VTK event, so interactor styles, observers and widgets react as
// to a local user.
#ifndef vtkRenderStreamerInjector_h
#define vtkRenderStreamerInjector_h

#include "ipc/Layout.h"

#include <string>

class vtkRenderWindow;
class vtkRenderWindowInteractor;

class vtkRenderStreamerInjector
{
public:
  /// Injects one event. `maxWidth`/`maxHeight` bound resize requests.
  static void Inject(const renderstream::ipc::InputEvent& event, vtkRenderWindowInteractor* interactor,
    vtkRenderWindow* window, int maxWidth, int maxHeight);

  /// Sets the interactor's event information (position in VTK pixels, modifiers, repeat
  /// count, key code and sym) for a pointer, wheel, key, enter or leave event.
  static void SetEventInformation(const renderstream::ipc::InputEvent& event, vtkRenderWindowInteractor* interactor);

  /// Pointer moves and resizes: of several in a row only the newest matters (styles use the
  /// latest position; each resize renders), so the older ones are dropped.
  static bool Coalesces(const renderstream::ipc::InputEvent& event);

  /// Resize, reset-camera and style requests: no VTK input event of their own.
  static bool IsPageAction(const renderstream::ipc::InputEvent& event);
  static void ApplyPageAction(const renderstream::ipc::InputEvent& event,
    vtkRenderWindowInteractor* interactor, vtkRenderWindow* window, int maxWidth, int maxHeight);

  /// 'q' and 'e' make VTK's styles end the application's event loop: a browser viewer must
  /// not be able to stop the app, so their character events never reach the styles.
  static bool EndsEventLoop(char keyCode);

  /// The X11-style key sym VTK's own interactors report for a DOM KeyboardEvent.key
  /// ("ArrowLeft" -> "Left", "a" -> "a", " " -> "space").
  static std::string KeySym(const char* domKey);
  /// The key code VTK reports (the character for printable ASCII keys, else 0).
  static char KeyCode(const char* domKey);
};

#endif
