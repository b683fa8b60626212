// A small offscreen VTK scene (a cone) with a vtkRenderStreamer attached, for tests that need
// the real render side. Tests tick the streamer themselves (no event loop).
#ifndef RenderStream_StreamingScene_h
#define RenderStream_StreamingScene_h

#include "ipc/StreamSegment.h"

#include <vtkActor.h>
#include <vtkConeSource.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkRenderStreamer.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>

struct StreamingScene
{
  StreamingScene(int width, int height)
  {
    this->Cone->SetResolution(32);
    this->Mapper->SetInputConnection(this->Cone->GetOutputPort());
    this->Actor->SetMapper(this->Mapper);
    this->Renderer->AddActor(this->Actor);
    this->Renderer->SetBackground(0.1, 0.2, 0.4);
    this->Window->AddRenderer(this->Renderer);
    this->Window->SetSize(width, height);
    this->Window->SetOffScreenRendering(1);
    this->Interactor->SetRenderWindow(this->Window);
    this->Interactor->SetInteractorStyle(this->Style);
    this->Interactor->Initialize();
    this->Window->Render();
    this->Streamer->SetRenderWindow(this->Window);
    this->Streamer->SetUseEventLoop(false); // the test ticks
    this->Streamer->SetServerExecutable(RENDERSTREAM_BIN_DIR "/renderstream-server");
    this->Streamer->SetMaxWidth(width * 2);
    this->Streamer->SetMaxHeight(height * 2);
  }
  bool Start() { return this->Streamer->Start(); }

  vtkNew<vtkConeSource> Cone;
  vtkNew<vtkPolyDataMapper> Mapper;
  vtkNew<vtkActor> Actor;
  vtkNew<vtkRenderer> Renderer;
  vtkNew<vtkRenderWindow> Window;
  vtkNew<vtkRenderWindowInteractor> Interactor;
  vtkNew<vtkInteractorStyleTrackballCamera> Style;
  vtkNew<vtkRenderStreamer> Streamer;
};

#endif
