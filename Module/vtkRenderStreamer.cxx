#include "vtkRenderStreamer.h"

#include "vtkRenderStreamerCapture.h"
#include "vtkRenderStreamerInjector.h"
#include "vtkRenderStreamerServerProcess.h"
#include "vtkRenderStreamerXInput.h"
#include "ipc/MediaText.h"
#include "ipc/StreamSegment.h"

#include "vtkCallbackCommand.h"        // for the passive timer observer
#include "vtkCommand.h"                // for event ids
#include "vtkNew.h"                    // for vtkNew
#include "vtkObjectFactory.h"          // for vtkStandardNewMacro
#include "vtkRenderWindow.h"           // for the window
#include "vtkRenderWindowInteractor.h" // for the interactor and its timer
#include "vtkSmartPointer.h"           // for vtkSmartPointer
#include "vtkWeakPointer.h"            // for the stale observer's interactor

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ipc = renderstream::ipc;

struct vtkRenderStreamer::Internals
{
  vtkSmartPointer<vtkRenderWindow> Window;
  vtkSmartPointer<vtkRenderWindowInteractor> Interactor; // as set by the user
  vtkRenderWindowInteractor* AttachedInteractor = nullptr;
  std::unique_ptr<ipc::StreamSegment> Segment;
  vtkRenderStreamerServerProcess Server;
  unsigned long RenderObserver = 0;
  std::unique_ptr<vtkRenderStreamerXInput> XInput; // browser input through the X event loop
  vtkNew<vtkCallbackCommand> TimerCommand;           // or, elsewhere, the interactor's timer
  unsigned long TimerObserver = 0;
  int TimerId = 0;
  // VTK forbids (and warns about) removing an observer of the interactor from inside its
  // passive TimerEvent callback, where Tick() may find the server dead. Then the observer
  // stays, inert (its timer is gone), and is removed at the next Detach() outside a tick.
  bool InPassiveTick = false;
  std::vector<std::pair<vtkWeakPointer<vtkRenderWindowInteractor>, unsigned long>> StaleObservers;

  void RemoveStaleObservers()
  {
    if (this->InPassiveTick)
    {
      return;
    }
    for (auto& [interactor, observer] : this->StaleObservers)
    {
      if (interactor)
      {
        interactor->RemoveObserver(observer);
      }
    }
    this->StaleObservers.clear();
  }
  std::chrono::steady_clock::time_point NextServerCheck;
  std::int64_t NewestInputNs = 0;
  std::vector<ipc::InputEvent> Pending;
  int Port = 0; // the server's, once it serves
  std::string Token;     // its tokens: a server that replaces a dead one takes them over
  std::string ViewToken;
  std::deque<std::chrono::steady_clock::time_point> ServerDeaths; // within the last minute
  std::string URL;
  std::string LocalURL;
  std::string ViewOnlyURL;
  std::string LastError;
  std::string DriverName; // GetDriverName()'s, read from the segment
  std::string MediaMessage; // GetMediaMessage()'s, read from the segment
  // The application asked for a recording (RecordFile) that every server it starts, a
  // replacement too, is to make, until it asks otherwise or a server ends that recording.
  bool RecordingRequested = false;

  /// The server's word on the recording and the publisher; all off while not streaming.
  ipc::StreamSegment::MediaState Media() const
  {
    return this->Segment ? this->Segment->Media() : ipc::StreamSegment::MediaState();
  }

  vtkRenderWindowInteractor* ActiveInteractor() const
  {
    return this->Interactor ? this->Interactor.Get()
                            : (this->Window ? this->Window->GetInteractor() : nullptr);
  }
};

namespace
{
// A publishing URL for messages: ipc::UrlOrigin(), and "/..." where a path or query (a
// stream key) followed.
std::string WithoutSecrets(const std::string& url)
{
  const std::string origin = ipc::UrlOrigin(url);
  if (origin.empty())
  {
    return "(not a URL)";
  }
  return origin + (url.find_first_of("/?#", url.find("://") + 3) == std::string::npos ? "" : "/...");
}

// vtkSetStringMacro's assignment, for setters with more to do: false when `value` is
// already there. An empty value is stored as nullptr.
bool AssignString(char*& field, const std::string& value)
{
  if (value.empty() ? field == nullptr : field && value == field)
  {
    return false;
  }
  delete[] field;
  field = nullptr;
  if (!value.empty())
  {
    field = new char[value.size() + 1];
    std::copy(value.c_str(), value.c_str() + value.size() + 1, field);
  }
  return true;
}
}

vtkStandardNewMacro(vtkRenderStreamer);

vtkRenderStreamer::vtkRenderStreamer()
  : Internal(new Internals)
{
  this->SetBindAddress(renderstream::defaults::kBindAddress);
  this->SetVideoEncoder("auto");
  this->SetControlMode(renderstream::defaults::kControlMode);
  this->SetRecordDirectory(renderstream::defaults::kRecordDirectory);
  // Passive: an interactor style grabs the interactor's focus during a drag, and then only
  // passive observers still see timer events; the tick must go on to deliver the release.
  vtkCallbackCommand* onTimer = this->Internal->TimerCommand;
  onTimer->PassiveObserverOn();
  onTimer->SetClientData(this);
  onTimer->SetCallback([](vtkObject*, unsigned long, void* clientData, void* callData) {
    auto* self = static_cast<vtkRenderStreamer*>(clientData);
    const int timerId = callData ? *static_cast<int*>(callData) : 0;
    if (timerId == self->Internal->TimerId) // other timers of the interactor are not ours
    {
      self->Internal->InPassiveTick = true;
      self->Tick();
      self->Internal->InPassiveTick = false;
    }
  });
}

vtkRenderStreamer::~vtkRenderStreamer()
{
  this->Stop();
  this->SetBindAddress(nullptr);
  this->SetVideoEncoder(nullptr);
  this->SetServerExecutable(nullptr);
  this->SetAllowedOrigins(nullptr);
  this->SetPublicURL(nullptr);
  this->SetControlMode(nullptr);
  AssignString(this->RecordFile, "");
  AssignString(this->RecordDirectory, "");
  this->SetPublishURL(nullptr);
}

void vtkRenderStreamer::SetRecordFile(const char* path)
{
  const std::string expanded = ipc::ExpandHome(path ? path : "");
  if (expanded.size() >= ipc::kRecordFileBytes)
  {
    vtkErrorMacro(<< "cannot record to a path of " << expanded.size() << " bytes: the server takes "
                  << ipc::kRecordFileBytes - 1 << " at most; RecordFile unchanged");
    return;
  }
  if (!AssignString(this->RecordFile, expanded))
  {
    return;
  }
  Internals& in = *this->Internal;
  in.RecordingRequested = this->RecordFile != nullptr;
  if (in.Segment) // streaming: the server starts (or stops) at once; else Start() asks it
  {
    in.Segment->SetRecordFile(this->RecordFile ? this->RecordFile : "");
  }
  this->Modified();
}

void vtkRenderStreamer::SetRecordDirectory(const char* directory)
{
  const std::string chosen = directory && *directory ? directory : renderstream::defaults::kRecordDirectory;
  if (AssignString(this->RecordDirectory, ipc::ExpandHome(chosen)))
  {
    this->Modified();
  }
}

void vtkRenderStreamer::SetRenderWindow(vtkRenderWindow* window)
{
  if (this->Internal->Window != window)
  {
    this->Retarget(window, this->Internal->Interactor);
  }
}

vtkRenderWindow* vtkRenderStreamer::GetRenderWindow()
{
  return this->Internal->Window;
}

void vtkRenderStreamer::SetInteractor(vtkRenderWindowInteractor* interactor)
{
  if (this->Internal->Interactor != interactor)
  {
    this->Retarget(this->Internal->Window, interactor);
  }
}

// While streaming, the observers and the timer move to the new window and interactor.
void vtkRenderStreamer::Retarget(vtkRenderWindow* window, vtkRenderWindowInteractor* interactor)
{
  const bool streaming = this->Internal->Segment != nullptr;
  this->Detach();
  this->Internal->Window = window;
  this->Internal->Interactor = interactor;
  if (streaming && window)
  {
    this->Attach();
  }
  this->Modified();
}

vtkRenderWindowInteractor* vtkRenderStreamer::GetInteractor()
{
  return this->Internal->ActiveInteractor();
}

bool vtkRenderStreamer::Start()
{
  Internals& in = *this->Internal;
  if (this->IsStreaming())
  {
    return true;
  }
  this->Stop();
  in.LastError.clear();
  if (!in.Window)
  {
    this->Fail("cannot start: no render window (call SetRenderWindow() first)");
    return false;
  }
  const std::string control = this->ControlMode ? this->ControlMode : "";
  if (control != "one" && control != "shared")
  {
    this->Fail("cannot start: ControlMode must be \"one\" or \"shared\", not \"" + control + "\"");
    return false;
  }
  if (this->VideoEncoder && std::string(this->VideoEncoder) == "none" && this->RecordFile)
  {
    this->Fail("cannot start: recording needs H.264, and VideoEncoder is \"none\"");
    return false;
  }
  in.RecordingRequested = this->RecordFile != nullptr;

  in.ServerDeaths.clear();
  this->ServerRestarts = 0;
  this->FramesCaptured = 0;
  this->EventsInjected = 0;
  return this->Launch(this->Port, "cannot start the server"); // Stop() cleared the tokens
}

bool vtkRenderStreamer::Launch(int port, const std::string& failure)
{
  Internals& in = *this->Internal;
  const int* size = in.Window->GetSize();
  namespace defaults = renderstream::defaults;
  const int maxWidth = this->MaxWidth > 0 ? this->MaxWidth : std::max(size[0], defaults::kDefaultMaxWidth);
  const int maxHeight = this->MaxHeight > 0 ? this->MaxHeight : std::max(size[1], defaults::kDefaultMaxHeight);
  try
  {
    in.Segment = ipc::StreamSegment::Create(maxWidth, maxHeight);
  }
  catch (const std::exception& e)
  {
    this->Fail(failure + ": " + e.what());
    return false;
  }
  if (in.RecordingRequested) // the server starts with it, so the first frame is recorded
  {
    in.Segment->SetRecordFile(this->RecordFile);
  }

  const std::string executable =
    vtkRenderStreamerServerProcess::Locate(this->ServerExecutable ? this->ServerExecutable : "");
  std::string error;
  if (!in.Server.Spawn(executable, this->ServerArguments(port), this->ServerEnvironment(), error))
  {
    this->Fail(failure + ": " + error);
    return false;
  }

  // Wait for the server to listen (it writes the port and tokens into the segment).
  const auto ready = in.Segment->WaitForServer(
    std::chrono::steady_clock::now() + std::chrono::seconds(15), [&in] { return in.Server.IsRunning(); });
  if (ready.Status != ipc::ServerStatus::Serving)
  {
    const std::string why = ready.Status == ipc::ServerStatus::Failed ? ready.Error
      : in.Server.IsRunning() ? std::string("it did not start listening within 15 s")
                              : "it " + in.Server.ExitDescription();
    this->Fail(failure + " '" + executable + "': " + why);
    return false;
  }

  // Both processes have the segment mapped now, so its name has done its job: removing it
  // here means that no crash of either process, nor a kill of both, can leave it in /dev/shm.
  in.Segment->Unlink();

  // The token goes in the fragment, which no server or proxy ever sees (the page trades it
  // for a cookie); ?token= works as well, for curl and scripts.
  // The server says where its page is (its normalised --public-url, or its own address).
  in.LocalURL = ready.LocalUrl + "#token=" + ready.Token;
  in.URL = ready.PageUrl + "#token=" + ready.Token;
  in.ViewOnlyURL = ready.PageUrl + "#token=" + ready.ViewToken;
  in.Port = ready.Port;
  in.Token = ready.Token;
  in.ViewToken = ready.ViewToken;
  this->Attach();
  return true;
}

std::vector<std::string> vtkRenderStreamer::ServerArguments(int port) const
{
  namespace defaults = renderstream::defaults;
  std::vector<std::string> args = { "--shm", this->Internal->Segment->Name(), "--bind",
    this->BindAddress ? this->BindAddress : defaults::kBindAddress, "--port", std::to_string(port),
    "--quality", std::to_string(this->Quality), "--still-quality",
    std::to_string(this->StillQuality), "--max-clients", std::to_string(this->MaxClients),
    "--video-encoder", this->VideoEncoder ? this->VideoEncoder : "auto", "--control",
    this->ControlMode ? this->ControlMode : defaults::kControlMode };
  // Only when changed: a wrapper named by RENDERSTREAM_SERVER may set the server's own.
  if (this->RecordDirectory != ipc::ExpandHome(defaults::kRecordDirectory))
  {
    args.insert(args.end(), { "--record-dir", this->RecordDirectory });
  }
  if (this->RecordMaxMiB != defaults::kRecordMaxMiB)
  {
    args.insert(args.end(), { "--record-max-mib", std::to_string(this->RecordMaxMiB) });
  }
  if (this->ServerRestarts > 0)
  {
    args.insert(args.end(), { "--restarts", std::to_string(this->ServerRestarts) });
  }
  if (this->ViewOnly)
  {
    args.emplace_back("--view-only");
  }
  std::istringstream origins(this->AllowedOrigins ? this->AllowedOrigins : "");
  for (std::string origin; origins >> origin;)
  {
    args.insert(args.end(), { "--allow-origin", origin });
  }
  std::string publicUrl = this->PublicURL && *this->PublicURL ? this->PublicURL : "";
  // (The server normalises it and says where its page is: WaitForServer in Launch.)
  if (const char* fromEnvironment = std::getenv("RENDERSTREAM_PUBLIC_URL"); publicUrl.empty() && fromEnvironment)
  {
    publicUrl = fromEnvironment;
  }
  if (!publicUrl.empty()) // the server checks it (a bad one fails Start, saying why)
  {
    args.insert(args.end(), { "--public-url", publicUrl });
  }
  return args;
}

std::vector<std::string> vtkRenderStreamer::ServerEnvironment() const
{
  // A replacement keeps the links: its tokens travel here. So does the publishing URL, whose
  // path often holds a stream key.
  std::vector<std::string> environment;
  const Internals& in = *this->Internal;
  if (!in.Token.empty())
  {
    environment = { "RENDERSTREAM_TOKEN=" + in.Token, "RENDERSTREAM_VIEW_TOKEN=" + in.ViewToken };
  }
  if (this->PublishURL && *this->PublishURL)
  {
    environment.push_back(std::string("RENDERSTREAM_PUBLISH_URL=") + this->PublishURL);
  } // (else the server reads RENDERSTREAM_PUBLISH_URL from the environment it inherits)
  return environment;
}

// A crash, the OOM killer or a kill -9 must not end sharing for good: a new server takes over
// on the same port with the same tokens (open pages reconnect by themselves), unless servers
// keep dying, which a restart would not cure.
void vtkRenderStreamer::OnServerDied()
{
  Internals& in = *this->Internal;
  in.Server.IsRunning(); // reaps it, for ExitDescription()
  const std::string how = "the server process " + in.Server.ExitDescription();
  const auto now = std::chrono::steady_clock::now();
  in.ServerDeaths.push_back(now);
  while (now - in.ServerDeaths.front() > std::chrono::seconds(kServerDeathWindowSeconds))
  {
    in.ServerDeaths.pop_front();
  }
  if (in.ServerDeaths.size() >= static_cast<std::size_t>(kMaxServerDeaths))
  {
    this->Fail(how + ", its " + std::to_string(kMaxServerDeaths) + "th death within " +
      std::to_string(kServerDeathWindowSeconds) + " s; streaming stopped (its messages above say why)");
    return;
  }
  vtkWarningMacro(<< how << "; a new one takes over on port " << in.Port << " (the links stay valid)");
  // The recording goes on in the new server (into a new file: it never overwrites), unless
  // the dead one had ended it (its size bound, a full disk): then the bound still holds.
  if (const auto media = in.Media(); !media.Recording && media.RecordedBytes > 0)
  {
    in.RecordingRequested = false;
  }
  this->Detach();
  in.Segment.reset();
  ++this->ServerRestarts;
  this->Launch(in.Port, "cannot restart the server on port " + std::to_string(in.Port));
}

void vtkRenderStreamer::Stop()
{
  Internals& in = *this->Internal;
  this->Detach();
  // Destroying the segment raises its shutdown flag, so the server exits by itself (and
  // removes the segment's name, should the handshake not have done it); then it is reaped.
  in.Segment.reset();
  in.Server.Stop();
  in.URL.clear();
  in.LocalURL.clear();
  in.ViewOnlyURL.clear();
  in.Token.clear();
  in.ViewToken.clear();
}

bool vtkRenderStreamer::IsStreaming()
{
  return this->Internal->Segment && this->Internal->Server.IsRunning();
}

void vtkRenderStreamer::Attach()
{
  Internals& in = *this->Internal;
  if (!in.Window || !in.Segment)
  {
    return;
  }
  // Every frame is captured when its render ends, whoever rendered it: no tick decides.
  in.RenderObserver = in.Window->AddObserver(vtkCommand::EndEvent, this, &vtkRenderStreamer::OnRender);
  if (!in.Window->GetNeverRendered())
  {
    this->Capture(); // what the window shows now, for the first viewer
  }

  in.AttachedInteractor = in.ActiveInteractor();
  if (in.AttachedInteractor && this->UseEventLoop)
  {
    // X11: input arrives as X events, so no timer of ours exists for the host to see.
    in.XInput = vtkRenderStreamerXInput::Create(
      in.Window, in.AttachedInteractor, *in.Segment, static_cast<int>(in.Server.Pid()));
    if (!in.XInput)
    {
      // Other platforms: a repeating timer, which every TimerEvent observer also sees.
      in.TimerObserver = in.AttachedInteractor->AddObserver(vtkCommand::TimerEvent, in.TimerCommand);
      in.TimerId = in.AttachedInteractor->CreateRepeatingTimer(this->TickInterval);
    }
  }
}

void vtkRenderStreamer::Detach()
{
  Internals& in = *this->Internal;
  in.XInput.reset(); // joins its thread, removes its observers
  if (in.Window && in.RenderObserver)
  {
    in.Window->RemoveObserver(in.RenderObserver);
  }
  in.RemoveStaleObservers();
  if (in.AttachedInteractor)
  {
    if (in.TimerObserver && in.InPassiveTick)
    {
      in.StaleObservers.emplace_back(in.AttachedInteractor, in.TimerObserver);
    }
    else if (in.TimerObserver)
    {
      in.AttachedInteractor->RemoveObserver(in.TimerObserver);
    }
    if (in.TimerId)
    {
      in.AttachedInteractor->DestroyTimer(in.TimerId);
    }
  }
  in.RenderObserver = in.TimerObserver = 0;
  in.TimerId = 0;
  in.AttachedInteractor = nullptr;
}

void vtkRenderStreamer::OnRender(vtkObject*, unsigned long, void*)
{
  Internals& in = *this->Internal;
  if (in.XInput && in.XInput->ServerGone())
  {
    this->OnServerDied();
    return;
  }
  in.Segment->MarkAlive();
  this->Capture();
}

void vtkRenderStreamer::Tick()
{
  Internals& in = *this->Internal;
  if (!in.Segment || !in.Window)
  {
    return;
  }
  in.Segment->MarkAlive();
  // A liveness check costs a syscall; four a second notice a dead server soon enough.
  const auto now = std::chrono::steady_clock::now();
  if (now >= in.NextServerCheck)
  {
    in.NextServerCheck = now + std::chrono::milliseconds(250);
    if (!in.Server.IsRunning())
    {
      this->OnServerDied();
      return;
    }
  }

  if (in.XInput)
  {
    return; // input goes through the X event loop
  }
  in.Pending.clear();
  ipc::InputEvent event;
  while (in.Segment->Events().TryPop(event))
  {
    if (vtkRenderStreamerInjector::Coalesces(event) && !in.Pending.empty() &&
      in.Pending.back().Type == event.Type)
    {
      in.Pending.back() = event;
    }
    else
    {
      in.Pending.push_back(event);
    }
  }
  const int maxWidth = static_cast<int>(in.Segment->MaxWidth());
  const int maxHeight = static_cast<int>(in.Segment->MaxHeight());
  for (const auto& pending : in.Pending)
  {
    vtkRenderStreamerInjector::Inject(pending, in.ActiveInteractor(), in.Window, maxWidth, maxHeight);
    in.NewestInputNs = std::max(in.NewestInputNs, pending.TimeNs);
    ++this->EventsInjected;
  }
}

void vtkRenderStreamer::Capture()
{
  Internals& in = *this->Internal;
  const auto start = std::chrono::steady_clock::now();
  const int* size = in.Window->GetSize();
  const int width = std::min(size[0], static_cast<int>(in.Segment->MaxWidth()));
  const int height = std::min(size[1], static_cast<int>(in.Segment->MaxHeight()));
  if (width <= 0 || height <= 0)
  {
    return;
  }
  std::uint8_t* slot = in.Segment->WritableSlot();
  if (!slot)
  {
    vtkWarningMacro("the shared memory's slot index is corrupt; frame skipped");
    return;
  }
  const auto result = vtkRenderStreamerCapture::Read(in.Window, width, height, slot);
  if (!result.Ok)
  {
    vtkWarningMacro("could not read the window's pixels; frame skipped");
    return;
  }
  ipc::FrameInfo info;
  info.Width = static_cast<std::uint32_t>(width);
  info.Height = static_cast<std::uint32_t>(height);
  info.Format = result.Format;
  info.BottomUp = 1;
  info.CaptureTimeNs = ipc::SteadyNowNs();
  info.LastInputTimeNs = std::max(in.NewestInputNs, in.XInput ? in.XInput->NewestInputNs() : 0);
  in.Segment->Publish(info);
  ++this->FramesCaptured;
  this->LastCaptureMilliseconds =
    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void vtkRenderStreamer::Fail(const std::string& message)
{
  // Stopped before it is said: whoever reads the error (a log, an ErrorEvent observer) finds
  // the server already reaped and the shared memory gone.
  this->Stop();
  this->Internal->LastError = message;
  vtkErrorMacro(<< message);
}

const char* vtkRenderStreamer::GetURL()
{
  return this->Internal->URL.c_str();
}

const char* vtkRenderStreamer::GetLocalURL()
{
  return this->Internal->LocalURL.c_str();
}

const char* vtkRenderStreamer::GetViewOnlyURL()
{
  return this->Internal->ViewOnlyURL.c_str();
}

const char* vtkRenderStreamer::GetDriverName()
{
  this->Internal->DriverName = this->Internal->Segment ? this->Internal->Segment->DriverName() : std::string();
  return this->Internal->DriverName.c_str();
}

const char* vtkRenderStreamer::GetLastError()
{
  return this->Internal->LastError.c_str();
}

int vtkRenderStreamer::GetActualPort()
{
  return this->Internal->Segment ? this->Internal->Port : 0;
}

int vtkRenderStreamer::GetViewerCount()
{
  return this->Internal->Segment ? static_cast<int>(this->Internal->Segment->Viewers()) : 0;
}

vtkTypeUInt64 vtkRenderStreamer::GetEventsInjected()
{
  const auto& xInput = this->Internal->XInput;
  return this->EventsInjected + (xInput ? xInput->EventsApplied() : 0);
}

vtkTypeUInt64 vtkRenderStreamer::GetFramesSent()
{
  return this->Internal->Segment ? this->Internal->Segment->FramesSent() : 0;
}

bool vtkRenderStreamer::IsRecording()
{
  return this->Internal->Media().Recording;
}

double vtkRenderStreamer::GetRecordedSeconds()
{
  return static_cast<double>(this->Internal->Media().RecordedMs) / 1000.0;
}

vtkTypeUInt64 vtkRenderStreamer::GetRecordedBytes()
{
  return this->Internal->Media().RecordedBytes;
}

const char* vtkRenderStreamer::GetPublishState()
{
  return ipc::PublishStatusName(this->Internal->Media().Publishing);
}

vtkTypeUInt64 vtkRenderStreamer::GetPublishedBytes()
{
  return this->Internal->Media().PublishedBytes;
}

const char* vtkRenderStreamer::GetMediaMessage()
{
  this->Internal->MediaMessage = this->Internal->Media().Message;
  return this->Internal->MediaMessage.c_str();
}

void vtkRenderStreamer::PrintSelf(ostream& os, vtkIndent indent)
{
  this->Superclass::PrintSelf(os, indent);
  os << indent << "RenderWindow: " << this->Internal->Window.Get() << "\n";
  os << indent << "Interactor: " << this->GetInteractor() << "\n";
  os << indent << "Port: " << this->Port << " (actual " << this->GetActualPort() << ")\n";
  os << indent << "BindAddress: " << (this->BindAddress ? this->BindAddress : "(none)") << "\n";
  os << indent << "VideoEncoder: " << (this->VideoEncoder ? this->VideoEncoder : "(none)") << "\n";
  os << indent << "Quality: " << this->Quality << ", StillQuality: " << this->StillQuality << "\n";
  os << indent << "ViewOnly: " << this->ViewOnly << "\n";
  os << indent << "ControlMode: " << (this->ControlMode ? this->ControlMode : "(none)") << ", driver: " << this->GetDriverName() << "\n";
  os << indent << "TickInterval: " << this->TickInterval << " ms\n";
  os << indent << "UseEventLoop: " << this->UseEventLoop
     << (this->Internal->XInput ? " (X11 events)" : this->Internal->TimerId ? " (interactor timer)" : "") << "\n";
  os << indent << "MaxClients: " << this->MaxClients << "\n";
  os << indent << "MaxWidth x MaxHeight: " << this->MaxWidth << " x " << this->MaxHeight << "\n";
  os << indent << "AllowedOrigins: " << (this->AllowedOrigins ? this->AllowedOrigins : "(none)") << "\n";
  os << indent << "PublicURL: " << (this->PublicURL ? this->PublicURL : "(none)") << "\n";
  os << indent << "ServerExecutable: " << (this->ServerExecutable ? this->ServerExecutable : "(auto)") << "\n";
  os << indent << "RecordFile: " << (this->RecordFile ? this->RecordFile : "(none)") << "\n";
  os << indent << "RecordDirectory: " << this->RecordDirectory << ", RecordMaxMiB: " << this->RecordMaxMiB << "\n";
  os << indent << "PublishURL: " << (this->PublishURL ? WithoutSecrets(this->PublishURL) : "(none)") << "\n";
  const auto media = this->Internal->Media();
  os << indent << "Recording: " << media.Recording << " (" << media.RecordedMs / 1000.0 << " s, "
     << media.RecordedBytes << " bytes), publishing: " << this->GetPublishState() << " ("
     << media.PublishedBytes << " bytes)\n";
  os << indent << "MediaMessage: " << media.Message << "\n";
  os << indent << "Streaming: " << this->IsStreaming() << ", URL: " << this->Internal->URL << "\n";
  os << indent << "ServerRestarts: " << this->ServerRestarts << "\n";
  os << indent << "FramesCaptured: " << this->FramesCaptured << ", EventsInjected: " << this->GetEventsInjected() << "\n";
  os << indent << "LastError: " << this->Internal->LastError << "\n";
}
