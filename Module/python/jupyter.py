"""Show a live, interactive VTK render window in a Jupyter notebook cell.

    from renderstream.jupyter import show
    show(window)            # the cell's output is the live view; drag in it to turn the scene

Later cells that change the scene and call ``window.Render()`` show up in the view at once
(every render is captured as it ends). Browser input is applied from the kernel's own event
loop, on its main thread, between cells and while a cell awaits: a cell that runs for a long
time without awaiting holds that input (and only that) until it ends.

The view is an ``<iframe>`` of the streamer's URL (``http://127.0.0.1:PORT/#token=T``, or
``public_url`` followed by ``#token=T``). The page it frames only lets itself be framed by
origins it knows: the notebook's origin, taken from ``origin=``, else the
``RENDERSTREAM_NOTEBOOK_ORIGIN`` variable, else the Jupyter servers running on this machine.
"""
import asyncio
import atexit
import html
import importlib
import ipaddress
import os
import re
import socket
import warnings
from urllib.parse import urlsplit

from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
from vtkmodules.vtkRenderingUI import vtkGenericRenderWindowInteractor

from . import vtkRenderStreamer

__all__ = ["show", "stop", "stop_all", "notebook_origins", "View"]

_streams = {}        # render window -> its running _Stream
_interactors = {}    # render window -> the interactor show() gave it (windows hold no reference)


class _Stream:
    """One window's streamer, ticked every TickInterval ms from the kernel's event loop."""

    def __init__(self, window, port, bind, origins, public_url):
        self.window = window
        self.interactor = _interactor_of(window)
        self.loop = _event_loop()
        self.streamer = vtkRenderStreamer()
        self.streamer.SetRenderWindow(window)
        self.streamer.SetInteractor(self.interactor)
        self.streamer.SetUseEventLoop(False)  # our tick applies the input
        self.streamer.SetBindAddress(bind)
        self.streamer.SetAllowedOrigins(" ".join(origins))
        if public_url and "{port}" in public_url and not port:
            port = _free_port(bind)  # e.g. jupyter-server-proxy's .../proxy/{port}/
        self.streamer.SetPort(port)
        if public_url:
            self.streamer.SetPublicURL(public_url.format(port=port))
        self.log = _server_log_path()
        if not _start_logging_to(self.streamer, self.log):
            raise RuntimeError("renderstream: cannot stream: " + self.streamer.GetLastError())
        self._timers = {}
        self._observers = []
        if self.interactor is _interactors.get(window):  # ours: nobody else runs its timers
            self._run_timers_on_loop()
        self._tick_handle = self.loop.call_soon(self._tick)
        window.Render()  # captured: the first viewer sees the scene at once

    def _tick(self):
        """Applies pending browser input, then re-arms. (Not the interactor's ProcessEvents():
        VTK 9.2's X11 one blocks for up to a second when no timer of its own is due.)"""
        self._tick_handle = None
        try:
            self.streamer.Tick()
        finally:
            if self.streamer.IsStreaming():  # a dead server stops the ticks (Tick said why)
                self._tick_handle = self.loop.call_later(
                    self.streamer.GetTickInterval() / 1000, self._tick)

    def _run_timers_on_loop(self):
        """Gives our interactor working timers (a joystick style's, a host's) on the loop."""
        interactor, timers = self.interactor, self._timers

        def fire(timer):
            timers.pop(timer, None)
            interactor.SetTimerEventPlatformId(timer)
            interactor.TimerEvent()  # re-creates a repeating timer

        def create(caller, _event):
            timer = caller.GetTimerEventPlatformId()
            timers[timer] = self.loop.call_later(caller.GetTimerEventDuration() / 1000, fire, timer)

        def destroy(caller, _event):
            handle = timers.pop(caller.GetTimerEventPlatformId(), None)
            if handle:
                handle.cancel()

        self._observers = [interactor.AddObserver("CreateTimerEvent", create),
                           interactor.AddObserver("DestroyTimerEvent", destroy)]

    @property
    def streaming(self):
        return bool(self.streamer.IsStreaming())

    def stop(self):
        """Stops ticking and the server. Safe to call twice."""
        if self._tick_handle:
            self._tick_handle.cancel()
            self._tick_handle = None
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for tag in self._observers:
            self.interactor.RemoveObserver(tag)
        self._observers = []
        self.streamer.Stop()


_LOG_NAME = re.compile(r"renderstream-kernel-(\d+)\.log$")


def _server_log_path():
    """Where the server's messages go: ipykernel shows the kernel's stderr in the cell that
    runs, so the server's startup line and later refusals would land in random cells. The
    logs of kernels that died without cleaning up (SIGKILL, OOM) are removed here."""
    import tempfile
    directory = tempfile.gettempdir()
    for name in os.listdir(directory):
        match = _LOG_NAME.match(name)
        if match and int(match.group(1)) != os.getpid() and not _process_alive(int(match.group(1))):
            _remove(os.path.join(directory, name))
    return os.path.join(directory, "renderstream-kernel-%d.log" % os.getpid())


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's
    return True


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass  # gone already, or not ours


def _start_logging_to(streamer, path):
    """streamer.Start(), with the server it spawns writing to `path` instead of our stderr
    (a child inherits descriptor 2 as it is when spawned). Start() reports failures itself."""
    saved = os.dup(2)
    try:
        with open(path, "ab") as log:
            os.dup2(log.fileno(), 2)
            return streamer.Start()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class View:
    """A live view of a render window; Jupyter shows it as an iframe of the stream."""

    def __init__(self, stream, width, height):
        self._stream = stream
        self.width, self.height = int(width), int(height)

    window = property(lambda self: self._stream.window, doc="The streamed render window.")
    streamer = property(lambda self: self._stream.streamer, doc="Its vtkRenderStreamer.")
    url = property(lambda self: self._stream.streamer.GetURL(),
                   doc="The iframe's src: http://HOST:PORT/ (or the public URL), then #token=T.")
    streaming = property(lambda self: self._stream.streaming)
    log = property(lambda self: self._stream.log, doc="The server's log file (its messages).")

    def _repr_html_(self):
        if not self.streaming:
            error = self._stream.streamer.GetLastError() or "stopped"
            return f"<p>RenderStream: not streaming ({html.escape(error)})</p>"
        return (f'<iframe src="{html.escape(self.url)}" width="{self.width}" '
                f'height="{self.height}" style="border: 0" allow="fullscreen" '
                'referrerpolicy="no-referrer" title="RenderStream view"></iframe>')

    def __repr__(self):
        state = self.url if self.streaming else "stopped"
        return f"<renderstream.jupyter.View {self.width}x{self.height} {state}>"

    def stop(self):
        """Stops streaming the window (every view of it)."""
        stop(self._stream.window)

    close = stop


def show(window, width=640, height=480, *, origin=None, public_url=None, port=0,
         bind="127.0.0.1"):
    """Streams `window` (if it is not streaming yet) and returns a View for the cell's output.

    width, height: the iframe's size in CSS pixels; the window is sized to it first (the page
    then keeps it at the size it really shows). The other options apply when the window's
    streamer starts; ``stop(window)`` first to change them:
    origin: the notebook page's origin(s) that may frame the view, e.g. "http://127.0.0.1:8888"
    (default: notebook_origins()). public_url: where the browser reaches the stream when not at
    http://127.0.0.1:PORT/ (an SSH tunnel's other end, a reverse proxy, jupyter-server-proxy's
    "https://hub/user/me/proxy/{port}/"; {port} is the stream's port); default
    RENDERSTREAM_PUBLIC_URL. port: 0 picks a free one. bind: the address the server listens on.
    """
    stream = _streams.get(window)
    if stream is None or not stream.streaming:
        if stream is not None:
            stream.stop()
        if tuple(window.GetSize()) != (width, height):
            window.SetSize(width, height)
        origins = origin.split() if isinstance(origin, str) else list(origin or notebook_origins())
        if not origins:
            warnings.warn("renderstream: no notebook origin found, so the notebook may not be "
                          "allowed to frame the view; pass origin= or set "
                          "RENDERSTREAM_NOTEBOOK_ORIGIN")
        public_url = public_url or os.environ.get("RENDERSTREAM_PUBLIC_URL")
        stream = _streams[window] = _Stream(window, port, bind, origins, public_url)
    return View(stream, width, height)


def stop(window):
    """Stops streaming `window`: its server exits, and every view of it stops. The server log
    goes with the kernel's last stream."""
    stream = _streams.pop(window, None)
    if stream:
        stream.stop()
        if not _streams:
            _remove(stream.log)


def stop_all():
    """Stops every stream (also done at exit, so a kernel restart leaves no server behind)."""
    for window in list(_streams):
        stop(window)


atexit.register(stop_all)


def notebook_origins():
    """Origins of the notebook pages that may frame a view: RENDERSTREAM_NOTEBOOK_ORIGIN
    (several separated by spaces), else those of this user's running Jupyter servers, a
    loopback one under both http://127.0.0.1:P and http://localhost:P."""
    configured = os.environ.get("RENDERSTREAM_NOTEBOOK_ORIGIN", "").split()
    if configured:
        return configured
    origins = []
    for server in _running_servers():
        for found in _origins_of(server.get("url", "")):
            if found not in origins:
                origins.append(found)
    return origins


def _running_servers():
    """The running Jupyter servers' descriptions (jupyter_server: Lab, Notebook 7; notebook 6)."""
    for name in ("jupyter_server.serverapp", "notebook.notebookapp"):
        try:
            yield from importlib.import_module(name).list_running_servers()
        except (ImportError, OSError):
            pass


def _origins_of(url):
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return []
    port = f":{parts.port}" if parts.port else ""
    if _is_loopback(parts.hostname):
        return [f"{parts.scheme}://{host}{port}" for host in ("127.0.0.1", "localhost")]
    return [f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"]


def _is_loopback(host):
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return address.is_loopback or address.is_unspecified


def _interactor_of(window):
    """The window's interactor, initialized; if it has none, a trackball one of ours, whose
    timers (the Joystick style's) run on the kernel's loop. An interactor of your own gets the
    browser's input too, but its timers run only in its own event loop (Start())."""
    interactor = window.GetInteractor()
    if interactor is None:
        interactor = vtkGenericRenderWindowInteractor()
        interactor.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
        interactor.SetRenderWindow(window)
        _interactors[window] = interactor
    if not interactor.GetInitialized():
        interactor.Initialize()
    return interactor


def _event_loop():
    """The kernel's running asyncio loop (ipykernel 6 runs cells inside it)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        warnings.warn("renderstream: no running asyncio event loop (not in a Jupyter kernel?): "
                      "browser input is applied only while the loop runs")
        return asyncio.get_event_loop_policy().get_event_loop()


def _free_port(bind):
    with socket.socket(socket.AF_INET6 if ":" in bind else socket.AF_INET) as probe:
        probe.bind((bind, 0))
        return probe.getsockname()[1]
