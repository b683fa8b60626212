"""TestStreamSpheres: Examples/Python/stream_spheres.py runs with the system python3 (ParaView's
vtkmodules + the `renderstream` package from PYTHONPATH) and serves a snapshot of its scene:
three spheres, red, green and yellow, left to right, on a blue background.

    TestStreamSpheres.py EXAMPLE PYTHONPATH      (needs $DISPLAY)
"""
import os
import signal
import sys

from example_process import ExampleProcess, log

BACKGROUND = (26, 51, 102)  # 0.1, 0.2, 0.4


def main(example, pythonpath):
    env = dict(os.environ, PYTHONPATH=pythonpath)
    app = ExampleProcess([sys.executable, example, "--offscreen", "--size", "320x240",
                          "--seconds", "60"], env=env)
    try:
        image = app.snapshot()
        width, height = image.width, image.height
        log(f"snapshot {width}x{height}")
        assert (width, height) == (320, 240), (width, height)

        covered = image.fraction_far_from(BACKGROUND, 60)
        log(f"{covered:.1%} of the pixels are not background")
        assert 0.10 < covered < 0.60, covered

        # The middle row crosses the three spheres' centres.
        left, middle, right = (image.pixel(int(width * f), height // 2) for f in (0.26, 0.5, 0.74))
        log(f"sphere centres: left {left}, middle {middle}, right {right}")
        assert left[0] > left[1] + 60 and left[0] > left[2] + 60, f"left sphere not red: {left}"
        assert middle[1] > middle[0] + 60 and middle[1] > middle[2] + 60, \
            f"middle sphere not green: {middle}"
        assert right[0] > right[2] + 60 and right[1] > right[2] + 60, \
            f"right sphere not yellow: {right}"

        app.stop(signal.SIGINT)  # the example ends cleanly on Ctrl-C
    finally:
        app.kill()
    log("PASS")


if __name__ == "__main__":
    main(*sys.argv[1:3])
