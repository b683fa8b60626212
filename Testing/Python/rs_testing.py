"""Helpers shared by the ParaView tests: fetching and decoding frames, a WebSocket drag,
starting an example and waiting for its ready line. Runs inside pvpython."""

import json
import os
import re
import select
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

READY = re.compile(r"^RenderStream: serving (http://127\.0\.0\.1:(\d+)/#token=([0-9A-Za-z]+))$")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)
    print("ok: " + message, flush=True)


def run_main(main):
    """Runs main(); exits 0 on success, 1 with the reason on failure."""
    code = 0
    try:
        main()
    except Failure as error:
        print("FAILED: %s" % error, flush=True)
        code = 1
    except Exception:
        import traceback
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # pvpython: make sure the exit code reaches ctest


def require_display():
    if not os.environ.get("DISPLAY"):
        print("FAILED: no DISPLAY; run under xvfb-run -a (./run test does)", flush=True)
        os._exit(1)


def plugin_path():
    folder = os.environ.get("RENDERSTREAM_PLUGIN_DIR", "")
    path = os.path.join(folder, "RenderStreamPlugin.so")
    if not os.path.isfile(path):
        raise Failure("plugin not built: %s (set RENDERSTREAM_PLUGIN_DIR)" % path)
    return path


def split_url(url):
    parts = urllib.parse.urlsplit(url)
    token = urllib.parse.parse_qs(parts.fragment or parts.query)["token"][0]
    return parts.port, token


def fetch_snapshot(url, timeout=10.0, between=None):
    """GETs /snapshot.jpg until the server has a frame; `between` is called between tries."""
    port, token = split_url(url)
    address = "http://127.0.0.1:%d/snapshot.jpg?token=%s" % (port, token)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(address, timeout=5) as answer:
                body = answer.read()
                if answer.status == 200 and body[:2] == b"\xff\xd8":
                    return body
                last = "status %d" % answer.status
        except (urllib.error.URLError, OSError) as error:
            last = str(error)
        if between:
            between()
        time.sleep(0.1)
    raise Failure("no snapshot from %s within %.0f s (%s)" % (address, timeout, last))


def decode_jpeg(data):
    """Returns (width, height, list of (r, g, b)) of a JPEG, decoded by VTK."""
    from vtkmodules.vtkIOImage import vtkJPEGReader
    from vtkmodules.util.numpy_support import vtk_to_numpy
    reader = vtkJPEGReader()
    reader.SetMemoryBuffer(data)
    reader.SetMemoryBufferLength(len(data))
    reader.Update()
    image = reader.GetOutput()
    width, height, _ = image.GetDimensions()
    pixels = vtk_to_numpy(image.GetPointData().GetScalars())
    return width, height, pixels[:, :3].astype("int32")


def foreground_fraction(pixels):
    """Share of pixels that differ clearly from the most common (background) colour."""
    import numpy
    colours, counts = numpy.unique(pixels // 8, axis=0, return_counts=True)
    background = colours[counts.argmax()] * 8 + 4
    distance = numpy.abs(pixels - background).sum(axis=1)
    return float((distance > 60).mean())


def websocket_drag(url, steps=8, dx=0.3):
    """Opens /ws, checks the first message is a JPEG frame, and sends a left-button drag."""
    import websocket  # Debian python3-websocket
    port, token = split_url(url)
    ws = websocket.create_connection("ws://127.0.0.1:%d/ws?token=%s" % (port, token), timeout=10)
    try:
        def pointer(action, x, y):
            ws.send(json.dumps({"type": "pointer", "action": action, "x": x, "y": y, "button": 0,
                                "ctrl": False, "shift": False, "alt": False, "meta": False}))
        pointer("down", 0.5, 0.5)
        for i in range(1, steps + 1):
            pointer("move", 0.5 + dx * i / steps, 0.5 + 0.05 * i / steps)
        pointer("up", 0.5 + dx, 0.55)
        first = None
        deadline = time.monotonic() + 5
        while first is None and time.monotonic() < deadline:
            opcode, data = ws.recv_data()
            if opcode == websocket.ABNF.OPCODE_BINARY:
                first = data
        return first
    finally:
        time.sleep(0.2)  # let the server forward the events before the socket closes
        ws.close()


class Example(object):
    """An example process (in its own process group) whose ready line we wait for."""

    def __init__(self, command, env=None, timeout=40.0):
        self.command = command
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        stdin=subprocess.DEVNULL, env=env,
                                        start_new_session=True)
        self.url = None
        deadline = time.monotonic() + timeout
        lines = []
        while time.monotonic() < deadline and self.process.poll() is None:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if not ready:
                continue
            raw = self.process.stdout.readline()
            if not raw:  # end of output: the process is ending
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
                break
            line = raw.decode("utf-8", "replace").rstrip("\n")
            lines.append(line)
            match = READY.match(line)
            if match:
                self.url = match.group(1)
                break
        if not self.url:
            self.stop()
            raise Failure("no ready line from %s within %.0f s (exit code %s); stdout: %r; stderr: %s"
                          % (" ".join(command), timeout, self.process.returncode, lines,
                             self.stderr_summary()))
        print("ready: " + self.url, flush=True)

    def stderr_text(self):
        try:
            return self.process.stderr.read().decode("utf-8", "replace")
        except Exception:
            return ""

    def stderr_summary(self, limit=4000):
        """stderr without stack-trace address lines, shortened in the middle."""
        text = "\n".join(line for line in self.stderr_text().splitlines()
                         if not re.match(r"^\s*\d+\s+0x[0-9a-f]+ ", line))
        return text if len(text) <= limit else text[:limit // 2] + "\n[...]\n" + text[-limit // 2:]

    def stop(self):
        import signal
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()
        return self.process.returncode
