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

  /// The X11-style key sym VTK's own interactors report for a DOM KeyboardEvent.key
  /// ("ArrowLeft" -> "Left", "a" -> "a", " " -> "space").
  static std::string KeySym(const char* domKey);
  /// The key code VTK reports (the character for printable ASCII keys, else 0).
  static char KeyCode(const char* domKey);
};

#endif
