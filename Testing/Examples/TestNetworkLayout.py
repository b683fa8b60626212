"""TestNetworkLayout: the NetworkLayout example animates while it streams, and a connected
browser does not slow its render loop down much.

 1. render rate with nobody connected (the example reports "NetworkLayout: F frames/s" on
    stderr every 2 s), before and after 2.;
 2. render rate while a client reads /stream.mjpeg; the ratio is logged, and only a collapse
    (below 0.3) fails: this machine's two cores are shared by the renderer, the layout thread,
    the encoder and the client;
 3. successive snapshots differ (the layout moves), three times in a row;
 4. SIGTERM ends it cleanly.

    TestNetworkLayout.py EXECUTABLE      (needs $DISPLAY)
"""
import re
import signal
import sys
import threading
import time
import urllib.request

from example_process import ExampleProcess, log

REPORT = re.compile(r"NetworkLayout: ([0-9.]+) frames/s")


def render_rates(app, after, count, timeout=20.0):
    """The first `count` frame-rate reports printed after monotonic time `after`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rates = [float(m.group(1)) for t, line in list(app.stderr_lines) if t > after
                 for m in [REPORT.search(line)] if m]
        if len(rates) >= count:
            return rates[:count]
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} rate reports in {timeout} s:\n{app.stderr_text()}")


class MjpegClient(threading.Thread):
    """Reads /stream.mjpeg until stopped and counts the JPEG parts received."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url, self.parts, self.stopping = url, 0, False

    def run(self):
        with urllib.request.urlopen(self.url, timeout=10) as stream:
            assert stream.headers["Content-Type"].startswith("multipart/x-mixed-replace")
            tail = b""
            while not self.stopping:
                chunk = stream.read1(65536)
                if not chunk:
                    break
                data = tail + chunk
                self.parts += data.count(b"Content-Type: image/jpeg")
                tail = data[-32:]  # a header split across reads is counted once
                self.parts -= tail.count(b"Content-Type: image/jpeg")


def main(executable):
    app = ExampleProcess([executable, "--offscreen", "--size", "640x480", "--nodes", "2000",
                          "--seconds", "80"])
    try:
        # Alone, connected, alone again (so a change in the machine's load shows up on both
        # sides of the comparison); the first report of each phase overlaps the change: skipped.
        alone = render_rates(app, time.monotonic(), 3)[1:]
        log(f"render rate alone: {alone} frames/s (640x480, 2000 nodes)")

        client = MjpegClient(app.endpoint("stream.mjpeg"))
        client.start()
        started = time.monotonic()
        connected = render_rates(app, started, 3)[1:]
        client.stopping = True
        seconds = time.monotonic() - started
        log(f"render rate with an MJPEG client: {connected} frames/s; "
            f"client received {client.parts / seconds:.1f} frames/s")

        alone += render_rates(app, time.monotonic(), 3)[1:]
        log(f"render rate alone again: {alone[2:]} frames/s")
        rate_alone = sum(alone) / len(alone)
        rate_connected = sum(connected) / len(connected)
        ratio = rate_connected / rate_alone if rate_alone else 0.0
        log(f"RATIO render rate connected/alone = {rate_connected:.1f}/{rate_alone:.1f} = {ratio:.2f}")
        assert client.parts > 0, "the MJPEG client received no frame"
        assert ratio > 0.3, f"the render loop collapsed with a client connected ({ratio:.2f})"

        # Each new snapshot must differ from the one before; a loaded machine may render only
        # about one frame a second, so poll rather than expect a change after a fixed delay.
        previous = app.snapshot()
        for i in range(3):
            deadline = time.monotonic() + 10
            while True:
                time.sleep(0.3)
                current = app.snapshot()
                changed = current.fraction_changed(previous, 30)
                if changed > 0.005 or time.monotonic() > deadline:
                    break
            log(f"snapshot {i + 1}: {changed:.2%} of the pixels changed")
            assert changed > 0.005, "no change in 10 s of snapshots: the layout is not moving"
            previous = current

        app.stop(signal.SIGTERM)
    finally:
        app.kill()
    log("PASS")


if __name__ == "__main__":
    main(sys.argv[1])
