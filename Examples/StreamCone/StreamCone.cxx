// The smallest RenderStream program: a cone you can rotate from a web browser.
#include "../Common/ExampleOptions.h"

#include <vtkActor.h>
#include <vtkConeSource.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderStreamer.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>

int main(int argc, char* argv[])
{
  const auto options = example::Parse(argc, argv, "StreamCone: streams a VTK cone to your browser.");

  vtkNew<vtkConeSource> cone;
  cone->SetResolution(48);
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(cone->GetOutputPort());
  vtkNew<vtkActor> actor;
  actor->SetMapper(mapper);
  vtkNew<vtkRenderer> renderer;
  renderer->AddActor(actor);
  renderer->SetBackground(0.1, 0.2, 0.4);

  vtkNew<vtkRenderWindow> window;
  window->AddRenderer(renderer);
  window->SetSize(options.Width, options.Height);
  window->SetOffScreenRendering(options.Offscreen);
  window->SetWindowName("StreamCone");
  vtkNew<vtkRenderWindowInteractor> interactor;
  interactor->SetRenderWindow(window);
  interactor->SetInteractorStyle(vtkNew<vtkInteractorStyleTrackballCamera>());
  interactor->Initialize();
  window->Render();

  vtkNew<vtkRenderStreamer> streamer;
  streamer->SetRenderWindow(window);
  example::Configure(streamer, options);
  if (!streamer->Start())
  {
    return 1; // Start() printed why
  }
  example::PrintReadyLine(streamer);

  example::StopOnSignalOrTimeout stop(window, options.Seconds);
  interactor->Start();
  return 0;
}
