#!/usr/bin/env python3
"""Streams three VTK spheres to your browser with RenderStream, from plain Python.

    PYTHONPATH=<build or prefix>/lib/python3.11/site-packages \\
        python3 stream_spheres.py [--port N] [--bind ADDR] [--record FILE] [--publish URL]
                                  [--size WxH] [--offscreen] [--seconds S]

Prints "RenderStream: serving http://127.0.0.1:PORT/#token=TOKEN" when ready; open that URL.
Needs an X display; without one run it under `xvfb-run -a`.
"""
import argparse
import signal
import sys
import time

from vtkmodules.vtkFiltersSources import vtkSphereSource
from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkPolyDataMapper,
    vtkRenderWindow,
    vtkRenderWindowInteractor,
    vtkRenderer,
)
import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (the OpenGL render window)

try:
    from renderstream import vtkRenderStreamer
except ImportError as error:
    sys.exit(f"stream_spheres.py: cannot import renderstream ({error}); set PYTHONPATH to "
             "<build or install prefix>/lib/python3.11/site-packages")


def parse_arguments():
    def size(text):
        width, _, height = text.partition("x")
        if not (width.isdigit() and height.isdigit()) or int(width) < 16 or int(height) < 16:
            raise argparse.ArgumentTypeError("expected WxH, e.g. 800x600")
        return int(width), int(height)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Needs an X display; without one run it under "
                                            "`xvfb-run -a`.")
    defaults = vtkRenderStreamer()  # a fresh streamer's getters give the defaults
    parser.add_argument("--port", type=int, default=defaults.GetPort(),
                        help="TCP port, 0 = any free port (default)")
    parser.add_argument("--bind", default=defaults.GetBindAddress(),
                        help=f"address to listen on (default {defaults.GetBindAddress()})")
    parser.add_argument("--record", metavar="FILE",
                        help="record the stream to FILE (MP4; an existing file is kept: FILE-2.mp4, ...)")
    parser.add_argument("--publish", metavar="URL",
                        help="publish the stream to a media server: rtmp://, rtmps://, srt:// or "
                             "rtsp:// (or RENDERSTREAM_PUBLISH_URL, which keeps a stream key out of ps)")
    parser.add_argument("--size", type=size, default=(800, 600), help="window size WxH (default 800x600)")
    parser.add_argument("--offscreen", action="store_true", help="render without showing a window")
    parser.add_argument("--seconds", type=float, default=0,
                        help="exit after S seconds (0 = run until Ctrl-C)")
    options = parser.parse_args()
    if not 0 <= options.port <= 65535 or options.seconds < 0:
        parser.error("--port must be 0..65535 and --seconds >= 0")
    return options


def main():
    options = parse_arguments()

    renderer = vtkRenderer()
    renderer.SetBackground(0.1, 0.2, 0.4)
    for center, color in (((-1.2, 0, 0), (0.9, 0.3, 0.2)),
                          ((0, 0, 0), (0.3, 0.8, 0.3)),
                          ((1.2, 0, 0), (0.9, 0.8, 0.2))):
        sphere = vtkSphereSource()
        sphere.SetCenter(center)
        sphere.SetRadius(0.5)
        sphere.SetThetaResolution(48)
        sphere.SetPhiResolution(32)
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(sphere.GetOutputPort())
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.GetProperty().SetColor(color)
        renderer.AddActor(actor)

    window = vtkRenderWindow()
    window.SetSize(options.size)
    window.SetWindowName("stream_spheres")
    window.AddRenderer(renderer)
    window.SetOffScreenRendering(options.offscreen)
    interactor = vtkRenderWindowInteractor()
    interactor.SetRenderWindow(window)
    interactor.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
    interactor.Initialize()
    renderer.ResetCamera()
    window.Render()

    streamer = vtkRenderStreamer()
    streamer.SetRenderWindow(window)
    streamer.SetPort(options.port)
    streamer.SetBindAddress(options.bind)
    if options.record:
        streamer.SetRecordFile(options.record)
    if options.publish:
        streamer.SetPublishURL(options.publish)
    if not streamer.Start():
        sys.exit(f"stream_spheres.py: {streamer.GetLastError()}")
    print(f"RenderStream: serving {streamer.GetURL()}", flush=True)

    # End the event loop after --seconds, or on SIGINT/SIGTERM (checked on a timer: Python runs
    # signal handlers only between its own statements).
    stop = {"requested": False}
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.update(requested=True))
    deadline = time.monotonic() + options.seconds if options.seconds > 0 else None

    def check(caller, _event):
        if stop["requested"] or (deadline is not None and time.monotonic() >= deadline):
            caller.TerminateApp()

    interactor.AddObserver("TimerEvent", check)
    interactor.CreateRepeatingTimer(50)
    interactor.Start()
    streamer.Stop()


if __name__ == "__main__":
    main()
