// A small C interface to vtkRenderStreamer, exported by the plugin library, so that the
// `renderstream_paraview` Python helper can drive a streamer through ctypes in pvpython and
// pvbatch. (ParaView 5.11 plugins get client-server wrapping for their modules, not Python
// wrapping.) Windows and interactors are passed as the addresses of the VTK objects that
// ParaView's Python already holds, taken from their `__this__` attribute.
#include "vtkObjectBase.h"              // for vtkObjectBase
#include "vtkRenderStreamer.h"          // for vtkRenderStreamer
#include "vtkRenderWindow.h"            // for vtkRenderWindow
#include "vtkRenderWindowInteractor.h"  // for vtkRenderWindowInteractor

#define RENDERSTREAM_C_API extern "C" __attribute__((visibility("default")))

namespace
{
vtkRenderStreamer* streamer(void* handle)
{
  return static_cast<vtkRenderStreamer*>(handle);
}

const char* nonNull(const char* text)
{
  return text ? text : "";
}
}

RENDERSTREAM_C_API int renderstream_abi_version()
{
  return 1;
}

RENDERSTREAM_C_API void* renderstream_new()
{
  vtkRenderStreamer* s = vtkRenderStreamer::New();
  s->SetUseInteractorTimer(false); // the script ticks
  return s;
}

RENDERSTREAM_C_API void renderstream_delete(void* handle)
{
  if (handle)
  {
    streamer(handle)->Stop();
    streamer(handle)->Delete();
  }
}

/// Returns 0 when `window` is not a vtkRenderWindow (or `interactor`, when given, not an
/// interactor).
RENDERSTREAM_C_API int renderstream_set_window(void* handle, void* window, void* interactor)
{
  auto* w = vtkRenderWindow::SafeDownCast(static_cast<vtkObjectBase*>(window));
  auto* i = interactor
    ? vtkRenderWindowInteractor::SafeDownCast(static_cast<vtkObjectBase*>(interactor))
    : nullptr;
  if (!w || (interactor && !i))
  {
    return 0;
  }
  streamer(handle)->SetRenderWindow(w);
  streamer(handle)->SetInteractor(i);
  return 1;
}

RENDERSTREAM_C_API void renderstream_configure(void* handle, int port, const char* bind,
  int quality, int viewOnly, int maxClients)
{
  vtkRenderStreamer* s = streamer(handle);
  s->SetPort(port);
  s->SetBindAddress(bind && *bind ? bind : "127.0.0.1");
  s->SetQuality(quality);
  s->SetViewOnly(viewOnly != 0);
  s->SetMaxClients(maxClients);
}

RENDERSTREAM_C_API int renderstream_start(void* handle)
{
  return streamer(handle)->Start() ? 1 : 0;
}

RENDERSTREAM_C_API void renderstream_stop(void* handle)
{
  streamer(handle)->Stop();
}

RENDERSTREAM_C_API void renderstream_tick(void* handle)
{
  streamer(handle)->Tick();
}

RENDERSTREAM_C_API int renderstream_is_streaming(void* handle)
{
  return streamer(handle)->IsStreaming() ? 1 : 0;
}

RENDERSTREAM_C_API const char* renderstream_url(void* handle)
{
  return nonNull(streamer(handle)->GetURL());
}

RENDERSTREAM_C_API const char* renderstream_view_only_url(void* handle)
{
  return nonNull(streamer(handle)->GetViewOnlyURL());
}

RENDERSTREAM_C_API const char* renderstream_last_error(void* handle)
{
  return nonNull(streamer(handle)->GetLastError());
}

RENDERSTREAM_C_API int renderstream_viewer_count(void* handle)
{
  return streamer(handle)->GetViewerCount();
}

RENDERSTREAM_C_API unsigned long long renderstream_frames_captured(void* handle)
{
  return streamer(handle)->GetFramesCaptured();
}

RENDERSTREAM_C_API unsigned long long renderstream_frames_sent(void* handle)
{
  return streamer(handle)->GetFramesSent();
}

RENDERSTREAM_C_API unsigned long long renderstream_events_injected(void* handle)
{
  return streamer(handle)->GetEventsInjected();
}
