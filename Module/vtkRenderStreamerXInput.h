// Delivers browser input to VTK's X11 interactor through the interactor's own event loop,
// so that streaming needs no timer of its own and nothing the host observes changes.
//
// Why: every interactor timer fires TimerEvent to every observer, and interactor styles
// re-apply the current motion on any timer (a held trackball drag spins, joysticks speed up,
// the app's own animation callbacks run more often). Instead, a thread of ours waits on the
// shared-memory event ring and, for each browser event, sends the VTK window an X event of
// the matching kind on its own display connection (XSendEvent). VTK's event loop wakes up and
// dispatches it exactly like local input; a passive observer of ours, which runs before any
// style, widget or host observer, then sets the interactor's event information (position,
// modifiers, key) to the browser's. So X events are only the *carriers* of browser events:
//
//   pointer down/up, wheel  -> ButtonPress/ButtonRelease (buttons 1-3, wheel 4/5)
//   pointer move            -> MotionNotify (one in flight; later moves update it)
//   key down/up             -> KeyPress/KeyRelease
//   enter/leave             -> EnterNotify/LeaveNotify (enter: only into a shown window)
//   resize, reset, style    -> Expose (VTK renders after it; an observer applies the action)
//
// A carrier's x coordinate holds a marker with its serial number, so a concurrent local event
// of the same kind is never mistaken for a browser one (motion has no marker: VTK reads the
// pointer position for it).
#ifndef vtkRenderStreamerXInput_h
#define vtkRenderStreamerXInput_h

#include "ipc/StreamSegment.h"

#include <memory>
#include <string>

class vtkRenderWindow;
class vtkRenderWindowInteractor;

class vtkRenderStreamerXInput
{
public:
  /// Starts forwarding, or returns nullptr when this build has no X11 or `interactor` is not
  /// VTK's X interactor with a window (the streamer then ticks another way). `serverPid` is
  /// watched: when it exits, one Expose wakes the render thread and ServerGone() turns true.
  static std::unique_ptr<vtkRenderStreamerXInput> Create(vtkRenderWindow* window,
    vtkRenderWindowInteractor* interactor, renderstream::ipc::StreamSegment& segment, int serverPid);

  /// Stops the thread and removes the observers (call on the render thread).
  virtual ~vtkRenderStreamerXInput() = default;

  /// True once the forwarding thread saw the server process end.
  virtual bool ServerGone() const = 0;
  /// Browser events applied to the interactor so far, and the newest one's receive time.
  virtual std::uint64_t EventsApplied() const = 0;
  virtual std::int64_t NewestInputNs() const = 0;

protected:
  vtkRenderStreamerXInput() = default;
  vtkRenderStreamerXInput(const vtkRenderStreamerXInput&) = delete;
  vtkRenderStreamerXInput& operator=(const vtkRenderStreamerXInput&) = delete;
};

#endif
