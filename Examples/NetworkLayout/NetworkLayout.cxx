// A live force-directed graph layout streamed to the browser: a worker thread advances the
// layout, the render thread picks up the newest positions on the interactor's repeating timer
// and renders them as glyph spheres and lines. Rotate and zoom in the browser while it moves.
// Every 2 s it reports the render rate on stderr ("NetworkLayout: ... frames/s").
// Command line: every example's (ExampleOptions.h) and --nodes N, the graph's size.
#include "../Common/ExampleOptions.h"
#include "ForceLayout.h"
#include "LayoutWorker.h"

#include <vtkActor.h>
#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkGlyph3DMapper.h>
#include <vtkIntArray.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderStreamer.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace
{
// --nodes N, NetworkLayout's own option beside the ones every example has (ExampleOptions.h).
example::ExtraOptions NodesOption(int& nodes)
{
  example::ExtraOptions option;
  option.AddTo = [&nodes](vtksys::CommandLineArguments& args) {
    args.AddArgument("--nodes", vtksys::CommandLineArguments::SPACE_ARGUMENT, &nodes,
      "number of graph nodes (default 2000)");
  };
  option.Valid = [&nodes] { return nodes >= 2; };
  return option;
}

// The graph as VTK sees it: one point per node, one line cell per edge, a "group" scalar.
void BuildGraph(const ForceLayout& layout, vtkPolyData* graph)
{
  vtkNew<vtkPoints> points;
  points->SetDataTypeToFloat();
  points->SetNumberOfPoints(layout.GetNumberOfNodes());
  vtkNew<vtkCellArray> lines;
  for (const auto& edge : layout.GetEdges())
  {
    const vtkIdType ids[2] = { edge[0], edge[1] };
    lines->InsertNextCell(2, ids);
  }
  vtkNew<vtkIntArray> groups;
  groups->SetName("group");
  for (int group : layout.GetGroups())
  {
    groups->InsertNextValue(group);
  }
  graph->SetPoints(points);
  graph->SetLines(lines);
  graph->GetPointData()->SetScalars(groups);
}

// What the render-thread timer needs.
struct Animation
{
  LayoutWorker* Worker = nullptr;
  vtkPolyData* Graph = nullptr;
  vtkRenderer* Renderer = nullptr;
  vtkRenderWindow* Window = nullptr;
  int TimerId = 0;
  std::uint64_t Seen = 0;
  bool UserMovedCamera = false;
  unsigned long Frames = 0;
  std::uint64_t StepsAtReport = 0;
  std::chrono::steady_clock::time_point LastReport = std::chrono::steady_clock::now();

  void OnTimer()
  {
    auto* positions = vtkFloatArray::SafeDownCast(this->Graph->GetPoints()->GetData());
    if (this->Worker->TakeIfNewer(this->Seen, positions->GetPointer(0)))
    {
      this->Graph->GetPoints()->Modified();
      if (!this->UserMovedCamera)
      {
        this->Renderer->ResetCamera(); // follow the layout until someone takes the camera
        this->Renderer->GetActiveCamera()->Zoom(1.4);
      }
      this->Window->Render();
      ++this->Frames;
    }
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - this->LastReport).count();
    if (seconds >= 2.0)
    {
      const std::uint64_t steps = this->Worker->GetSteps();
      std::fprintf(stderr, "NetworkLayout: %.1f frames/s, %.1f layout steps/s\n",
        this->Frames / seconds, (steps - this->StepsAtReport) / seconds);
      this->Frames = 0;
      this->StepsAtReport = steps;
      this->LastReport = now;
    }
  }
};
} // namespace

int main(int argc, char* argv[])
{
  int nodeCount = 2000;
  const auto options = example::Parse(argc, argv,
    "NetworkLayout: a live force-directed graph layout you can rotate from a web browser.",
    NodesOption(nodeCount));

  ForceLayout layout(nodeCount, /*seed=*/7);
  vtkNew<vtkPolyData> graph;
  BuildGraph(layout, graph);
  std::copy(layout.GetPositions().begin(), layout.GetPositions().end(),
    vtkFloatArray::SafeDownCast(graph->GetPoints()->GetData())->GetPointer(0));

  vtkNew<vtkLookupTable> colors;
  colors->SetHueRange(0.0, 0.8);
  colors->SetSaturationRange(0.7, 0.7);
  colors->Build();
  vtkNew<vtkSphereSource> sphere;
  sphere->SetThetaResolution(8);
  sphere->SetPhiResolution(6);
  sphere->SetRadius(0.18);
  vtkNew<vtkGlyph3DMapper> nodeMapper;
  nodeMapper->SetInputData(graph);
  nodeMapper->SetSourceConnection(sphere->GetOutputPort());
  nodeMapper->ScalingOff();
  nodeMapper->SetLookupTable(colors);
  nodeMapper->SetScalarRange(0, std::max(1, nodeCount / 100 - 1)); // cluster ids
  vtkNew<vtkActor> nodes;
  nodes->SetMapper(nodeMapper);
  vtkNew<vtkPolyDataMapper> edgeMapper;
  edgeMapper->SetInputData(graph);
  edgeMapper->ScalarVisibilityOff();
  vtkNew<vtkActor> edges;
  edges->SetMapper(edgeMapper);
  edges->GetProperty()->SetColor(0.35, 0.38, 0.45); // opaque: translucency costs a lot here

  vtkNew<vtkRenderer> renderer;
  renderer->AddActor(edges);
  renderer->AddActor(nodes);
  renderer->SetBackground(0.06, 0.07, 0.1);
  vtkNew<vtkRenderWindow> window;
  window->AddRenderer(renderer);
  window->SetSize(options.Width, options.Height);
  window->SetOffScreenRendering(options.Offscreen);
  window->SetWindowName("NetworkLayout");
  vtkNew<vtkRenderWindowInteractor> interactor;
  interactor->SetRenderWindow(window);
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  interactor->SetInteractorStyle(style);
  interactor->Initialize();
  renderer->ResetCamera();
  window->Render();

  vtkNew<vtkRenderStreamer> streamer;
  streamer->SetRenderWindow(window);
  example::Configure(streamer, options);
  if (!streamer->Start())
  {
    return 1; // Start() printed why
  }

  LayoutWorker worker(layout, /*maxStepsPerSecond=*/60);
  Animation animation;
  animation.Worker = &worker;
  animation.Graph = graph;
  animation.Renderer = renderer;
  animation.Window = window;
  vtkNew<vtkCallbackCommand> onTimer;
  onTimer->SetClientData(&animation);
  onTimer->SetCallback([](vtkObject*, unsigned long, void* self, void* callData) {
    auto* a = static_cast<Animation*>(self);
    if (callData && *static_cast<int*>(callData) == a->TimerId)
    {
      a->OnTimer();
    }
  });
  interactor->AddObserver(vtkCommand::TimerEvent, onTimer);
  animation.TimerId = interactor->CreateRepeatingTimer(15);
  // Once someone rotates or zooms (locally or from a browser), the camera is theirs.
  vtkNew<vtkCallbackCommand> onInteraction;
  onInteraction->SetClientData(&animation);
  onInteraction->SetCallback([](vtkObject*, unsigned long, void* self, void*) {
    static_cast<Animation*>(self)->UserMovedCamera = true;
  });
  style->AddObserver(vtkCommand::StartInteractionEvent, onInteraction);

  example::PrintReadyLine(streamer);
  example::StopOnSignalOrTimeout stop(window, options.Seconds);
  interactor->Start();
  worker.Stop();
  return 0;
}
