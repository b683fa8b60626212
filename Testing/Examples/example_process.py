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
from vtkmodules.util.numpy_support import vtk_to_numpy

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
        """http://HOST:PORT/<path>?token=T from the ready line's http://HOST:PORT/?token=T."""
        base, _, query = self.url.partition("/?")
        return f"{base}/{path}?{query}"

    def snapshot(self):
        """GET /snapshot.jpg: asserts 200 image/jpeg, returns the image as a numpy array
        (rows bottom-up as VTK reads them, RGB)."""
        with urllib.request.urlopen(self.endpoint("snapshot.jpg"), timeout=10) as answer:
            status, content_type, data = answer.status, answer.headers["Content-Type"], answer.read()
        assert status == 200 and content_type == "image/jpeg", (status, content_type)
        return decode_jpeg(data)

    def stop(self, signum=signal.SIGTERM, timeout=15.0):
        """Sends `signum`, waits for the exit, returns the exit status."""
        self.process.send_signal(signum)
        status = self.process.wait(timeout)
        leftovers = [n for n in os.listdir("/dev/shm")
                     if n.startswith(f"renderstream-{self.process.pid}-")]
        assert not leftovers, f"shared memory left behind: {leftovers}"
        return status

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


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
        pixels = vtk_to_numpy(scalars).reshape(height, width, scalars.GetNumberOfComponents())
        return pixels[:, :, :3].astype(int)
