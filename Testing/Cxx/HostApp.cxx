// A host application written the way VTK's own Animation and Timer examples are: a repeating
// interactor timer whose callback ignores the timer id, interactor->Start(), and optionally a
// vtkRenderStreamer. The transparency tests run it with and without streaming and compare
// what it reports on exit (HostReport.h), so they can tell whether streaming changed anything
// it observes.
#include "../../Examples/Common/ExampleOptions.h"
#include "HostReport.h"

#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkConeSource.h>
#include <vtkInteractorStyleJoystickCamera.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkMath.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderStreamer.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>
#include <vtkSphereSource.h>

#include <chrono>

namespace
{
using Clock = std::chrono::steady_clock;

struct Host
{
  vtkRenderWindow* Window = nullptr;
  bool RenderOnTimer = false;
  long FramesToAnimate = 0; // 0: no limit
  long Animated = 0;
  Clock::time_point FirstAnimated, LastAnimated;
  long Callbacks = 0;
  long Renders = 0;
  // Camera turn while the left button is held: the sum of the angles between the view
  // directions of consecutive renders (a sum, so that turns past 180 degrees still count).
  bool Held = false;
  double LastDirection[3] = { 0, 0, 0 };
  double HeldDegrees = 0;
  Clock::time_point HeldSince;
  double HeldSeconds = 0;

  void Direction(double out[3]) const
  {
    this->Window->GetRenderers()->GetFirstRenderer()->GetActiveCamera()->GetDirectionOfProjection(out);
  }
};

// Like VTK's examples: every TimerEvent counts, whichever timer fired; with --render-on-timer
// the camera turns by a degree and the window renders.
void OnTimer(vtkObject*, unsigned long, void* data, void*)
{
  auto* host = static_cast<Host*>(data);
  ++host->Callbacks;
  if (host->RenderOnTimer && (host->FramesToAnimate == 0 || host->Animated < host->FramesToAnimate))
  {
    host->Window->GetRenderers()->GetFirstRenderer()->GetActiveCamera()->Azimuth(1.0);
    host->Window->Render(); // a new, different frame each time
    host->LastAnimated = Clock::now();
    if (host->Animated++ == 0)
    {
      host->FirstAnimated = host->LastAnimated;
    }
  }
}

void OnRender(vtkObject*, unsigned long, void* data, void*)
{
  auto* host = static_cast<Host*>(data);
  ++host->Renders;
  if (host->Held)
  {
    double direction[3];
    host->Direction(direction);
    host->HeldDegrees += vtkMath::DegreesFromRadians(vtkMath::AngleBetweenVectors(host->LastDirection, direction));
    std::copy(direction, direction + 3, host->LastDirection);
  }
}

void OnButton(vtkObject*, unsigned long id, void* data, void*)
{
  auto* host = static_cast<Host*>(data);
  if (id == vtkCommand::LeftButtonPressEvent && !host->Held)
  {
    host->Held = true;
    host->Direction(host->LastDirection);
    host->HeldSince = Clock::now();
  }
  else if (id == vtkCommand::LeftButtonReleaseEvent && host->Held)
  {
    host->Held = false;
    host->HeldSeconds += std::chrono::duration<double>(Clock::now() - host->HeldSince).count();
  }
}
} // namespace

int main(int argc, char* argv[])
{
  int timerMs = 0;
  int frames = 0;
  std::string style = "trackball";
  std::string size = "640x480";
  double seconds = 5;
  bool stream = false, renderOnTimer = false, spheres = false, offscreen = false, help = false;
  vtksys::CommandLineArguments args;
  args.Initialize(argc, argv);
  using A = vtksys::CommandLineArguments;
  args.AddBooleanArgument("--stream", &stream, "attach a vtkRenderStreamer");
  args.AddArgument("--timer-ms", A::SPACE_ARGUMENT, &timerMs, "the app's own repeating timer (0 = none)");
  args.AddBooleanArgument("--render-on-timer", &renderOnTimer, "the timer callback turns the scene and renders");
  args.AddArgument("--frames", A::SPACE_ARGUMENT, &frames, "with --render-on-timer: stop after N frames (0 = never)");
  args.AddArgument("--style", A::SPACE_ARGUMENT, &style, "trackball or joystick (camera)");
  args.AddBooleanArgument("--spheres", &spheres, "three 40k-triangle spheres instead of a cone");
  args.AddArgument("--size", A::SPACE_ARGUMENT, &size, "window size WxH");
  args.AddBooleanArgument("--offscreen", &offscreen, "render without showing a window");
  args.AddArgument("--seconds", A::SPACE_ARGUMENT, &seconds, "exit after S seconds");
  args.AddBooleanArgument("--help", &help, "print this help");
  int width = 0, height = 0;
  if (!args.Parse() || help || std::sscanf(size.c_str(), "%dx%d", &width, &height) != 2 ||
    (style != "trackball" && style != "joystick"))
  {
    std::cerr << "Usage: " << argv[0] << " [options]\n" << args.GetHelp();
    return help ? 0 : 2;
  }

  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(0.1, 0.2, 0.4);
  if (spheres)
  {
    for (int i = 0; i < 3; ++i)
    {
      vtkNew<vtkSphereSource> sphere;
      sphere->SetThetaResolution(200);
      sphere->SetPhiResolution(100); // about 40k triangles
      sphere->SetCenter(1.2 * (i - 1), 0.3 * i, 0);
      sphere->SetRadius(0.5);
      vtkNew<vtkPolyDataMapper> mapper;
      mapper->SetInputConnection(sphere->GetOutputPort());
      vtkNew<vtkActor> actor;
      actor->SetMapper(mapper);
      actor->GetProperty()->SetColor(0.9, 0.4 + 0.2 * i, 0.3);
      renderer->AddActor(actor);
    }
  }
  else
  {
    vtkNew<vtkConeSource> cone;
    cone->SetResolution(48);
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputConnection(cone->GetOutputPort());
    vtkNew<vtkActor> actor;
    actor->SetMapper(mapper);
    renderer->AddActor(actor);
  }

  vtkNew<vtkRenderWindow> window;
  window->AddRenderer(renderer);
  window->SetSize(width, height);
  window->SetOffScreenRendering(offscreen);
  window->SetWindowName("HostApp");
  vtkNew<vtkRenderWindowInteractor> interactor;
  interactor->SetRenderWindow(window);
  if (style == "joystick")
  {
    interactor->SetInteractorStyle(vtkNew<vtkInteractorStyleJoystickCamera>());
  }
  else
  {
    interactor->SetInteractorStyle(vtkNew<vtkInteractorStyleTrackballCamera>());
  }
  interactor->Initialize();

  Host host;
  host.Window = window;
  host.FramesToAnimate = frames;
  host.RenderOnTimer = renderOnTimer;
  vtkNew<vtkCallbackCommand> onRender;
  onRender->SetCallback(OnRender);
  onRender->SetClientData(&host);
  window->AddObserver(vtkCommand::EndEvent, onRender);
  vtkNew<vtkCallbackCommand> onButton;
  onButton->SetCallback(OnButton);
  onButton->SetClientData(&host);
  onButton->PassiveObserverOn(); // sees the release although the style holds the focus
  interactor->AddObserver(vtkCommand::LeftButtonPressEvent, onButton);
  interactor->AddObserver(vtkCommand::LeftButtonReleaseEvent, onButton);
  window->Render();

  vtkNew<vtkRenderStreamer> streamer;
  if (stream)
  {
    streamer->SetRenderWindow(window);
    if (!streamer->Start())
    {
      return 1;
    }
    example::PrintReadyLine(streamer);
  }
  else
  {
    std::cout << "HostApp: ready" << std::endl;
  }

  vtkNew<vtkCallbackCommand> onTimer;
  onTimer->SetCallback(OnTimer);
  onTimer->SetClientData(&host);
  if (timerMs > 0)
  {
    interactor->AddObserver(vtkCommand::TimerEvent, onTimer);
    interactor->CreateRepeatingTimer(static_cast<unsigned long>(timerMs));
  }
  const auto start = Clock::now();
  {
    example::StopOnSignalOrTimeout stop(window, seconds);
    interactor->Start();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  renderstream::testing::HostReport report;
  report.Callbacks = host.Callbacks;
  report.Renders = host.Renders;
  report.Captured = static_cast<long>(streamer->GetFramesCaptured());
  report.Seconds = elapsed;
  report.AnimatedSeconds = std::chrono::duration<double>(host.LastAnimated - host.FirstAnimated).count();
  report.DegreesPerSecond = host.HeldSeconds > 0 ? host.HeldDegrees / host.HeldSeconds : 0.0;
  std::cout << report.Format() << std::endl;
  streamer->Stop();
  return 0;
}
