// Shared by the bench executables (RenderStreamBench, RenderStreamVideoBench): the scene they
// render and the small helpers their figures are made with.
#ifndef RenderStream_BenchCommon_h
#define RenderStream_BenchCommon_h

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkNew.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderWindowInteractor.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace renderstream::bench
{
using json = nlohmann::json;

/// What every bench executable takes: --smoke, --json PATH, --seconds S, --stages a,b,...
struct BenchOptions
{
  bool Smoke = false;
  std::string JsonPath;
  double Seconds = 3.0; // per measuring phase
  std::string Stages;   // comma-separated subset of the stages
  bool Wants(const std::string& stage) const { return ("," + this->Stages + ",").find("," + stage + ",") != std::string::npos; }
};

/// Parses argv into `options` (whose values are the defaults) and the executable's `extra`
/// options (Boost.program_options); on a bad command line prints the usage and exits 2.
/// Returns the parsed map, so callers can ask which options were given.
inline boost::program_options::variables_map ParseBenchOptions(int argc, char* argv[], const char* name,
  BenchOptions& options, const boost::program_options::options_description& extra = {})
{
  namespace po = boost::program_options;
  po::options_description all(std::string("Usage: ") + name + " [options]");
  // clang-format off
  all.add_options()
    ("smoke", po::bool_switch(&options.Smoke), "a short run that only checks every figure is produced")
    ("json", po::value(&options.JsonPath)->default_value(options.JsonPath), "where to write the report")
    ("seconds", po::value(&options.Seconds)->default_value(options.Seconds), "seconds per measuring phase")
    ("stages", po::value(&options.Stages)->default_value(options.Stages), "the stages to run");
  // clang-format on
  all.add(extra);
  po::variables_map vm;
  try
  {
    po::store(po::parse_command_line(argc, argv, all), vm);
    po::notify(vm);
  }
  catch (const std::exception& e)
  {
    std::cerr << name << ": " << e.what() << "\n" << all << "\n";
    std::exit(2);
  }
  return vm;
}

inline double Percentile(std::vector<double> v, double p)
{
  if (v.empty())
  {
    return 0.0;
  }
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * v.size()));
  return v[i];
}

inline double Mean(const std::vector<double>& v)
{
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

inline double Round(double v, int digits = 3)
{
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

inline void Say(const std::string& line)
{
  std::cout << line << std::endl;
}

inline std::string Fmt(double v, int digits = 2)
{
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

inline void Pause(int ms)
{
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

inline json Summary(const std::string& figure, double ratio, const std::string& target, bool met)
{
  return { { "figure", figure }, { "ratio", Round(ratio) }, { "target", target }, { "met", met } };
}

// ---------------------------------------------------------------------------------------------
// The scene: three spheres of about 40k triangles each, offscreen, with a trackball interactor
// so that injected browser input moves the camera as it would for a local user.
struct Scene
{
  Scene(int width, int height)
  {
    const double colors[3][3] = { { 0.9, 0.3, 0.2 }, { 0.3, 0.8, 0.3 }, { 0.2, 0.4, 0.9 } };
    for (int i = 0; i < 3; ++i)
    {
      this->Spheres[i]->SetThetaResolution(200); // 2 * 200 * 98 + 400 = 39 600 triangles
      this->Spheres[i]->SetPhiResolution(100);
      this->Spheres[i]->SetCenter(1.2 * (i - 1), 0.3 * (i % 2), 0.0);
      this->Spheres[i]->SetRadius(0.55);
      this->Mappers[i]->SetInputConnection(this->Spheres[i]->GetOutputPort());
      this->Actors[i]->SetMapper(this->Mappers[i]);
      this->Actors[i]->GetProperty()->SetColor(colors[i][0], colors[i][1], colors[i][2]);
      this->Actors[i]->GetProperty()->SetSpecular(0.4);
      this->Renderer->AddActor(this->Actors[i]);
    }
    this->Renderer->SetBackground(0.1, 0.15, 0.25);
    this->Renderer->GradientBackgroundOn();
    this->Renderer->SetBackground2(0.3, 0.35, 0.45);
    this->Window->AddRenderer(this->Renderer);
    this->Window->SetSize(width, height);
    this->Window->SetOffScreenRendering(1);
    this->Interactor->SetRenderWindow(this->Window);
    this->Interactor->SetInteractorStyle(this->Style);
    this->Interactor->Initialize();
    this->Renderer->ResetCamera();
    this->Window->Render();
  }

  /// One new, different frame (the camera turns by a degree), rendered synchronously.
  void Advance()
  {
    this->Renderer->GetActiveCamera()->Azimuth(1.0);
    this->Window->Render();
  }

  vtkNew<vtkSphereSource> Spheres[3];
  vtkNew<vtkPolyDataMapper> Mappers[3];
  vtkNew<vtkActor> Actors[3];
  vtkNew<vtkRenderer> Renderer;
  vtkNew<vtkRenderWindow> Window;
  vtkNew<vtkRenderWindowInteractor> Interactor;
  vtkNew<vtkInteractorStyleTrackballCamera> Style;
};

} // namespace renderstream::bench

#endif
