"""RenderStream: stream a live, interactive VTK render window to web browsers.

    from renderstream import vtkRenderStreamer
    streamer = vtkRenderStreamer()
    streamer.SetRenderWindow(render_window)
    if streamer.Start():
        print(streamer.GetURL())
"""
# The wrapped classes derive from VTK's; load VTK's Python modules they depend on first.
from vtkmodules import vtkCommonCore as _vtkCommonCore  # noqa: F401
from vtkmodules import vtkRenderingCore as _vtkRenderingCore  # noqa: F401

from .RenderStream import *  # noqa: F401,F403
