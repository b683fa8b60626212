"""Runs a RenderStream example as a user would and talks to the server it spawns.

Shared by the example tests: start the process, wait for its ready line, fetch and decode
/snapshot.jpg, stop it by signal and check it exits cleanly without leaving shared memory.
"""
import os
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

from vtkmodules.vtkIOImage import vtkJPEGReader

READY_PREFIX = "RenderStream: serving "


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class ExampleProcess:
    def __init__(self, argv, env=None, ready_timeout=30.0):
        self.argv = argv
        self.stderr_lines = []  # (monotonic time, line)
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=env)
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.url = self._wait_ready(ready_timeout)
        log(f"ready: {self.url}")

    def _read_stderr(self):
        for line in self.process.stderr:
            self.stderr_lines.append((time.monotonic(), line.rstrip("\n")))

    def _wait_ready(self, timeout):
        result = {}

        def read_first_line():
            result["line"] = self.process.stdout.readline()

        reader = threading.Thread(target=read_first_line, daemon=True)
        reader.start()
        reader.join(timeout)
        line = result.get("line", "")
        if not line.startswith(READY_PREFIX):
            self.kill()
            raise AssertionError(f"no ready line within {timeout} s from {self.argv[0]} "
                                 f"(got {line!r}); stderr:\n{self.stderr_text()}")
        return line[len(READY_PREFIX):].strip()

    def stderr_text(self):
        return "\n".join(line for _, line in self.stderr_lines)

    def endpoint(self, path):
        """http://HOST:PORT/<path>?token=T from the ready line's http://HOST:PORT/#token=T."""
        base, _, token = self.url.partition("/#")
        return f"{base}/{path}?{token}"

    def snapshot(self):
        """GET /snapshot.jpg: asserts 200 image/jpeg, returns it decoded as an Image."""
        with urllib.request.urlopen(self.endpoint("snapshot.jpg"), timeout=10) as answer:
            status, content_type, data = answer.status, answer.headers["Content-Type"], answer.read()
        assert status == 200 and content_type == "image/jpeg", (status, content_type)
        return decode_jpeg(data)

    def stop(self, signum=signal.SIGTERM, timeout=15.0):
        """Sends `signum` and checks that the example ends cleanly: exit status 0 and nothing
        left in /dev/shm."""
        self.process.send_signal(signum)
        status = self.process.wait(timeout)
        log(f"exit status after {signal.Signals(signum).name}: {status}")
        assert status == 0, f"exit status {status}; stderr:\n{self.stderr_text()}"
        leftovers = [n for n in os.listdir("/dev/shm")
                     if n.startswith(f"renderstream-{self.process.pid}-")]
        assert not leftovers, f"shared memory left behind: {leftovers}"

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Image:
    """An RGB image decoded by VTK (rows bottom-up). Plain Python: no numpy needed."""

    def __init__(self, width, height, rgb):
        self.width, self.height, self.rgb = width, height, rgb  # rgb: bytes, 3 per pixel

    def pixel(self, x, y):
        i = 3 * (y * self.width + x)
        return tuple(self.rgb[i:i + 3])

    def fraction_far_from(self, color, threshold):
        """Fraction of the pixels whose summed |channel - color| exceeds threshold."""
        r0, g0, b0 = color
        rgb = self.rgb
        far = sum(1 for i in range(0, len(rgb), 3)
                  if abs(rgb[i] - r0) + abs(rgb[i + 1] - g0) + abs(rgb[i + 2] - b0) > threshold)
        return far / (self.width * self.height)

    def fraction_changed(self, other, threshold):
        """Fraction of the pixels whose summed |channel difference| with other exceeds threshold."""
        assert (self.width, self.height) == (other.width, other.height)
        a, b = self.rgb, other.rgb
        changed = sum(1 for i in range(0, len(a), 3)
                      if abs(a[i] - b[i]) + abs(a[i + 1] - b[i + 1]) + abs(a[i + 2] - b[i + 2]) > threshold)
        return changed / (self.width * self.height)


def decode_jpeg(data):
    with tempfile.NamedTemporaryFile(suffix=".jpg") as file:
        file.write(data)
        file.flush()
        reader = vtkJPEGReader()
        reader.SetFileName(file.name)
        reader.Update()
        image = reader.GetOutput()
        width, height, _ = image.GetDimensions()
        scalars = image.GetPointData().GetScalars()
        components = scalars.GetNumberOfComponents()
        raw = bytes(memoryview(scalars))
        assert components in (3, 4), components
        rgb = raw if components == 3 else bytes(
            v for i in range(0, len(raw), 4) for v in raw[i:i + 3])
        return Image(width, height, rgb)
