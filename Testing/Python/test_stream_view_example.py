"""`pvpython Examples/ParaView/stream_view.py`: the example serves its contour, the contour
animates (successive snapshots differ), and it ends cleanly on SIGTERM."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rs_testing as t

t.require_display()


def main():
    source = os.environ["RENDERSTREAM_SOURCE_DIR"]
    env = dict(os.environ, PV_PLUGIN_PATH=os.environ["RENDERSTREAM_PLUGIN_DIR"])
    command = [os.environ["RENDERSTREAM_PVPYTHON"], os.path.join(source, "Examples", "ParaView", "stream_view.py"),
               "--size", "320x240", "--seconds", "40"]
    example = t.Example(command, env=env, timeout=45)
    try:
        first = t.fetch_snapshot(example.url)
        width, height, pixels = t.decode_jpeg(first)
        t.check((width, height) == (320, 240), "snapshot is 320x240 (got %dx%d)" % (width, height))
        shown = t.foreground_fraction(pixels)
        t.check(shown > 0.02, "the contour is in the picture: %.1f%% of pixels" % (100 * shown))
        time.sleep(1.0)  # the isosurface breathes with a period of about 8 s
        _, _, later = t.decode_jpeg(t.fetch_snapshot(example.url))
        changed = float((abs(later - pixels).sum(axis=1) > 30).mean())
        t.check(changed > 0.005, "the contour animates: %.1f%% of pixels changed in 1 s" % (100 * changed))
    finally:
        code = example.stop()
    t.check(code == 0, "the example ended cleanly on SIGTERM (exit code %s)" % code)


t.run_main(main)
