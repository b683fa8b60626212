// The command line every RenderStream example shares (README "Examples"):
//   --port N  --bind ADDR  --size WxH  --offscreen  --seconds S  --help
// and the loop helper that ends an example after S seconds or on SIGINT/SIGTERM.
#ifndef RenderStream_ExampleOptions_h
#define RenderStream_ExampleOptions_h

#include <vtkCallbackCommand.h>
#include <vtkCommand.h>
#include <vtkRenderWindowInteractor.h>
#include <vtksys/CommandLineArguments.hxx>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace example
{
struct Options
{
  int Port = 0;
  std::string Bind = "127.0.0.1";
  int Width = 800;
  int Height = 600;
  bool Offscreen = false;
  double Seconds = 0; // 0 = until SIGINT/SIGTERM
  int Nodes = 2000;   // used by NetworkLayout only
};

/// Parses argv; prints usage and exits on --help or on a bad argument.
inline Options Parse(int argc, char* argv[], const char* what, bool withNodes = false)
{
  Options o;
  std::string size;
  bool help = false;
  vtksys::CommandLineArguments args;
  args.Initialize(argc, argv);
  using A = vtksys::CommandLineArguments;
  args.AddArgument("--port", A::SPACE_ARGUMENT, &o.Port, "TCP port, 0 = any free port (default)");
  args.AddArgument("--bind", A::SPACE_ARGUMENT, &o.Bind, "address to listen on (default 127.0.0.1)");
  args.AddArgument("--size", A::SPACE_ARGUMENT, &size, "window size WxH (default 800x600)");
  args.AddBooleanArgument("--offscreen", &o.Offscreen, "render without showing a window");
  args.AddArgument("--seconds", A::SPACE_ARGUMENT, &o.Seconds, "exit after S seconds (0 = run until Ctrl-C)");
  if (withNodes)
  {
    args.AddArgument("--nodes", A::SPACE_ARGUMENT, &o.Nodes, "number of graph nodes (default 2000)");
  }
  args.AddBooleanArgument("--help", &help, "print this help");
  const bool parsed = args.Parse() != 0;
  const bool sizeOk = size.empty() || std::sscanf(size.c_str(), "%dx%d", &o.Width, &o.Height) == 2;
  if (help || !parsed || !sizeOk || o.Width < 16 || o.Height < 16 || o.Seconds < 0 ||
    o.Port < 0 || o.Port > 65535 || o.Nodes < 2)
  {
    std::ostream& out = help ? std::cout : std::cerr;
    if (!help)
    {
      out << argv[0] << ": invalid arguments\n";
    }
    out << what << "\n\nUsage: " << argv[0] << " [options]\n" << args.GetHelp()
        << "\nNeeds an X display; without one run it under `xvfb-run -a`.\n";
    std::exit(help ? 0 : 2);
  }
  if (!std::getenv("DISPLAY"))
  {
    // VTK's X11 windows (offscreen ones too, in ParaView's VTK) abort without a display.
    std::cerr << argv[0] << ": no X display ($DISPLAY is not set); run it under `xvfb-run -a "
              << argv[0] << " ...`\n";
    std::exit(1);
  }
  return o;
}

/// The one line scripts and tests wait for.
inline void PrintReadyLine(const char* url)
{
  std::cout << "RenderStream: serving " << url << std::endl; // endl flushes
}

/// Ends the interactor's event loop after `seconds` (if > 0) or on SIGINT/SIGTERM.
inline void StopOnSignalOrTimeout(vtkRenderWindowInteractor* interactor, double seconds)
{
  // A signal handler may only set a flag; a timer on the render thread reads it.
  static volatile std::sig_atomic_t stopRequested = 0;
  std::signal(SIGINT, [](int) { stopRequested = 1; });
  std::signal(SIGTERM, [](int) { stopRequested = 1; });
  struct State
  {
    std::chrono::steady_clock::time_point End;
    bool Forever;
  };
  static State state;
  state.Forever = seconds <= 0;
  state.End = std::chrono::steady_clock::now() +
    std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
  vtkNew<vtkCallbackCommand> check;
  check->SetCallback([](vtkObject* caller, unsigned long, void*, void*) {
    if (stopRequested || (!state.Forever && std::chrono::steady_clock::now() >= state.End))
    {
      static_cast<vtkRenderWindowInteractor*>(caller)->TerminateApp();
    }
  });
  check->PassiveObserverOn(); // still called while a style holds the focus during a drag
  interactor->AddObserver(vtkCommand::TimerEvent, check);
  interactor->CreateRepeatingTimer(50);
}
} // namespace example

#endif
