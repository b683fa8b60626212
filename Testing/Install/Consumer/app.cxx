// The consumer application: a cone streamed with vtkRenderStreamer, linking RenderStream and
// the VTK modules it asks for itself, as the README says.
//   app [--offscreen] [--seconds S]     prints the ready line, serves until S seconds passed
#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkConeSource.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderStreamer.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>

int main(int argc, char* argv[])
{
  bool offscreen = false;
  double seconds = 0;
  for (int i = 1; i < argc; ++i)
  {
    if (!std::strcmp(argv[i], "--offscreen"))
    {
      offscreen = true;
    }
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc)
    {
      seconds = std::atof(argv[++i]);
    }
  }

  vtkNew<vtkConeSource> cone; // FiltersSources: a module RenderStream itself does not need
  cone->SetResolution(24);
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(cone->GetOutputPort());
  vtkNew<vtkActor> actor;
  actor->SetMapper(mapper);
  vtkNew<vtkRenderer> renderer;
  renderer->AddActor(actor);
  renderer->SetBackground(0.1, 0.2, 0.4);

  vtkNew<vtkRenderWindow> renderWindow;
  renderWindow->AddRenderer(renderer);
  renderWindow->SetSize(320, 240);
  renderWindow->SetOffScreenRendering(offscreen);
  vtkNew<vtkRenderWindowInteractor> interactor;
  interactor->SetRenderWindow(renderWindow);
  interactor->Initialize();
  renderer->GetActiveCamera()->Azimuth(30);
  renderer->GetActiveCamera()->Elevation(20);
  renderer->ResetCamera();
  renderWindow->Render();

  // --- the README's C++ snippet ---
  vtkNew<vtkRenderStreamer> streamer;
  streamer->SetRenderWindow(renderWindow);
  streamer->SetPort(0); // 0 = any free port
  if (!streamer->Start())
  {
    return 1; // Start() printed why
  }
  std::cout << "RenderStream: serving " << streamer->GetURL() << std::endl;
  // ---

  // Ends the event loop after `seconds` (the streamer ticks on its own interactor timer).
  static auto end = std::chrono::steady_clock::now() +
    std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
  vtkNew<vtkCallbackCommand> stop;
  stop->SetCallback([](vtkObject* caller, unsigned long, void*, void*) {
    if (std::chrono::steady_clock::now() >= end)
    {
      static_cast<vtkRenderWindowInteractor*>(caller)->TerminateApp();
    }
  });
  if (seconds > 0)
  {
    interactor->AddObserver(vtkCommand::TimerEvent, stop);
    interactor->CreateRepeatingTimer(100);
  }
  interactor->Start();
  return 0;
}
