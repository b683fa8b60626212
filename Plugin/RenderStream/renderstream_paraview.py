"""Stream a ParaView render view to web browsers from pvpython or pvbatch.

Load the plugin first, then::

    from paraview.simple import *
    LoadPlugin("/path/to/RenderStreamPlugin.so", remote=False, ns=globals())
    from renderstream_paraview import stream

    s = stream(GetActiveView(), port=0)   # starts the web server
    print(s.url)                          # http://127.0.0.1:PORT/#token=TOKEN
    while running:
        ...                               # change the pipeline, the camera, ...
        Render()
        s.tick()                          # capture the new image, apply browser input
    s.stop()

`tick()` captures the view's window when it rendered since the last tick and applies pending
browser input (mouse, wheel, keys) to the view's interactor, so browsers steer the camera.
Under ``mpiexec ... pvbatch`` the script runs on rank 0 only, which holds the composited
image: stream from there as above.

``stream(view, record="run.mp4", publish="rtmp://host/app/KEY")`` also records the stream to
an MP4 file and sends it to a media server; ``s.record(path)`` starts (or, with None, stops) a
recording later, and ``s.recording``, ``s.publish_state`` and ``s.media_message`` say how
they go.

This is a thin layer over the Python-wrapped vtkRenderStreamer (the ``renderstream``
package, built beside the plugin); ParaView 5.11 does not Python-wrap plugin modules itself.
"""

import os
import sys

__all__ = ["stream", "RenderStream", "plugin_library"]

_PLUGIN_NAME = "RenderStreamPlugin"


def plugin_library():
    """Path of the loaded RenderStreamPlugin library."""
    from paraview.modules.vtkRemotingCore import vtkPVPluginTracker
    tracker = vtkPVPluginTracker.GetInstance()
    for i in range(tracker.GetNumberOfPlugins()):
        if tracker.GetPluginName(i) == _PLUGIN_NAME and tracker.GetPluginLoaded(i):
            return tracker.GetPluginFileName(i)
    raise RuntimeError(
        "renderstream_paraview: the RenderStreamPlugin is not loaded; call "
        "LoadPlugin('<path>/RenderStreamPlugin.so', remote=False, ns=globals()) first")


def _streamer_class():
    """vtkRenderStreamer from the `renderstream` package. The plugin lives in
    <lib>/paraview-plugins/RenderStreamPlugin/ and the package in
    <lib>/pythonX.Y/site-packages/, in the build tree and in an install alike."""
    try:
        from renderstream import vtkRenderStreamer
        return vtkRenderStreamer
    except ImportError:
        pass
    lib = os.path.dirname(os.path.dirname(os.path.dirname(plugin_library())))
    site = os.path.join(lib, "python%d.%d" % sys.version_info[:2], "site-packages")
    if not os.path.isdir(os.path.join(site, "renderstream")):
        raise RuntimeError("renderstream_paraview: no `renderstream` Python package in " + site)
    sys.path.insert(0, site)
    from renderstream import vtkRenderStreamer
    return vtkRenderStreamer


class RenderStream(object):
    """One streamer attached to one render view. Use stream() to make one."""

    def __init__(self, view=None, port=None, bind=None, quality=None, view_only=False,
                 max_clients=None, allowed_origins="", public_url="", control=None,
                 record=None, publish=None):
        if view is None:
            from paraview.simple import GetActiveViewOrCreate
            view = GetActiveViewOrCreate("RenderView")
        window = view.GetRenderWindow()
        if window is None:
            raise RuntimeError("renderstream_paraview: the view has no render window")
        self.view = view
        self.streamer = _streamer_class()()
        self.streamer.SetRenderWindow(window)
        if hasattr(view, "GetInteractor") and view.GetInteractor() is not None:
            self.streamer.SetInteractor(view.GetInteractor())
        self.streamer.SetUseEventLoop(False)  # the script's loop calls tick()
        # None keeps the streamer's own default (any free port, this machine only, ...).
        if port is not None:
            self.streamer.SetPort(int(port))
        if bind is not None:
            self.streamer.SetBindAddress(bind)
        if quality is not None:
            self.streamer.SetQuality(int(quality))
        self.streamer.SetViewOnly(bool(view_only))
        if max_clients is not None:
            self.streamer.SetMaxClients(int(max_clients))
        self.streamer.SetAllowedOrigins(allowed_origins)  # e.g. a TLS proxy's https://host
        if control is not None:  # "one" (the default) or "shared"
            self.streamer.SetControlMode(control)
        if public_url:  # else RENDERSTREAM_PUBLIC_URL, if set
            self.streamer.SetPublicURL(public_url)  # e.g. https://viz.example.org/renderstream/
        if record:  # recorded from the first frame
            self.record(record)
        if publish:  # else RENDERSTREAM_PUBLISH_URL, if set
            self.streamer.SetPublishURL(str(publish))  # e.g. rtmp://live.example.org/app/KEY

    def start(self):
        """Spawns the web server; raises RuntimeError saying why if it cannot."""
        if not self.streamer.Start():
            raise RuntimeError("renderstream_paraview: could not start streaming: " + self.error)
        return self

    def tick(self):
        """Applies pending browser input (each render is captured as it ends)."""
        self.streamer.Tick()

    def record(self, path):
        """Records the stream to `path` (MP4; "~" is $HOME) from now on, or stops recording
        with None or "". An existing file is kept: the server records to PATH-2.mp4, ...
        instead. Set the same path again after None for a new recording."""
        self.streamer.SetRecordFile(str(path) if path else None)

    def stop(self):
        """Stops the server. Safe to call twice."""
        self.streamer.Stop()

    close = stop

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    url = property(lambda self: self.streamer.GetURL(),
                   doc="The link to share while streaming (public_url or http://HOST:PORT/, "
                       "then #token=TOKEN), else ''.")
    local_url = property(lambda self: self.streamer.GetLocalURL(), doc="The link on this machine.")
    view_only_url = property(lambda self: self.streamer.GetViewOnlyURL(), doc="The watch-only link.")
    error = property(lambda self: self.streamer.GetLastError(), doc="The last error message.")
    streaming = property(lambda self: bool(self.streamer.IsStreaming()))
    viewers = property(lambda self: self.streamer.GetViewerCount())
    frames_captured = property(lambda self: self.streamer.GetFramesCaptured())
    frames_sent = property(lambda self: self.streamer.GetFramesSent())
    events_injected = property(lambda self: self.streamer.GetEventsInjected())
    control = property(lambda self: self.streamer.GetControlMode(),
                       doc="Who drives from the browsers: 'one' at a time or 'shared'.")
    driver = property(lambda self: self.streamer.GetDriverName(),
                      doc="The name of the browser viewer who drives now, else ''.")
    record_file = property(lambda self: self.streamer.GetRecordFile() or "",
                           doc="The file record() or record= asked for, else ''.")
    recording = property(lambda self: bool(self.streamer.IsRecording()),
                         doc="True while the server writes a recording (whoever started it).")
    recorded_seconds = property(lambda self: self.streamer.GetRecordedSeconds(),
                                doc="Video time of the current (or last) recording.")
    recorded_bytes = property(lambda self: self.streamer.GetRecordedBytes())
    publish_state = property(lambda self: self.streamer.GetPublishState(),
                             doc="'off', 'connecting', 'connected' or 'reconnecting'.")
    published_bytes = property(lambda self: self.streamer.GetPublishedBytes())
    media_message = property(lambda self: self.streamer.GetMediaMessage(),
                             doc="Why a recording stopped or publishing fails, else ''.")


def stream(view=None, port=None, bind=None, quality=None, view_only=False, max_clients=None,
           allowed_origins="", public_url="", control=None, record=None, publish=None):
    """Starts streaming `view` (default: the active render view) and returns the streamer.
    `port`, `bind`, `quality` and `max_clients` left at None keep vtkRenderStreamer's defaults
    (any free port, this machine only; see its getters). `public_url` is where people open it
    when that is not this machine (a TLS proxy's or a tunnel's address); `allowed_origins`
    lists other pages' origins that may connect. `control`: "one" (default: one browser viewer
    drives at a time, with hand-over) or "shared" (everyone at once). `record`: a file to
    record the stream to (MP4) from the first frame; `publish`: a media server to send it to
    (rtmp://, rtmps://, srt:// or rtsp://; default RENDERSTREAM_PUBLISH_URL, which keeps a
    stream key out of the script)."""
    return RenderStream(view, port=port, bind=bind, quality=quality, view_only=view_only,
                        max_clients=max_clients, allowed_origins=allowed_origins,
                        public_url=public_url, control=control, record=record,
                        publish=publish).start()
