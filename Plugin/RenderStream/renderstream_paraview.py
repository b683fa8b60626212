"""Stream a ParaView render view to web browsers from pvpython or pvbatch.

Load the plugin first, then::

    from paraview.simple import *
    LoadPlugin("/path/to/RenderStreamPlugin.so", remote=False, ns=globals())
    from renderstream_paraview import stream

    s = stream(GetActiveView(), port=0)   # starts the web server
    print(s.url)                          # http://127.0.0.1:PORT/?token=TOKEN
    while running:
        ...                               # change the pipeline, the camera, ...
        Render()
        s.tick()                          # capture the new image, apply browser input
    s.stop()

`tick()` captures the view's window when it rendered since the last tick and applies pending
browser input (mouse, wheel, keys) to the view's interactor, so browsers steer the camera.
Under ``mpiexec ... pvbatch`` the script runs on rank 0 only, which holds the composited
image: stream from there as above.

The helper drives the plugin's vtkRenderStreamer through a small C interface of the plugin
library (ParaView 5.11 does not Python-wrap plugin modules).
"""

import ctypes
import os

__all__ = ["stream", "RenderStream", "plugin_library"]

_PLUGIN_NAME = "RenderStreamPlugin"
_lib = None


def plugin_library():
    """Path of the loaded RenderStreamPlugin library (RENDERSTREAM_PLUGIN overrides it)."""
    path = os.environ.get("RENDERSTREAM_PLUGIN")
    if path:
        return path
    from paraview.modules.vtkRemotingCore import vtkPVPluginTracker
    tracker = vtkPVPluginTracker.GetInstance()
    for i in range(tracker.GetNumberOfPlugins()):
        if tracker.GetPluginName(i) == _PLUGIN_NAME and tracker.GetPluginLoaded(i):
            return tracker.GetPluginFileName(i)
    raise RuntimeError(
        "renderstream_paraview: the RenderStreamPlugin is not loaded; call "
        "LoadPlugin('<path>/RenderStreamPlugin.so', remote=False, ns=globals()) first")


def _library():
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(plugin_library())
    vp, cp, i, ull = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_ulonglong
    signatures = {
        "renderstream_abi_version": (i, []),
        "renderstream_new": (vp, []),
        "renderstream_delete": (None, [vp]),
        "renderstream_set_window": (i, [vp, vp, vp]),
        "renderstream_configure": (None, [vp, i, cp, i, i, i]),
        "renderstream_start": (i, [vp]),
        "renderstream_stop": (None, [vp]),
        "renderstream_tick": (None, [vp]),
        "renderstream_is_streaming": (i, [vp]),
        "renderstream_url": (cp, [vp]),
        "renderstream_view_only_url": (cp, [vp]),
        "renderstream_last_error": (cp, [vp]),
        "renderstream_viewer_count": (i, [vp]),
        "renderstream_frames_captured": (ull, [vp]),
        "renderstream_frames_sent": (ull, [vp]),
        "renderstream_events_injected": (ull, [vp]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    if lib.renderstream_abi_version() != 1:
        raise RuntimeError("renderstream_paraview: plugin library of another version")
    _lib = lib
    return lib


def _address(vtk_object):
    """The C++ address of a VTK Python object ('_00005581c4a3f0e0_p_vtkX...')."""
    if vtk_object is None:
        return None
    return int(vtk_object.__this__[1:].split("_", 1)[0], 16)


class RenderStream(object):
    """One streamer attached to one render view. Use stream() to make one."""

    def __init__(self, view=None, port=0, bind="127.0.0.1", quality=80, view_only=False,
                 max_clients=32):
        if view is None:
            from paraview.simple import GetActiveViewOrCreate
            view = GetActiveViewOrCreate("RenderView")
        self._lib = _library()
        self._handle = None
        # Keep the VTK objects alive as long as the streamer points at them.
        self.view = view
        self._window = view.GetRenderWindow()
        self._interactor = view.GetInteractor() if hasattr(view, "GetInteractor") else None
        if self._window is None:
            raise RuntimeError("renderstream_paraview: the view has no render window")
        self._handle = self._lib.renderstream_new()
        if not self._lib.renderstream_set_window(
                self._handle, _address(self._window), _address(self._interactor)):
            raise RuntimeError("renderstream_paraview: not a render window: %r" % self._window)
        self._lib.renderstream_configure(self._handle, int(port), bind.encode(), int(quality),
                                         1 if view_only else 0, int(max_clients))

    def start(self):
        """Spawns the web server; raises RuntimeError saying why if it cannot."""
        if not self._lib.renderstream_start(self._handle):
            raise RuntimeError("renderstream_paraview: could not start streaming: " + self.error)
        return self

    def tick(self):
        """Captures the view if it rendered since the last tick; applies browser input."""
        if self._handle:
            self._lib.renderstream_tick(self._handle)

    def stop(self):
        """Stops the server. Safe to call twice."""
        if self._handle:
            self._lib.renderstream_stop(self._handle)

    def close(self):
        """Stops and releases the streamer."""
        if self._handle:
            self._lib.renderstream_delete(self._handle)
            self._handle = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _text(self, function):
        return function(self._handle).decode("utf-8", "replace") if self._handle else ""

    @property
    def url(self):
        """http://HOST:PORT/?token=TOKEN while streaming, else ''."""
        return self._text(self._lib.renderstream_url)

    @property
    def view_only_url(self):
        """The watch-only link, else ''."""
        return self._text(self._lib.renderstream_view_only_url)

    @property
    def error(self):
        """The last error message ('' after a successful start)."""
        return self._text(self._lib.renderstream_last_error)

    @property
    def streaming(self):
        return bool(self._handle and self._lib.renderstream_is_streaming(self._handle))

    @property
    def viewers(self):
        return self._lib.renderstream_viewer_count(self._handle) if self._handle else 0

    @property
    def frames_captured(self):
        return self._lib.renderstream_frames_captured(self._handle) if self._handle else 0

    @property
    def frames_sent(self):
        return self._lib.renderstream_frames_sent(self._handle) if self._handle else 0

    @property
    def events_injected(self):
        return self._lib.renderstream_events_injected(self._handle) if self._handle else 0


def stream(view=None, port=0, bind="127.0.0.1", quality=80, view_only=False, max_clients=32):
    """Starts streaming `view` (default: the active render view) and returns the streamer."""
    return RenderStream(view, port=port, bind=bind, quality=quality, view_only=view_only,
                        max_clients=max_clients).start()
