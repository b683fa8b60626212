#!/usr/bin/python3
"""What publishing adds in latency: StreamCone publishes (--publish) to a real nginx with the
rtmp module on loopback, which also writes HLS (2 s segments). Each drag's first moved picture
is timed from the moment the drag was sent: to the moment ffmpeg, playing the RTMP stream as
a viewer would, decoded it; and to the moment nginx's playlist listed the HLS segment that
holds it (an HLS player shows it later still: hls.js and Safari start three segments behind
the live edge). The direct WebSocket viewer's figure is in the video bench's latency rows.
Prints JSON:

  media_latency.py BIN_DIR [--drags N]   (needs nginx-light, libnginx-mod-rtmp, ffmpeg,
                                          python3-websocket and an X display)
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import websocket

SMALL = (64, 36)  # the players' pictures, scaled down and grey: enough to see the cone turn


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, done, timeout):
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"media_latency: timed out waiting for {what}")
        time.sleep(0.05)


class Player:
    """ffmpeg decoding `source`; each picture's arrival time and its small grey pixels."""

    def __init__(self, source, extra=()):
        size = SMALL[0] * SMALL[1]
        self.frames = []  # (monotonic seconds, bytes)
        self.process = subprocess.Popen(
            ["ffmpeg", "-v", "error", "-fflags", "nobuffer", "-flags", "low_delay", "-probesize", "32",
             "-analyzeduration", "0", *extra, "-i", source,
             "-vf", f"scale={SMALL[0]}:{SMALL[1]}", "-pix_fmt", "gray", "-f", "rawvideo", "-"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

        def read():
            while True:
                data = self.process.stdout.read(size)
                if len(data) < size:
                    return
                self.frames.append((time.monotonic(), data))
        threading.Thread(target=read, daemon=True).start()

    def stop(self):
        self.process.kill()
        self.process.wait()


def decode(path):
    """The small grey pictures of a media file."""
    size = SMALL[0] * SMALL[1]
    data = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-vf", f"scale={SMALL[0]}:{SMALL[1]}", "-pix_fmt",
                           "gray", "-fps_mode", "passthrough", "-f", "rawvideo", "-"],
                          capture_output=True, timeout=30).stdout
    return [data[i:i + size] for i in range(0, len(data) - size + 1, size)]


class Playlist:
    """When each segment of a live HLS playlist was first listed."""

    def __init__(self, path):
        self.path, self.listed, self.running = path, {}, True

        def watch():
            while self.running:
                try:
                    with open(path) as playlist:
                        for line in playlist:
                            if line.strip().endswith(".ts"):
                                self.listed.setdefault(line.strip(), time.monotonic())
                except OSError:
                    pass
                time.sleep(0.02)
        threading.Thread(target=watch, daemon=True).start()

    def first_change_after(self, t0, timeout):
        """Seconds from t0 to the listing of the first segment that shows a picture unlike the
        last one listed before t0."""
        before = [name for name, at in sorted(self.listed.items(), key=lambda item: item[1]) if at < t0]
        reference = decode(os.path.join(os.path.dirname(self.path), before[-1]))[-1]
        deadline = t0 + timeout
        checked = set()
        while time.monotonic() < deadline:
            for name, at in sorted(self.listed.items(), key=lambda item: item[1]):
                if at < t0 or name in checked:
                    continue
                checked.add(name)
                pictures = decode(os.path.join(os.path.dirname(self.path), name))
                if any(difference(picture, reference) > 2.0 for picture in pictures):
                    return at - t0
            time.sleep(0.05)
        return None


def difference(a, b):
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a)


def first_change_after(player, t0, reference, timeout):
    """Seconds from t0 to the first picture after t0 that differs from `reference`."""
    deadline = t0 + timeout
    seen = 0
    while time.monotonic() < deadline:
        for at, data in player.frames[seen:]:
            if at >= t0 and difference(data, reference) > 2.0:
                return at - t0
        seen = max(0, len(player.frames) - 1)
        time.sleep(0.01)
    return None


def settled(player, quiet):
    """The picture once the player showed the same one for `quiet` seconds (None: not yet)."""
    if not player.frames:
        return None
    last_at, last = player.frames[-1]
    for at, data in reversed(player.frames):
        if difference(data, last) > 2.0:
            return last if last_at - at >= quiet else None
        if last_at - at >= quiet:
            return last
    return None


def settle_all(players, quiet, timeout):
    """Each player's picture once every one of them has shown the same for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        pictures = {name: settled(player, quiet) for name, player in players.items()}
        if all(picture is not None for picture in pictures.values()):
            return pictures
        if time.monotonic() > deadline:
            raise SystemExit("media_latency: the players' pictures did not settle: " + ", ".join(
                f"{name} {len(player.frames)} pictures" for name, player in players.items()))
        time.sleep(0.1)


def drain(ws):
    try:
        while True:
            ws.recv()
    except Exception:
        return


def main():
    bin_dir = sys.argv[1]
    drags = int(sys.argv[sys.argv.index("--drags") + 1]) if "--drags" in sys.argv else 3
    work = tempfile.mkdtemp(prefix="renderstream-media-latency-")
    processes = []
    try:
        rtmp_port = free_port()
        os.makedirs(f"{work}/hls")
        os.chmod(work, 0o777)
        os.chmod(f"{work}/hls", 0o777)
        with open(f"{work}/nginx.conf", "w") as conf:
            conf.write(f"""load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 64; }}
rtmp {{ server {{ listen 127.0.0.1:{rtmp_port}; application live {{
  live on; hls on; hls_path {work}/hls; hls_fragment 2s; hls_playlist_length 10s; }} }} }}
""")
        processes.append(subprocess.Popen(["nginx", "-p", work, "-c", f"{work}/nginx.conf"],
                                          stderr=subprocess.DEVNULL))
        wait_for("nginx", lambda: socket.socket().connect_ex(("127.0.0.1", rtmp_port)) == 0, 10)
        rtmp = f"rtmp://127.0.0.1:{rtmp_port}/live/cone"
        app = subprocess.Popen([f"{bin_dir}/StreamCone", "--offscreen", "--size", "1280x720", "--seconds", "300"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "RENDERSTREAM_PUBLISH_URL": rtmp})
        processes.append(app)
        match = None
        while not match:
            line = app.stdout.readline()
            if not line:
                raise SystemExit("media_latency: StreamCone did not start")
            match = re.search(r"(http://[^/ ]+)/#token=(\w+)", line)
        base, token = match.group(1), match.group(2)

        def stats():
            return json.loads(urllib.request.urlopen(f"{base}/stats?token={token}").read())
        wait_for("the publisher", lambda: stats()["publish"]["state"] == "connected", 15)
        wait_for("the HLS playlist", lambda: os.path.exists(f"{work}/hls/cone.m3u8"), 15)
        players = {"rtmp": Player(rtmp)}
        playlist = Playlist(f"{work}/hls/cone.m3u8")
        ws = websocket.create_connection(f"{base.replace('http', 'ws')}/ws?token={token}")
        threading.Thread(target=drain, args=(ws,), daemon=True).start()
        results = {"rtmp": [], "hls": []}
        for drag in range(drags):
            references = settle_all(players, 3.0, 60)
            t0 = time.monotonic()
            ws.send(json.dumps({"type": "pointer", "action": "down", "x": 0.3, "y": 0.5, "button": 0}))
            for i in range(60):
                ws.send(json.dumps({"type": "pointer", "action": "move", "x": 0.3 + i * 0.006, "y": 0.5, "button": 0}))
                time.sleep(0.016)
            ws.send(json.dumps({"type": "pointer", "action": "up", "x": 0.66, "y": 0.5, "button": 0}))
            seconds = first_change_after(players["rtmp"], t0, references["rtmp"], 30)
            results["rtmp"].append(None if seconds is None else round(seconds, 3))
            seconds = playlist.first_change_after(t0, 30)
            results["hls"].append(None if seconds is None else round(seconds, 3))
        for player in players.values():
            player.stop()
        playlist.running = False
        print(json.dumps({"rtmpSeconds": results["rtmp"], "hlsListedSeconds": results["hls"],
                          "hlsFragmentSeconds": 2, "keyFrameSeconds": 2}))
    finally:
        for process in reversed(processes):
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
