"""pvpython loads the plugin, streams a view through renderstream_paraview, serves a snapshot
that shows the data, and a drag sent over /ws rotates the view's camera. stream(record=,
publish=) records to the file and publishes, with the stream key in no process's command line."""

import os
import shutil
import sys
import tempfile
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

    check_record_and_publish(renderstream_paraview, view)


def command_lines_holding(secret):
    """The pids whose command line holds `secret`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if secret.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass  # gone meanwhile
    return found


def check_record_and_publish(renderstream_paraview, view):
    """stream(record=, publish=) reach the server: it records into the file and tries the media
    server (nobody listens on port 9 here), and the stream key is in no command line."""
    from paraview.simple import Render
    folder = tempfile.mkdtemp(prefix="renderstream-pvpython-")
    path = os.path.join(folder, "view.mp4")
    key = "KEY-" + os.path.basename(folder)
    try:
        with renderstream_paraview.stream(view, record=path, publish="rtmp://127.0.0.1:9/live/" + key) as media:
            t.check(media.record_file == path, "record= is the streamer's RecordFile (%r)" % media.record_file)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not (media.recording and media.publish_state == "reconnecting"):
                view.GetActiveCamera().Azimuth(5)  # new frames for the recording
                Render(view)
                media.tick()
                time.sleep(0.1)
            t.check(media.recording, "stream(record=) records: %.1f s, %d bytes so far (%r)"
                    % (media.recorded_seconds, media.recorded_bytes, media.media_message))
            t.check(media.publish_state == "reconnecting" and "Connection refused" in media.media_message,
                    "stream(publish=) tries the media server: %s, %r" % (media.publish_state, media.media_message))
            t.check(command_lines_holding(key) == [], "the stream key is in no process's command line")
            media.record(None)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and media.recording:
                time.sleep(0.1)
            t.check(not media.recording and media.record_file == "", "record(None) stops the recording")
        t.check(os.path.getsize(path) > 0, "the recording is in %s (%d bytes)" % (path, os.path.getsize(path)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


t.run_main(main)
