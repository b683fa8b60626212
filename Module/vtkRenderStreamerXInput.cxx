#include "vtkRenderStreamerXInput.h"

#ifndef RENDERSTREAM_HAS_X11

std::unique_ptr<vtkRenderStreamerXInput> vtkRenderStreamerXInput::Create(
  vtkRenderWindow*, vtkRenderWindowInteractor*, renderstream::ipc::StreamSegment&, int)
{
  return nullptr; // built without X11: the streamer ticks from the interactor's timer
}

#else

#include "vtkRenderStreamerInjector.h"

#include "vtkCallbackCommand.h"        // for the observers
#include "vtkCommand.h"                // for event ids
#include "vtkNew.h"                    // for vtkNew
#include "vtkRenderWindow.h"           // for the X display and window
#include "vtkRenderWindowInteractor.h" // for the event information

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

// Last: X11's macros (None, Status, KeyPress, ...) would clash with names in the headers above.
#include <X11/Xlib.h>

namespace ipc = renderstream::ipc;
using ipc::EventType;
using ipc::InputEvent;

namespace
{
// A carrier's x coordinate: beyond any window, with the carrier's serial number in it. It
// crosses the X protocol as a 16-bit field (signed in button, key and crossing events,
// unsigned in Expose): 32000..32699 fits both.
constexpr int kMarkerBase = 32000;
constexpr int kMarkerSpan = 700;
constexpr std::size_t kMaxInFlight = 256; // carriers VTK has not dispatched yet (< kMarkerSpan)
constexpr float kObserverPriority = 1e6f; // before every style, widget and host observer

int MarkerOf(std::uint32_t serial)
{
  return kMarkerBase + static_cast<int>(serial % kMarkerSpan);
}

bool IsMarker(int x)
{
  return x >= kMarkerBase && x < kMarkerBase + kMarkerSpan;
}

// Xlib's default error handler ends the process. An error on one of our own connections (the
// window was destroyed while a carrier was on its way) must not: it is ignored; errors on any
// other connection go to the handler that was installed before ours.
class OwnConnections
{
public:
  static void Add(Display* display)
  {
    std::lock_guard<std::mutex> lock(Mutex());
    if (Displays().empty())
    {
      Previous() = XSetErrorHandler(&OwnConnections::Handle);
    }
    Displays().insert(display);
  }
  static void Remove(Display* display)
  {
    std::lock_guard<std::mutex> lock(Mutex());
    Displays().erase(display);
  }

private:
  static int Handle(Display* display, XErrorEvent* error)
  {
    XErrorHandler previous = nullptr;
    {
      std::lock_guard<std::mutex> lock(Mutex());
      if (Displays().count(display))
      {
        return 0;
      }
      previous = Previous();
    }
    return previous ? previous(display, error) : 0;
  }
  static std::mutex& Mutex()
  {
    static std::mutex mutex;
    return mutex;
  }
  static std::set<Display*>& Displays()
  {
    static std::set<Display*> displays;
    return displays;
  }
  static XErrorHandler& Previous()
  {
    static XErrorHandler previous = nullptr;
    return previous;
  }
};

// One browser event on its way through the X event loop.
struct Carried
{
  std::uint32_t Serial = 0;
  InputEvent Event;
};

class XInput final : public vtkRenderStreamerXInput
{
public:
  XInput(Display* connection, Window target, vtkRenderWindow* window,
    vtkRenderWindowInteractor* interactor, ipc::StreamSegment& segment, int serverPid)
    : Connection(connection)
    , Target(target)
    , RenderWindow(window)
    , Interactor(interactor)
    , Segment(segment)
    , ServerPid(serverPid)
  {
    OwnConnections::Add(connection);
    this->InputCommand->SetClientData(this);
    this->InputCommand->SetCallback([](vtkObject*, unsigned long id, void* self, void*) {
      static_cast<XInput*>(self)->OnInput(id);
    });
    this->InputCommand->PassiveObserverOn(); // runs before any focus holder (a dragging style)
    for (unsigned long id : { vtkCommand::MouseMoveEvent, vtkCommand::LeftButtonPressEvent,
           vtkCommand::LeftButtonReleaseEvent, vtkCommand::MiddleButtonPressEvent,
           vtkCommand::MiddleButtonReleaseEvent, vtkCommand::RightButtonPressEvent,
           vtkCommand::RightButtonReleaseEvent, vtkCommand::MouseWheelForwardEvent,
           vtkCommand::MouseWheelBackwardEvent, vtkCommand::KeyPressEvent,
           vtkCommand::KeyReleaseEvent, vtkCommand::CharEvent, vtkCommand::EnterEvent,
           vtkCommand::LeaveEvent, vtkCommand::ExposeEvent })
    {
      this->Tags.push_back(interactor->AddObserver(id, this->InputCommand, kObserverPriority));
    }
    // Page actions may swap the interactor style, which adds and removes observers: not
    // allowed in a passive observer, so they run in an ordinary one.
    this->ActionCommand->SetClientData(this);
    this->ActionCommand->SetCallback([](vtkObject*, unsigned long, void* self, void*) {
      static_cast<XInput*>(self)->ApplyPendingAction();
    });
    this->Tags.push_back(
      interactor->AddObserver(vtkCommand::ExposeEvent, this->ActionCommand, kObserverPriority));
    this->Thread = std::thread([this] { this->Run(); });
  }

  ~XInput() override
  {
    this->Stop.store(true, std::memory_order_release);
    this->Segment.NotifyInput();
    this->Thread.join();
    for (unsigned long tag : this->Tags)
    {
      this->Interactor->RemoveObserver(tag);
    }
    OwnConnections::Remove(this->Connection);
    XCloseDisplay(this->Connection);
  }

  bool ServerGone() const override { return this->Gone.load(std::memory_order_acquire); }
  std::uint64_t EventsApplied() const override { return this->Applied; }
  std::int64_t NewestInputNs() const override { return this->NewestInput; }

private:
  // ---- forwarding thread ----
  void Run()
  {
    auto nextServerCheck = std::chrono::steady_clock::now();
    while (!this->Stop.load(std::memory_order_acquire))
    {
      this->Segment.WaitForInput(std::chrono::milliseconds(250), this->Stop);
      InputEvent event;
      while (!this->Stop.load(std::memory_order_relaxed) && this->Segment.Events().TryPop(event))
      {
        this->Forward(event);
      }
      // A liveness check reads /proc: four a second notice a dead server soon enough.
      const auto now = std::chrono::steady_clock::now();
      if (now >= nextServerCheck)
      {
        nextServerCheck = now + std::chrono::milliseconds(250);
        if (!ipc::ProcessAlive(this->ServerPid))
        {
          this->Gone.store(true, std::memory_order_release);
          this->Forward(InputEvent{}); // an Expose: VTK renders, the streamer sees Gone
          XFlush(this->Connection);
          return;
        }
      }
      XFlush(this->Connection);
    }
  }

  void Forward(const InputEvent& event)
  {
    if (event.Type == EventType::Enter && !this->Viewable())
    {
      // VTK answers EnterNotify with XSetInputFocus, an X error (which ends the app) on a
      // window that is not shown; nobody can enter such a window locally either.
      return;
    }
    Carried carried;
    {
      std::lock_guard<std::mutex> lock(this->Mutex);
      // One motion (or resize) carrier in flight: later ones only update it, so VTK handles
      // the newest position (size) once, however far behind the render thread is.
      if (vtkRenderStreamerInjector::Coalesces(event) && !this->InFlight.empty() &&
        this->InFlight.back().Event.Type == event.Type)
      {
        this->InFlight.back().Event = event;
        return;
      }
      if (this->InFlight.size() >= kMaxInFlight)
      {
        this->InFlight.pop_front(); // VTK is not dispatching (interactor disabled?): drop oldest
      }
      carried = { this->NextSerial++, event };
      this->InFlight.push_back(carried);
    }
    this->SendCarrier(carried);
  }

  bool Viewable()
  {
    XWindowAttributes attributes;
    return XGetWindowAttributes(this->Connection, this->Target, &attributes) &&
      attributes.map_state == IsViewable;
  }

  void SendCarrier(const Carried& carried)
  {
    const InputEvent& event = carried.Event;
    XEvent x = {};
    long mask = NoEventMask;
    const auto button = [&](int type, unsigned int number, long eventMask) {
      x.xbutton.type = type;
      x.xbutton.button = number;
      x.xbutton.x = MarkerOf(carried.Serial);
      x.xbutton.same_screen = True;
      mask = eventMask;
    };
    switch (event.Type)
    {
      case EventType::PointerDown:
      case EventType::PointerUp:
      {
        const unsigned int number = event.Button == 1 ? Button2 : event.Button == 2 ? Button3 : Button1;
        const bool down = event.Type == EventType::PointerDown;
        button(down ? ButtonPress : ButtonRelease, number, down ? ButtonPressMask : ButtonReleaseMask);
        break;
      }
      case EventType::Wheel:
        button(ButtonPress, event.Delta < 0 ? Button4 : Button5, ButtonPressMask);
        break;
      case EventType::PointerMove:
        x.xmotion.type = MotionNotify;
        x.xmotion.same_screen = True;
        mask = PointerMotionMask;
        break;
      case EventType::KeyDown:
      case EventType::KeyUp:
        x.xkey.type = event.Type == EventType::KeyDown ? KeyPress : KeyRelease;
        x.xkey.keycode = 8; // the lowest valid key code; the observer sets the browser's key
        x.xkey.x = MarkerOf(carried.Serial);
        x.xkey.same_screen = True;
        mask = event.Type == EventType::KeyDown ? KeyPressMask : KeyReleaseMask;
        break;
      case EventType::Enter:
      case EventType::Leave:
        x.xcrossing.type = event.Type == EventType::Enter ? EnterNotify : LeaveNotify;
        x.xcrossing.x = MarkerOf(carried.Serial);
        x.xcrossing.same_screen = True;
        mask = event.Type == EventType::Enter ? EnterWindowMask : LeaveWindowMask;
        break;
      default: // resize, reset camera, style, and the "server gone" wake-up
        x.xexpose.type = Expose;
        x.xexpose.x = MarkerOf(carried.Serial);
        x.xexpose.width = x.xexpose.height = 1;
        mask = ExposureMask;
        break;
    }
    x.xany.display = this->Connection;
    x.xany.window = this->Target;
    if (x.type == ButtonPress || x.type == ButtonRelease || x.type == MotionNotify ||
      x.type == KeyPress || x.type == KeyRelease || x.type == EnterNotify || x.type == LeaveNotify)
    {
      x.xbutton.root = DefaultRootWindow(this->Connection); // same offset in all five
      x.xbutton.time = CurrentTime;
    }
    XSendEvent(this->Connection, this->Target, False, mask, &x);
  }

  // ---- render thread ----
  // The carrier with this marker, and any older ones VTK never dispatched (dropped).
  bool TakeMarked(int marker, Carried& out)
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    while (!this->InFlight.empty())
    {
      const bool match = MarkerOf(this->InFlight.front().Serial) == marker;
      out = this->InFlight.front();
      this->InFlight.pop_front();
      if (match)
      {
        return true;
      }
    }
    return false;
  }

  bool TakeMove(Carried& out)
  {
    std::lock_guard<std::mutex> lock(this->Mutex);
    if (this->InFlight.empty() || this->InFlight.front().Event.Type != EventType::PointerMove)
    {
      return false; // a local move
    }
    out = this->InFlight.front();
    this->InFlight.pop_front();
    return true;
  }

  void OnInput(unsigned long id)
  {
    vtkRenderWindowInteractor* interactor = this->Interactor;
    if (id == vtkCommand::CharEvent)
    {
      // VTK's X interactor follows each KeyPress with a CharEvent; a browser's exit key
      // must not end the application's event loop.
      if (this->CharFollows && vtkRenderStreamerInjector::EndsEventLoop(interactor->GetKeyCode()))
      {
        interactor->SetKeyCode(0);
      }
      this->CharFollows = false;
      return;
    }
    this->CharFollows = false;
    Carried carried;
    const int marker = interactor->GetEventPosition()[0];
    const bool ours = id == vtkCommand::MouseMoveEvent ? this->TakeMove(carried)
                                                       : IsMarker(marker) && this->TakeMarked(marker, carried);
    if (!ours)
    {
      return; // local input: untouched
    }
    this->Segment.MarkAlive();
    // VTK stored the carrier's position; the one before it is in LastEventPosition.
    int last[2];
    interactor->GetLastEventPosition(last);
    interactor->SetEventPosition(last[0], last[1]);
    if (id == vtkCommand::ExposeEvent)
    {
      this->PendingAction = carried.Event; // applied by ApplyPendingAction(), next in line
    }
    else
    {
      vtkRenderStreamerInjector::SetEventInformation(carried.Event, interactor);
      this->CharFollows = id == vtkCommand::KeyPressEvent;
      this->NewestInput = std::max(this->NewestInput, carried.Event.TimeNs);
    }
    interactor->SetLastEventPosition(last);
    ++this->Applied;
  }

  void ApplyPendingAction()
  {
    const InputEvent action = this->PendingAction;
    this->PendingAction = InputEvent{};
    if (vtkRenderStreamerInjector::IsPageAction(action))
    {
      vtkRenderStreamerInjector::ApplyPageAction(action, this->Interactor, this->RenderWindow,
        static_cast<int>(this->Segment.MaxWidth()), static_cast<int>(this->Segment.MaxHeight()));
    }
  }

  Display* const Connection; // ours, used by the forwarding thread only
  const Window Target;
  vtkRenderWindow* const RenderWindow;
  vtkRenderWindowInteractor* const Interactor;
  ipc::StreamSegment& Segment;
  const int ServerPid;

  std::mutex Mutex; // guards InFlight and NextSerial
  std::deque<Carried> InFlight;
  std::uint32_t NextSerial = 1;
  std::atomic<bool> Stop{ false };
  std::atomic<bool> Gone{ false };

  // Render thread only.
  vtkNew<vtkCallbackCommand> InputCommand;
  vtkNew<vtkCallbackCommand> ActionCommand;
  std::vector<unsigned long> Tags;
  bool CharFollows = false;
  InputEvent PendingAction;
  std::uint64_t Applied = 0;
  std::int64_t NewestInput = 0;

  std::thread Thread; // last: starts once everything above exists
};
} // namespace

std::unique_ptr<vtkRenderStreamerXInput> vtkRenderStreamerXInput::Create(vtkRenderWindow* window,
  vtkRenderWindowInteractor* interactor, ipc::StreamSegment& segment, int serverPid)
{
  if (!window || !interactor || !interactor->IsA("vtkXRenderWindowInteractor"))
  {
    return nullptr;
  }
  auto* display = static_cast<Display*>(window->GetGenericDisplayId());
  const auto target = reinterpret_cast<Window>(window->GetGenericWindowId());
  if (!display || !target)
  {
    return nullptr; // no X window yet
  }
  Display* connection = XOpenDisplay(DisplayString(display));
  if (!connection)
  {
    return nullptr;
  }
  return std::make_unique<XInput>(connection, target, window, interactor, segment, serverPid);
}

#endif
