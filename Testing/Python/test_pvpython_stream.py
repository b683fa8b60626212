"""pvpython loads the plugin, streams a view through renderstream_paraview, serves a snapshot
that shows the data, and a drag sent over /ws rotates the view's camera."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rs_testing as t

t.require_display()


def main():
    from paraview.simple import (Contour, GetActiveViewOrCreate, LoadPlugin, Render,
                                 ResetCamera, Show, Wavelet)
    LoadPlugin(t.plugin_path(), remote=False, ns=globals())
    import renderstream_paraview
    t.check(True, "plugin loaded, renderstream_paraview imported")

    contour = Contour(Input=Wavelet(), ContourBy=["POINTS", "RTData"], Isosurfaces=[150.0])
    view = GetActiveViewOrCreate("RenderView")
    view.ViewSize = [320, 240]
    view.OrientationAxesVisibility = 0
    Show(contour, view)
    ResetCamera(view)
    Render(view)

    stream = renderstream_paraview.stream(view, port=0)
    t.check(stream.control == "one", "one driver at a time by default (%r)" % stream.control)
    t.check(stream.streaming and stream.url.startswith("http://127.0.0.1:"),
            "streaming at %s" % stream.url)
    try:
        stream.tick()
        t.check(stream.frames_captured >= 1, "tick captured the rendered view")
        jpeg = t.fetch_snapshot(stream.url, between=stream.tick)
        width, height, pixels = t.decode_jpeg(jpeg)
        t.check((width, height) == (320, 240), "snapshot is 320x240 (got %dx%d)" % (width, height))
        share = t.foreground_fraction(pixels)
        t.check(0.03 < share < 0.9, "snapshot shows the contour (%.1f%% of pixels)" % (100 * share))

        before = view.GetActiveCamera().GetPosition()
        frame = t.websocket_drag(stream.url)
        t.check(frame is not None and frame[:2] == b"\xff\xd8", "/ws sent a JPEG frame")
        deadline = time.monotonic() + 10
        after = before
        while time.monotonic() < deadline:
            stream.tick()  # injects the browser's events into the view's interactor
            after = view.GetActiveCamera().GetPosition()
            if max(abs(a - b) for a, b in zip(after, before)) > 1e-3:
                break
            time.sleep(0.05)
        t.check(stream.events_injected >= 3, "events injected: %d" % stream.events_injected)
        t.check(max(abs(a - b) for a, b in zip(after, before)) > 1e-3,
                "the drag rotated the camera: %s -> %s" % (before, after))

        # A second streamer on the same port fails with a message, not a crash.
        port = t.split_url(stream.url)[0]
        try:
            renderstream_paraview.stream(view, port=port)
            t.check(False, "a busy port is refused")
        except RuntimeError as error:
            t.check("could not start" in str(error), "a busy port is refused: %s" % error)
    finally:
        stream.close()
    t.check(not stream.streaming, "stopped")

    # Behind a proxy: the shared link is the public URL's, with the token in the fragment.
    # (And everyone's input at once: control="shared".)
    with renderstream_paraview.stream(view, public_url="https://viz.example.org/pv", control="shared") as shared:
        t.check(shared.control == "shared" and shared.driver == "", "control %r, driver %r" % (shared.control, shared.driver))
        t.check(shared.url.startswith("https://viz.example.org/pv/#token="), "public link %s" % shared.url)
        t.check(shared.local_url.startswith("http://127.0.0.1:"), "local link %s" % shared.local_url)
        t.check(t.fetch_snapshot(shared.local_url, between=shared.tick)[:2] == b"\xff\xd8",
                "served on this machine")


t.run_main(main)
