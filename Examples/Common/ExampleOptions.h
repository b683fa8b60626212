// The command line every RenderStream example shares (README "Examples"):
//   --port N  --bind ADDR  --public-url URL  --allow-origin ORIGIN  --max-clients N
//   --video-encoder E  --control one|shared  --record FILE  --publish URL  --size WxH
//   --offscreen  --seconds S  --help
// (an example may add its own: ExtraOptions), and the helper that ends an example after S
// seconds or on SIGINT/SIGTERM.
#ifndef RenderStream_ExampleOptions_h
#define RenderStream_ExampleOptions_h

#include <RenderStreamDefaults.h>
#include <vtkRenderStreamer.h>
#include <vtkRenderWindow.h>
#include <vtksys/CommandLineArguments.hxx>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <functional>
#include <iostream>
#include <poll.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

// Last: X11's macros (None, Status, ...) clash with names in VTK's headers.
#include <X11/Xlib.h>

namespace example
{
namespace defaults = renderstream::defaults;

struct Options
{
  int Port = defaults::kPort;
  std::string Bind = defaults::kBindAddress;
  std::string PublicUrl;      // "" = RENDERSTREAM_PUBLIC_URL, if set
  std::string AllowedOrigins; // space separated
  int MaxClients = defaults::kMaxClients;
  std::string VideoEncoder = defaults::kVideoEncoder;
  std::string Control = defaults::kControlMode;
  std::string Record;  // "" = no recording
  std::string Publish; // "" = RENDERSTREAM_PUBLISH_URL, if set
  int Width = 800;
  int Height = 600;
  bool Offscreen = false;
  double Seconds = 0; // 0 = until SIGINT/SIGTERM
};

/// An example's own options, parsed with the shared ones and listed in the same --help:
/// AddTo() declares them, Valid() checks their values once parsed.
struct ExtraOptions
{
  std::function<void(vtksys::CommandLineArguments&)> AddTo;
  std::function<bool()> Valid;
};

/// Parses argv; prints usage and exits on --help or on a bad argument.
inline Options Parse(int argc, char* argv[], const char* what, const ExtraOptions& extra = {})
{
  Options o;
  std::string size;
  std::vector<std::string> origins;
  bool help = false;
  // vtksys keeps pointers to the help texts: these live as long as `args`.
  const std::string bindHelp =
    "address to listen on (default " + std::string(defaults::kBindAddress) + ")";
  const std::string maxClientsHelp =
    "most viewers at once (default " + std::to_string(defaults::kMaxClients) + ")";
  const std::string videoEncoderHelp = "H.264 encoder: " + std::string(defaults::kVideoEncoder) +
    " (default), openh264, libx264, h264_nvenc or none";
  const std::string controlHelp = "who drives from the browsers: one (one at a time, with "
    "hand-over) or shared (everyone at once); default " + std::string(defaults::kControlMode);
  vtksys::CommandLineArguments args;
  args.Initialize(argc, argv);
  using A = vtksys::CommandLineArguments;
  args.AddArgument("--port", A::SPACE_ARGUMENT, &o.Port, "TCP port, 0 = any free port (default)");
  args.AddArgument("--bind", A::SPACE_ARGUMENT, &o.Bind, bindHelp.c_str());
  args.AddArgument("--public-url", A::SPACE_ARGUMENT, &o.PublicUrl,
    "where people open the view, when not here: a TLS proxy's or tunnel's address");
  args.AddArgument("--allow-origin", A::MULTI_ARGUMENT, &origins,
    "other origins whose pages may connect (scheme://host[:port]), repeatable");
  args.AddArgument("--max-clients", A::SPACE_ARGUMENT, &o.MaxClients, maxClientsHelp.c_str());
  args.AddArgument("--video-encoder", A::SPACE_ARGUMENT, &o.VideoEncoder, videoEncoderHelp.c_str());
  args.AddArgument("--control", A::SPACE_ARGUMENT, &o.Control, controlHelp.c_str());
  args.AddArgument("--record", A::SPACE_ARGUMENT, &o.Record,
    "record the stream to FILE (MP4; an existing file is kept: FILE-2.mp4, ...)");
  args.AddArgument("--publish", A::SPACE_ARGUMENT, &o.Publish,
    "publish the stream to a media server: rtmp://, rtmps://, srt:// or rtsp:// URL "
    "(or RENDERSTREAM_PUBLISH_URL, which keeps a stream key out of ps)");
  args.AddArgument("--size", A::SPACE_ARGUMENT, &size, "window size WxH (default 800x600)");
  args.AddBooleanArgument("--offscreen", &o.Offscreen, "render without showing a window");
  args.AddArgument("--seconds", A::SPACE_ARGUMENT, &o.Seconds, "exit after S seconds (0 = run until Ctrl-C)");
  if (extra.AddTo)
  {
    extra.AddTo(args);
  }
  args.AddBooleanArgument("--help", &help, "print this help");
  const bool parsed = args.Parse() != 0;
  const bool sizeOk = size.empty() || std::sscanf(size.c_str(), "%dx%d", &o.Width, &o.Height) == 2;
  if (help || !parsed || !sizeOk || o.Width < 16 || o.Height < 16 || o.Seconds < 0 ||
    o.Port < 0 || o.Port > 65535 || o.MaxClients < 1 || (o.Control != "one" && o.Control != "shared") || (extra.Valid && !extra.Valid()))
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
  for (const std::string& origin : origins)
  {
    o.AllowedOrigins += (o.AllowedOrigins.empty() ? "" : " ") + origin;
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

/// Applies the streaming options to `streamer`, before its Start().
inline void Configure(vtkRenderStreamer* streamer, const Options& o)
{
  streamer->SetPort(o.Port);
  streamer->SetBindAddress(o.Bind.c_str());
  streamer->SetPublicURL(o.PublicUrl.empty() ? nullptr : o.PublicUrl.c_str());
  streamer->SetAllowedOrigins(o.AllowedOrigins.c_str());
  streamer->SetMaxClients(o.MaxClients);
  streamer->SetVideoEncoder(o.VideoEncoder.c_str());
  streamer->SetControlMode(o.Control.c_str());
  streamer->SetRecordFile(o.Record.c_str());
  streamer->SetPublishURL(o.Publish.empty() ? nullptr : o.Publish.c_str());
}

/// The line scripts and tests wait for, and with a public URL this machine's own link too.
inline void PrintReadyLine(vtkRenderStreamer* streamer)
{
  std::cout << "RenderStream: serving " << streamer->GetURL() << "\n";
  if (std::string(streamer->GetURL()) != streamer->GetLocalURL())
  {
    std::cout << "RenderStream: on this machine " << streamer->GetLocalURL() << "\n";
  }
  std::cout << std::flush;
}

/// Ends the interactor's event loop after `seconds` (if > 0) or on SIGINT/SIGTERM, the way a
/// window manager closes a window: a thread waits for either and sends the window
/// WM_DELETE_WINDOW, which VTK's X interactor answers with TerminateApp(). No interactor
/// timer: its TimerEvent would reach the style too (a held trackball drag would spin).
class StopOnSignalOrTimeout
{
public:
  StopOnSignalOrTimeout(vtkRenderWindow* window, double seconds)
  {
    if (::pipe2(SignalPipe(), O_CLOEXEC | O_NONBLOCK) != 0)
    {
      std::perror("pipe2");
      std::exit(1);
    }
    // A signal handler may only do async-signal-safe things: write one byte.
    const auto onSignal = [](int) { [[maybe_unused]] auto n = ::write(SignalPipe()[1], "x", 1); };
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    const std::string display = DisplayString(static_cast<Display*>(window->GetGenericDisplayId()));
    const auto target = reinterpret_cast<Window>(window->GetGenericWindowId());
    const int timeoutMs = seconds > 0 ? static_cast<int>(seconds * 1000) : -1;
    this->Thread = std::thread([display, target, timeoutMs] {
      pollfd fd{ SignalPipe()[0], POLLIN, 0 };
      while (::poll(&fd, 1, timeoutMs) < 0 && errno == EINTR)
      {
      }
      char byte;
      if (::read(SignalPipe()[0], &byte, 1) == 0)
      {
        return; // our destructor closed the pipe: the loop ended by itself
      }
      Display* connection = XOpenDisplay(display.c_str());
      if (!connection)
      {
        return;
      }
      XEvent close = {};
      close.xclient.type = ClientMessage;
      close.xclient.window = target;
      close.xclient.message_type = XInternAtom(connection, "WM_PROTOCOLS", False);
      close.xclient.format = 32;
      close.xclient.data.l[0] = static_cast<long>(XInternAtom(connection, "WM_DELETE_WINDOW", False));
      close.xclient.data.l[1] = CurrentTime;
      XSendEvent(connection, target, False, NoEventMask, &close);
      XCloseDisplay(connection); // flushes
    });
  }
  ~StopOnSignalOrTimeout()
  {
    ::close(SignalPipe()[1]); // wakes the thread if it still waits
    this->Thread.join();
    ::close(SignalPipe()[0]);
  }
  StopOnSignalOrTimeout(const StopOnSignalOrTimeout&) = delete;
  StopOnSignalOrTimeout& operator=(const StopOnSignalOrTimeout&) = delete;

private:
  static int* SignalPipe()
  {
    static int fds[2] = { -1, -1 }; // one per process: signal handlers are per process too
    return fds;
  }
  std::thread Thread;
};
} // namespace example

#endif
