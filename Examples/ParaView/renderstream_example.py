"""Shared by the ParaView example scripts: the examples' shared command line (README "Examples"),
finding and loading the RenderStreamPlugin, and the ready line."""

import argparse
import os
import signal
import time
import sys

PLUGIN_FILE = "RenderStreamPlugin.so"


def parse_args(description, argv=None):
    parser = argparse.ArgumentParser(
        description=description,
        epilog="Needs an X display (ParaView's Debian build has no EGL/OSMesa); "
               "without one run it under `xvfb-run -a`.")
    parser.add_argument("--port", type=int, default=0, help="TCP port, 0 = any free port (default)")
    # No default: the streamer keeps its own (the plugin, which knows it, is not loaded yet).
    parser.add_argument("--bind", help="address to listen on (default: this machine only)")
    parser.add_argument("--record", metavar="FILE",
                        help="record the stream to FILE (MP4; an existing file is kept: FILE-2.mp4, ...)")
    parser.add_argument("--publish", metavar="URL",
                        help="publish the stream to a media server: rtmp://, rtmps://, srt:// or "
                             "rtsp:// (or RENDERSTREAM_PUBLISH_URL, which keeps a stream key out of ps)")
    parser.add_argument("--size", default="800x600", help="view size WxH (default 800x600)")
    parser.add_argument("--offscreen", action="store_true", help="render without showing a window")
    parser.add_argument("--seconds", type=float, default=0,
                        help="exit after S seconds (0 = run until Ctrl-C)")
    args = parser.parse_args(argv)
    try:
        args.width, args.height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error("--size must look like 800x600")
    if args.width < 16 or args.height < 16 or args.seconds < 0 or not 0 <= args.port <= 65535:
        parser.error("invalid --size, --seconds or --port")
    if not os.environ.get("DISPLAY"):
        sys.stderr.write("%s: no X display: ParaView here needs one; run it under `xvfb-run -a`.\n"
                         % os.path.basename(sys.argv[0]))
        sys.exit(2)
    return args


def find_plugin():
    """The plugin library: first in PV_PLUGIN_PATH (ParaView's standard variable), else in
    the build tree (RENDERSTREAM_BUILD_DIR, else ../../build next to these scripts)."""
    candidates = []
    for folder in filter(None, os.environ.get("PV_PLUGIN_PATH", "").split(os.pathsep)):
        candidates += [os.path.join(folder, PLUGIN_FILE),
                       os.path.join(folder, "RenderStreamPlugin", PLUGIN_FILE)]
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.environ.get("RENDERSTREAM_BUILD_DIR") or os.path.join(here, "..", "..", "build")
    candidates.append(os.path.join(build, "lib", "paraview-plugins", "RenderStreamPlugin", PLUGIN_FILE))
    for path in candidates:
        if os.path.isfile(path):
            return os.path.abspath(path)
    raise SystemExit("RenderStreamPlugin not found; looked at:\n  " + "\n  ".join(candidates) +
                     "\nSet PV_PLUGIN_PATH to the folder holding %s." % PLUGIN_FILE)


def load_plugin(namespace):
    """Loads the plugin on this process (unless ParaView already auto-loaded it) and returns
    the renderstream_paraview helper module."""
    from paraview.modules.vtkRemotingCore import vtkPVPluginTracker
    from paraview.simple import LoadPlugin
    tracker = vtkPVPluginTracker.GetInstance()
    loaded = any(tracker.GetPluginName(i) == "RenderStreamPlugin" and tracker.GetPluginLoaded(i)
                 for i in range(tracker.GetNumberOfPlugins()))
    if not loaded:
        LoadPlugin(find_plugin(), remote=False, ns=namespace)
    import renderstream_paraview
    return renderstream_paraview


def new_view(args, background):
    """The active render view at --size, without orientation axes, on a plain background."""
    from paraview.simple import GetActiveViewOrCreate
    view = GetActiveViewOrCreate("RenderView")
    view.ViewSize = [args.width, args.height]
    view.OrientationAxesVisibility = 0
    view.UseColorPaletteForBackground = 0
    view.Background = background
    return view


def start_stream(renderstream, view, args):
    """Streams `view` on --port/--bind (recording to --record, publishing to --publish) and
    prints the ready line; returns the stream."""
    stream = renderstream.stream(view, port=args.port, bind=args.bind, record=args.record,
                                 publish=args.publish)
    sys.stdout.write("RenderStream: serving %s\n" % stream.url)
    sys.stdout.flush()
    return stream


class StopFlag(object):
    """Becomes true on SIGINT/SIGTERM."""

    def __init__(self):
        self.stop = False
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handler)

    def _handler(self, signum, frame):
        self.stop = True


def animate(view, stream, args, update, fps):
    """Calls update(seconds since start), renders and ticks the stream at `fps` until
    --seconds have passed or SIGINT/SIGTERM arrives, then stops the stream."""
    from paraview.simple import Render
    flag = StopFlag()
    start = time.monotonic()
    period = 1.0 / fps
    try:
        while not flag.stop and (args.seconds == 0 or time.monotonic() - start < args.seconds):
            t0 = time.monotonic()
            update(t0 - start)
            Render(view)  # under pvbatch: collective, every rank renders, IceT composites
            stream.tick()
            time.sleep(max(0.0, period - (time.monotonic() - t0)))
    finally:
        stream.close()
