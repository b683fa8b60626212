"""The ParaView GUI loads the plugin from PV_PLUGIN_PATH, its "Render Stream" dock starts
streaming the active render view (RENDERSTREAM_AUTOSTART=1), the stream shows the data the
GUI shows, and a drag from a browser changes the picture. The dock has a "Publish to" row and
a "Record" button, which records the stream into GetRecordDirectory() ($HOME/Videos/
RenderStream). A screenshot of the whole GUI is saved as TestParaViewGui.png for a person to
look at."""

import glob
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rs_testing as t

t.require_display()

SETUP = """
from paraview.simple import *
# The first view (active when the dock auto-started) shows a sphere on ParaView's background.
first = GetActiveViewOrCreate('RenderView')
Show(Sphere(), first)
ResetCamera(first)
Render(first)
# A second view, split beside it, becomes active: the dock must follow it.
second = CreateView('RenderView')
AssignViewToLayout(view=second, layout=GetLayout(first), hint=0)
second.UseColorPaletteForBackground = 0
second.Background = [0.12, 0.12, 0.16]
contour = Contour(Input=Wavelet(), ContourBy=['POINTS', 'RTData'], Isosurfaces=[150.0])
height = Elevation(Input=contour, LowPoint=[0, 0, -10], HighPoint=[0, 0, 10])
display = Show(height, second)
ColorBy(display, ('POINTS', 'Elevation'))
SetActiveView(second)
ResetCamera(second)
Render(second)
ResetCamera(first)  # now that the split made it narrower
Render(first)
"""

# Played by ParaView's own test player (QtTesting) once the GUI is up: it finds the dock's
# widgets by their object names, checks the "Publish to" row and presses "Record". An object
# that is missing or a check that fails ends the playback with "Success =  false".
DOCK = "pqClientMainWindow/pqRenderStreamDockPanel/Body/"
DOCK_EVENTS = """<?xml version="1.0" ?>
<pqevents>
  <pqcheck object="{dock}PublishTo" property="placeholderText" arguments="no media server" />
  <pqcheck object="{dock}Record" property="text" arguments="Record" />
  <pqevent object="{dock}Record" command="set_boolean" arguments="true" />
  <pqcheck object="{dock}Record" property="text" arguments="Stop" />
</pqevents>
""".format(dock=DOCK)

SETTINGS = """[General]
GeneralSettings.ShowWelcomeDialog=0

[MainWindow]
Position=@Point(0 0)
Size=@Size(1600 960)
"""


def background(pixels):
    """The most common colour of an image."""
    import numpy
    colours, counts = numpy.unique(pixels // 8, axis=0, return_counts=True)
    return colours[counts.argmax()] * 8 + 4


def snapshot_of_second_view(url, timeout=20.0):
    """Waits until the stream shows the contour on the second view's dark background."""
    import numpy
    deadline = time.monotonic() + timeout
    share, colour = 0.0, None
    while time.monotonic() < deadline:
        jpeg = t.fetch_snapshot(url)
        width, height, pixels = t.decode_jpeg(jpeg)
        share = t.foreground_fraction(pixels)
        colour = background(pixels)
        if share > 0.03 and numpy.abs(colour - numpy.array([31, 31, 41])).max() < 16:
            return jpeg, pixels, share
        time.sleep(0.3)
    raise t.Failure("the stream never showed the second view's contour (%.1f%% foreground, "
                    "background %s)" % (100 * share, colour))


def main():
    paraview = os.environ.get("RENDERSTREAM_PARAVIEW", "paraview")
    work = tempfile.mkdtemp(prefix="renderstream-gui-")
    setup = os.path.join(work, "setup.py")
    with open(setup, "w") as f:
        f.write(SETUP)
    dock_events = os.path.join(work, "dock.xml")
    with open(dock_events, "w") as f:
        f.write(DOCK_EVENTS)
    # Fresh, throw-away ParaView settings: no welcome dialog, a window big enough to read.
    os.makedirs(os.path.join(work, "ParaView"))
    with open(os.path.join(work, "ParaView", "ParaView5.11.0.ini"), "w") as f:
        f.write(SETTINGS)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OMPI_", "PMIX_", "ORTE_", "OPAL_"))}
    env.update(PV_PLUGIN_PATH=os.environ["RENDERSTREAM_PLUGIN_DIR"],
               RENDERSTREAM_AUTOSTART="1",
               XDG_CONFIG_HOME=work,
               HOME=work)  # the dock records into $HOME/Videos/RenderStream
    gui = t.Example([paraview, "--script=" + setup, "--test-script=" + dock_events], env=env,
                    timeout=45)
    recordings = os.path.join(work, "Videos", "RenderStream", "paraview-*.mp4")
    try:
        t.check(True, "the Render Stream dock started streaming in the GUI")
        jpeg, pixels, share = snapshot_of_second_view(gui.url)
        t.check(True, "the dock followed the newly active view: the stream shows its contour "
                "(%.1f%% of pixels)" % (100 * share))

        # A browser-like viewer stays connected while the screenshot is taken, so the dock's
        # status line shows it (the status refreshes once a second).
        import websocket
        port, token = t.split_url(gui.url)
        viewer = websocket.create_connection(
            "ws://127.0.0.1:%d/ws?token=%s" % (port, token), timeout=10)
        try:
            time.sleep(2.5)
            screenshot = os.path.join(os.getcwd(), "TestParaViewGui.png")
            subprocess.run(["import", "-window", "root", screenshot], check=True, timeout=20)
            t.check(os.path.getsize(screenshot) > 10000, "GUI screenshot saved: " + screenshot)
        finally:
            viewer.close()

        frame = t.websocket_drag(gui.url)
        t.check(frame is not None and frame[:2] == b"\xff\xd8", "/ws sent a JPEG frame")
        import numpy
        deadline = time.monotonic() + 15
        changed = 0.0
        while time.monotonic() < deadline:
            _, _, after = t.decode_jpeg(t.fetch_snapshot(gui.url))
            if after.shape == pixels.shape:
                changed = float((numpy.abs(after - pixels).sum(axis=1) > 60).mean())
                if changed > 0.02:
                    break
            time.sleep(0.3)
        t.check(changed > 0.02, "the browser's drag changed the view (%.1f%% of pixels)"
                % (100 * changed))

        # The dock's settings persist in ParaView's settings file (pqSettings).
        ini = os.path.join(work, "ParaView", "ParaView5.11.0.ini")
        deadline = time.monotonic() + 10
        text = ""
        while time.monotonic() < deadline and "MaxFps=" not in text:
            with open(ini) as f:
                text = f.read()
            time.sleep(0.2)
        t.check("[RenderStream]" in text and "MaxFps=30" in text and "Quality=80" in text,
                "the dock's settings are saved in ParaView's settings file")

        # The Record button, pressed by the test player, records into the record directory.
        deadline = time.monotonic() + 10
        files = []
        while time.monotonic() < deadline and not any(os.path.getsize(f) > 0 for f in files):
            files = glob.glob(recordings)
            time.sleep(0.2)
        t.check(any(os.path.getsize(f) > 0 for f in files),
                "the dock's Record button records: %s" % files)
    finally:
        gui.stop()
    stderr = gui.stderr_text()
    t.check('"dock.xml" is finished. Success =  true' in stderr,
            "the dock has its Publish to row and Record button (ParaView's test player found "
            "and pressed them)")
    t.check("renderstream-server: recording to " + os.path.dirname(recordings) in stderr,
            "the server said where it records")


t.run_main(main)
