"""TestJupyter: renderstream.jupyter.show() in a real IPython kernel, seen in real Chromium.

A kernel (nbclient) runs Examples/Python/notebook.ipynb cell by cell; a tiny HTTP server plays
the notebook page (the show() cell's text/html output, as Jupyter would put it in the page),
and headless Chromium (browser.mjs) opens it: the iframe shows the stream and a drag in it
turns the scene; nothing moves without input; a page at a port not allowed cannot frame it;
the later cells' change and animation reach the view while the kernel stays free. Then the
kernel is shut down, and another one SIGKILLed: neither leaves a server or /dev/shm entry.

    TestJupyter.py NOTEBOOK SITE_PACKAGES NODE          (needs $DISPLAY: run under xvfb-run)
Environment: RENDERSTREAM_TEST_OUTPUT (screenshots), CHROMIUM.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.util import run_sync
except ImportError as error:
    sys.exit(f"TestJupyter: {error}: install Jupyter for this Python "
             "(Debian: apt-get install jupyter-notebook python3-nbclient python3-ipykernel)")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Examples"))
from example_process import decode_jpeg, log  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- processes and shared memory ------------------------------------------------------------
def servers():
    """{pid: argv} of the renderstream-server processes alive now."""
    found = {}
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as file:
                argv = file.read().decode(errors="replace").split("\0")
            with open(f"/proc/{entry}/stat") as file:
                zombie = file.read().rpartition(")")[2].split()[0] == "Z"
        except (OSError, ValueError, IndexError):
            continue
        if os.path.basename(argv[0]) == "renderstream-server" and not zombie:
            found[int(entry)] = argv
    return found


def segment_prefix(kernel_pid):
    """A kernel's shared memory is named after its pid (StreamSegment.cxx: /renderstream-PID-...)."""
    return f"renderstream-{kernel_pid}-"


def kernel_servers(kernel_pid):
    """The servers a kernel spawned: each is given its segment's name."""
    prefix = "/" + segment_prefix(kernel_pid)
    return {pid for pid, argv in servers().items() if any(a.startswith(prefix) for a in argv)}


def shm_entries(kernel_pid):
    """A kernel's shared memory (other tests' may exist beside it)."""
    return {name for name in os.listdir("/dev/shm") if name.startswith(segment_prefix(kernel_pid))}


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def wait_until(what, condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


# ---- the kernel -----------------------------------------------------------------------------
class Kernel:
    """The example notebook in a live kernel, run one cell at a time (cells found by tag)."""

    def __init__(self, client):
        self.client, self.nb = client, client.nb
        self.pid = client.km.provisioner.pid

    def cell(self, tag):
        return next(c for c in self.nb.cells if tag in c.metadata.get("tags", []))

    def run(self, tag_or_cell):
        """Executes a cell; returns it and how long execute_cell took (s)."""
        cell = self.cell(tag_or_cell) if isinstance(tag_or_cell, str) else tag_or_cell
        start = time.monotonic()
        self.client.execute_cell(cell, self.nb.cells.index(cell), store_history=True)
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"cell failed: {errors[0].ename}: {errors[0].evalue}"
        return cell, time.monotonic() - start

    def execute(self, source):
        """Runs code that is not in the notebook, as a cell of its own."""
        cell = nbformat.v4.new_code_cell(source)
        self.nb.cells.append(cell)
        return self.run(cell)[0]

    def send(self, source):
        """Starts code without waiting; returns a function that waits for its reply."""
        msg_id = self.client.kc.execute(source)

        def wait(timeout=30):
            while True:
                reply = run_sync(self.client.kc.get_shell_msg)(timeout=timeout)
                if reply["parent_header"].get("msg_id") == msg_id:
                    return reply["content"]
        return wait


@contextmanager
def kernel(notebook, env):
    client = NotebookClient(nbformat.read(notebook, as_version=4), kernel_name="python3",
                            timeout=60, startup_timeout=60)
    with client.setup_kernel(env=env):
        yield Kernel(client)


def result(cell):
    """The data of the cell's result (its last expression), by MIME type."""
    return next(o.data for o in cell.outputs if o.output_type == "execute_result")


def stdout(cell):
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def iframe_src(cell):
    """The cell's text/html result, and the attributes of the <iframe> in it."""
    html = result(cell)["text/html"]

    class Finder(HTMLParser):
        attrs = None

        def handle_starttag(self, tag, attrs):
            if tag == "iframe" and self.attrs is None:
                self.attrs = dict(attrs)
    finder = Finder()
    finder.feed(html)
    assert finder.attrs, f"no <iframe> in the output: {html}"
    return html, finder.attrs


# ---- the stream's own endpoints ---------------------------------------------------------------
class Stream:
    def __init__(self, url):
        parts = urlsplit(url)
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.token = parse_qs(parts.fragment)["token"][0]

    def get(self, path):
        with urllib.request.urlopen(f"{self.base}/{path}?{urlencode({'token': self.token})}",
                                    timeout=10) as answer:
            return answer.headers, answer.read()

    def captured(self):
        return json.loads(self.get("stats")[1])["frames"]["captured"]

    def snapshot(self):
        return decode_jpeg(self.get("snapshot.jpg")[1])


# ---- the notebook page, and a browser to look at it ---------------------------------------------
class PageServer:
    """Serves one HTML page at http://127.0.0.1:PORT/ from a thread."""

    def __init__(self):
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = page.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.html = ""
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def show(self, cell_html):
        """The page a notebook would show: some text, then the cell's output."""
        self.html = ("<!doctype html><html><head><meta charset='utf-8'><title>notebook</title>"
                     "</head><body style='margin: 16px; font-family: sans-serif'>"
                     f"<p>In [2]: view = show(window, width=640, height=480)</p>"
                     f"<div class='output_html'>{cell_html}</div></body></html>")


class PortForward:
    """Forwards 127.0.0.1:port (0: any free one) to 127.0.0.1:target, like `ssh -L`."""

    def __init__(self, target):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port, self.target = self.listener.getsockname()[1], target
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            server = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the other side is gone


def free_port():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


class Browser:
    """browser.mjs: headless Chromium answering one JSON command a line."""

    def __init__(self, node):
        self.process = subprocess.Popen([node, os.path.join(HERE, "browser.mjs")],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def __call__(self, cmd, **args):
        self.process.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"the browser script ended (status {self.process.wait()})"
        reply = json.loads(line)
        assert reply["ok"], f"browser {cmd}: {reply['error']}"
        return reply["result"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.process.stdin.close()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def difference(a, b):
    """Mean absolute grey-level difference of two samples, 0..255."""
    assert a and b and len(a) == len(b)
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a)


def red_share(image):
    """Share of a snapshot's pixels (every 4th row and column) that are clearly red."""
    pixels = [image.pixel(x, y)
              for y in range(0, image.height, 4) for x in range(0, image.width, 4)]
    return sum(1 for r, g, b in pixels if r > 150 and r > g + 80 and r > b + 80) / len(pixels)


# ---- the test cases ---------------------------------------------------------------------------
def test_live_view(notebook, env, browser, page, foreign, out_dir):
    done_file = os.path.join(out_dir, "atexit.txt")
    if os.path.exists(done_file):
        os.remove(done_file)
    with kernel(notebook, env) as k:
        # Registered before renderstream.jupyter's own atexit hook, so it runs after it.
        k.execute("import atexit, sys\n"
                  f"atexit.register(lambda: open({done_file!r}, 'w').write(str(len("
                  "sys.modules['renderstream.jupyter']._streams))))")
        k.run("scene")
        cell, seconds = k.run("show")
        html, iframe = iframe_src(cell)
        src = urlsplit(iframe["src"])
        log(f"show() took {seconds:.2f} s: {html}")
        assert src.scheme == "http" and src.hostname == "127.0.0.1" and src.port, iframe["src"]
        assert src.path == "/" and list(parse_qs(src.fragment)) == ["token"], iframe["src"]
        assert (iframe["width"], iframe["height"]) == ("640", "480"), iframe
        assert iframe["allow"] == "fullscreen" and iframe["referrerpolicy"] == "no-referrer", iframe
        # The server's own messages go to its log file, not into whichever cell runs.
        streams = [o.text for o in cell.outputs if o.output_type == "stream"]
        assert not streams, f"the show cell printed {streams}"
        log_file = stdout(k.execute("print(view.log)")).strip()
        with open(log_file) as f:
            assert "renderstream-server: serving http://127.0.0.1:%d/" % src.port in f.read(), log_file
        stream = Stream(iframe["src"])
        (server,) = kernel_servers(k.pid)
        log(f"kernel {k.pid}, server {server}")

        policy = stream.get("")[0].get("Content-Security-Policy", "")
        origin = f"http://127.0.0.1:{page.port}"
        log(f"page policy: {policy}")
        if "frame-ancestors 'self'" not in policy:
            log("SKIP the browser checks: the viewer page still says frame-ancestors 'none' "
                "(the server's CSP change has not landed)")
            return
        assert origin in policy and f"http://localhost:{page.port}" in policy, policy
        assert f":{foreign.port}" not in policy, policy

        page.show(html)
        foreign.show(html)
        opened = browser("open", name="nb", url=f"http://127.0.0.1:{page.port}/")
        log(f"the iframe shows {opened['frameWidth']}x{opened['frameHeight']} "
            f"from {opened['frameUrl']}")
        assert (opened["frameWidth"], opened["frameHeight"]) == (640, 480), opened

        # A drag inside the iframe turns the scene, as on the standalone page.
        before = browser("settle", name="nb")
        browser("drag", name="nb", dx=160, dy=40)
        after = browser("settle", name="nb")
        turned = difference(before["sample"], after["sample"])
        log(f"drag in the iframe: picture difference {turned:.2f}")
        assert turned > 3, turned

        # The toolbar's Joystick style turns the scene for as long as the button is held: its
        # interactor timers run on the kernel's loop too.
        browser("click", name="nb", selector="text=Joystick")
        held = browser("settle", name="nb")
        browser("drag", name="nb", dx=60, dy=0, holdMs=1000)
        browser("click", name="nb", selector="text=Trackball")
        after = browser("settle", name="nb")
        spun = after["framesReceived"] - held["framesReceived"]
        log(f"joystick: {spun} frames for a drag held 1 s")
        assert spun >= 8, spun

        # Nothing else happens: no input, no new frame, no capture.
        captured = stream.captured()
        time.sleep(1.0)
        still = browser("state", name="nb")
        log(f"1 s without input: {still['framesReceived'] - after['framesReceived']} frames, "
            f"{stream.captured() - captured} captures, difference "
            f"{difference(after['sample'], still['sample']):.2f}")
        assert still["framesReceived"] == after["framesReceived"], (still, after)
        assert stream.captured() == captured
        assert difference(after["sample"], still["sample"]) == 0

        # The same notebook opened as localhost (another site than 127.0.0.1: no
        # SameSite=Strict cookie in the frame) shows the picture too.
        other = browser("open", name="localhost", url=f"http://localhost:{page.port}/")
        log(f"from http://localhost:{page.port}: the iframe shows {other['frameWidth']}x"
            f"{other['frameHeight']} ({other['frameUrl'].split('#')[0].split('?')[0]})")
        browser("close", name="localhost")

        # A page on another port (another user's, say) cannot frame it.
        refused = browser("visit", name="foreign", url=f"http://127.0.0.1:{foreign.port}/")
        log(f"from http://127.0.0.1:{foreign.port}: frame {refused['frameUrl']}, "
            f"viewer loaded: {refused['viewer']}")
        assert not refused["viewer"] and refused["frameUrl"].startswith("chrome-error:"), refused
        browser("close", name="foreign")

        # A later cell moves the cone and makes it red: the view shows it at once.
        shown, red_before = browser("settle", name="nb"), red_share(stream.snapshot())
        _, seconds = k.run("change")
        browser("nextFrame", name="nb", after=shown["framesReceived"])
        changed, red_after = browser("settle", name="nb"), red_share(stream.snapshot())
        log(f"change cell ({seconds:.2f} s): picture difference "
            f"{difference(shown['sample'], changed['sample']):.2f}, red pixels "
            f"{red_before:.1%} -> {red_after:.1%}")
        assert difference(shown["sample"], changed["sample"]) > 3
        assert red_before < 0.005 and red_after > 0.03, (red_before, red_after)
        browser("screenshot", name="nb", path=os.path.join(out_dir, "notebook-output.png"))

        # The animation cell returns at once; the stream's frames keep coming while it runs.
        captured, received = stream.captured(), changed["framesReceived"]
        _, seconds = k.run("animate")
        time.sleep(1.5)
        during = stream.captured() - captured
        frames = browser("state", name="nb")["framesReceived"] - received
        log(f"animate cell returned after {seconds:.2f} s; in the next 1.5 s: {during} captures, "
            f"{frames} frames in the view")
        assert seconds < 1.0, seconds
        assert during >= 10 and frames >= 5, (during, frames)
        k.execute("await asyncio.wait_for(spinning, 10)")  # it ends by itself

        # A cell that blocks the kernel holds browser input until it ends (no tick meanwhile).
        # It blocks until the test releases it, so no machine is too slow for what follows.
        quiet = browser("settle", name="nb")
        gate = tempfile.mkdtemp(prefix="renderstream-cell-")
        started, release = os.path.join(gate, "started"), os.path.join(gate, "release")
        wait = k.send(f"import os, time\nopen({started!r}, 'w').close()\n"
                      f"for _ in range(3000):  # 60 s at most\n"
                      f"    if os.path.exists({release!r}):\n"
                      "        break\n"
                      "    time.sleep(0.02)")
        wait_until("the blocking cell to start", lambda: os.path.exists(started))
        browser("drag", name="nb", dx=-160, dy=0)

        def told_busy():
            return [m for m in browser("messages", name="nb") if m.get("type") == "busy"]
        wait_until("the page to be told the application is busy", told_busy, 5)
        held = browser("state", name="nb")
        log(f"busy messages during the blocking cell: {told_busy()}; page text: {held['text']!r}")
        assert "busy" in held["text"].lower(), held["text"]
        open(release, "w").close()
        assert wait()["status"] == "ok"
        shutil.rmtree(gate)
        released = browser("nextFrame", name="nb", after=held["framesReceived"])
        log(f"blocking cell: {held['framesReceived'] - quiet['framesReceived']} frames while it "
            "ran, then the held drag turned the view by "
            f"{difference(quiet['sample'], browser('settle', name='nb')['sample']):.2f}")
        assert held["framesReceived"] == quiet["framesReceived"], (held, quiet)
        assert released["framesReceived"] > held["framesReceived"]
        browser("close", name="nb")

        # Behind a tunnel to another port: public_url makes the iframe's URL the tunnel's.
        port = free_port()
        tunnel = PortForward(port)
        k.execute(f"from renderstream.jupyter import stop\nstop(window)\n"
                  f"view = show(window, port={port}, public_url='http://127.0.0.1:{tunnel.port}/')")
        wait_until("the first server to exit", lambda: server not in servers(), 5)
        (server,) = kernel_servers(k.pid)
        html, iframe = iframe_src(k.execute("view"))
        assert iframe["src"].startswith(f"http://127.0.0.1:{tunnel.port}/#token="), iframe["src"]
        page.show(html)
        tunnelled = browser("open", name="tunnel", url=f"http://127.0.0.1:{page.port}/")
        browser("drag", name="tunnel", dx=100, dy=0)
        turned = browser("nextFrame", name="tunnel", after=tunnelled["framesReceived"])
        log(f"through a tunnel on port {tunnel.port} to {port}: the iframe shows "
            f"{tunnelled['frameWidth']}x{tunnelled['frameHeight']} and turns "
            f"({turned['framesReceived'] - tunnelled['framesReceived']} frames for a drag)")
        browser("close", name="tunnel")
        # {port} in public_url (jupyter-server-proxy's /proxy/PORT/) is the stream's port.
        cell = k.execute("stop(window)\n"
                         "view = show(window, public_url="
                         "'https://hub.example/user/me/proxy/{port}/')\n"
                         "print(view.url, view.streamer.GetActualPort())")
        url, actual = stdout(cell).split()
        log(f"public_url with {{port}}: {url}")
        assert url.startswith(f"https://hub.example/user/me/proxy/{actual}/#token="), url
        (server,) = kernel_servers(k.pid)
    # The kernel has shut down (nbclient asks it to): atexit stopped the stream.
    wait_until("the server to exit", lambda: server not in servers(), 5)
    assert open(done_file).read() == "0", "atexit did not stop the streams"
    assert not shm_entries(k.pid), shm_entries(k.pid)
    assert not os.path.exists(log_file), f"the kernel's server log {log_file} outlived it"
    log("kernel shut down: its server exited, /dev/shm holds nothing of it, nor does the temp directory")


def test_stop_and_kill(notebook, env):
    with kernel(notebook, env) as k:
        k.run("scene")
        k.run("show")
        (first,) = kernel_servers(k.pid)
        k.run("stop")
        wait_until("view.stop() to end the server", lambda: first not in servers(), 5)
        assert "<iframe" in result(k.execute("view = show(window)\nview"))["text/html"]
        again = k.execute("view2 = show(window)\nview2.url == view.url")
        assert result(again)["text/plain"] == "True", "show() again reuses the stream"
        (server,) = kernel_servers(k.pid)
        killed_log = stdout(k.execute("print(view.log)")).strip()
        log(f"view.stop() ended server {first}; show() started {server}; SIGKILL kernel {k.pid}")
        start = time.monotonic()
        os.kill(k.pid, signal.SIGKILL)
        wait_until("the server to follow the killed kernel", lambda: server not in servers(), 5)
        log(f"the server exited {time.monotonic() - start:.2f} s after the kernel was killed")
    assert not shm_entries(k.pid), shm_entries(k.pid)
    assert os.path.exists(killed_log), "a killed kernel cannot remove its log"
    with kernel(notebook, env) as k:
        k.run("scene")
        k.run("show")
        assert not os.path.exists(killed_log), "the next kernel's show() removes a dead kernel's log"
    log("a killed kernel's server log is removed by the next kernel that streams")


def test_origin_discovery(notebook, env):
    """Without RENDERSTREAM_NOTEBOOK_ORIGIN, show() allows the running Jupyter servers' pages."""
    env = {k: v for k, v in env.items() if k != "RENDERSTREAM_NOTEBOOK_ORIGIN"}
    port = free_port()
    server = subprocess.Popen(["jupyter", "notebook", "--no-browser", "--ip=127.0.0.1",
                               f"--port={port}", "--port-retries=0", "--allow-root",
                               f"--notebook-dir={tempfile.gettempdir()}",
                               f"--NotebookApp.token={os.urandom(16).hex()}"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until("the notebook server", lambda: answers(f"http://127.0.0.1:{port}/api"), 30)
        with kernel(notebook, env) as k:
            k.run("scene")
            k.run("show")
            (argv,) = (servers()[pid] for pid in kernel_servers(k.pid))
    finally:
        server.terminate()
        server.wait(10)
    allowed = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--allow-origin"]
    log(f"jupyter notebook on port {port}: the stream allows {allowed}")
    assert f"http://127.0.0.1:{port}" in allowed and f"http://localhost:{port}" in allowed, allowed


def main(notebook, site_packages, node):
    out_dir = os.environ.get("RENDERSTREAM_TEST_OUTPUT") or tempfile.mkdtemp()
    os.makedirs(out_dir, exist_ok=True)
    page, foreign = PageServer(), PageServer()
    env = dict(os.environ, PYTHONPATH=site_packages, PYDEVD_DISABLE_FILE_VALIDATION="1",
               RENDERSTREAM_NOTEBOOK_ORIGIN=f"http://127.0.0.1:{page.port} "
                                            f"http://localhost:{page.port}")
    env.pop("RENDERSTREAM_PUBLIC_URL", None)
    start = time.monotonic()
    browser = Browser(node)
    try:
        test_live_view(notebook, env, browser, page, foreign, out_dir)
    finally:
        browser.close()
    test_stop_and_kill(notebook, env)
    test_origin_discovery(notebook, env)
    log(f"PASS in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main(*sys.argv[1:4])
