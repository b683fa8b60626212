#!/usr/bin/env python3
"""Turns RenderStreamBench JSON (and RenderStreamVideoBench's) into a text table (--table), the
the performance table of Testing/Bench/README.md (--markdown), or checks that every stage produced numbers (--check, for
the smoke test). --merge-latency VIDEO LATENCY adds the browser latency to the video JSON."""
import json
import math
import sys

SLOW_LINK_STAGES = ["slowLink2M", "slowLink300k"]
STAGES = ["capture", "encode", "renderLoop", "delivery", "fanout", "latency", "idle", "appDriven"] + SLOW_LINK_STAGES
NAMES = {"capture": "capture", "encode": "encode", "renderLoop": "render-loop impact",
         "delivery": "delivery", "fanout": "fan-out", "latency": "input latency", "idle": "idle",
         "appDriven": "app-driven loop", "slowLink2M": "slow link 2 Mbit/s",
         "slowLink300k": "slow link 300 kbit/s"}


VIDEO_STAGES = ["convert", "codecs", "match", "throughput", "apps", "viewers", "links", "media", "browserLatency"]
VIDEO_NAMES = {"convert": "RGB to YUV", "codecs": "JPEG vs H.264", "match": "H.264 quantisers",
               "throughput": "H.264 at 60 fps", "apps": "JPEG vs H.264, apps", "viewers": "H.264 viewers",
               "links": "H.264 slow links", "media": "Recording, publishing", "browserLatency": "H.264 latency"}
VIDEO_RESOLUTIONS = {"links": "960x540", "convert": "1280x720, 1920x1080",
                     "throughput": "640x480 to 3840x2160"}


def rows(report, video=None):
    for result in report.get("results", []):
        for stage in [s for s in STAGES if s in result["stages"]]:
            s = result["stages"][stage]["summary"]
            yield result["resolution"], NAMES[stage], s["figure"], s["ratio"], s["target"], s["met"]
    for stage in [s for s in VIDEO_STAGES if video and s in video.get("stages", {})]:
        s = video["stages"][stage]["summary"]
        yield VIDEO_RESOLUTIONS.get(stage, "1280x720"), VIDEO_NAMES[stage], s["figure"], s["ratio"], s["target"], s["met"]


def merge_latency(video_path, latency_path):
    with open(video_path) as f:
        video = json.load(f)
    with open(latency_path) as f:
        latency = json.load(f)
    jpeg, h264 = latency["jpeg"]["shownP50Ms"], latency["h264"]["shownP50Ms"]
    added = h264 - jpeg

    def spans(codec):
        b = latency[codec].get("breakdown") or {}
        keys = ["encodeMs", "queueMs", "networkMs", "decodeMs", "drawMs"]
        return " / ".join(f"{b.get(k, 0):.1f}" for k in keys)
    latency["summary"] = {
        "figure": f"input to decoded frame in Chromium, StreamCone: JPEG p50 {jpeg:.1f} ms, H.264 p50 {h264:.1f} ms "
                  f"(arrival {latency['jpeg']['arrivedP50Ms']:.1f} / {latency['h264']['arrivedP50Ms']:.1f} ms); "
                  f"render end to encoded / sent / arrived, decode, on screen: JPEG {spans('jpeg')} ms, "
                  f"H.264 {spans('h264')} ms",
        "ratio": round(added, 1), "target": "H.264 adds <= 1 frame (66 ms at 15 fps)", "met": added <= 66}
    video.setdefault("stages", {})["browserLatency"] = latency
    with open(video_path, "w") as f:
        json.dump(video, f, indent=2)


def table(report, video=None):
    machine = report.get("machine", {}).get("description", "?")
    print(f"\nRenderStream bench, {report.get('date')}, {report.get('mode')} run, {machine}")
    print(f"{'resolution':<10} {'stage':<19} {'ratio':>7}  {'target':<32} figure")
    for res, stage, figure, ratio, target, met in rows(report, video):
        flag = "" if met else "  <-- MISSED"
        print(f"{res:<10} {stage:<19} {ratio:>7.3f}  {target:<32} {figure}{flag}")
    if "error" in report:
        print("ERROR:", report["error"])


def markdown(report, video=None):
    machine = report.get("machine", {}).get("description", "?")
    date = report.get("date", "?")[:10]
    print("| resolution | stage | figure | ratio | target | met | date | machine |")
    print("|---|---|---|---|---|---|---|---|")
    for res, stage, figure, ratio, target, met in rows(report, video):
        figure = figure.replace("|", "\\|")
        print(f"| {res} | {stage} | {figure} | {ratio:.3f} | {target} | {'yes' if met else 'no'} "
              f"| {date} | {machine} |")


def numbers(value):
    """Every number inside value, recursively."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers(v)]
    return []


def check(report, video=None):
    problems = []
    if video is not None:
        if "error" in video:
            problems.append("video bench error: " + video["error"])
        for stage in ["convert", "codecs", "match", "throughput", "apps", "viewers", "links", "media"]:
            data = video.get("stages", {}).get(stage)
            values = numbers({k: v for k, v in (data or {}).items() if k != "summary"})
            if not data or "summary" not in data or not values or not all(math.isfinite(v) for v in values):
                problems.append(f"video: {stage} has no finite figures")
    if "error" in report:
        problems.append("bench error: " + report["error"])
    for key in ("date", "machine"):
        if key not in report:
            problems.append("missing " + key)
    if not report.get("results"):
        problems.append("no results")
    for result in report.get("results", []):
        # The slow-link result (960x540, StreamCone) has its own stages; the others have the rest.
        slow = any(stage in result["stages"] for stage in SLOW_LINK_STAGES)
        for stage in [s for s in STAGES if (s in SLOW_LINK_STAGES) == slow]:
            data = result["stages"].get(stage)
            if not data or "summary" not in data:
                problems.append(f"{result['resolution']}: no {stage} stage")
                continue
            values = numbers({k: v for k, v in data.items() if k != "summary"})
            ratio = data["summary"].get("ratio")
            if not values or not all(math.isfinite(v) for v in values) or \
                    not isinstance(ratio, (int, float)) or not math.isfinite(ratio):
                problems.append(f"{result['resolution']}: {stage} has no finite figures")
        if not slow and result["stages"].get("latency", {}).get("samples", 0) == 0:
            problems.append(f"{result['resolution']}: no latency samples")
    for p in problems:
        print("bench check:", p, file=sys.stderr)
    print("bench check:", "FAILED" if problems else "every stage produced figures")
    return 1 if problems else 0


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("--table", "--markdown", "--check", "--merge-latency"):
        print(__doc__, file=sys.stderr)
        return 2
    if sys.argv[1] == "--merge-latency":
        merge_latency(sys.argv[2], sys.argv[3])
        return 0
    with open(sys.argv[2]) as f:
        report = json.load(f)  # raises (test fails) if the bench wrote no valid JSON
    video = None
    if len(sys.argv) == 4:
        with open(sys.argv[3]) as f:
            video = json.load(f)
    if sys.argv[1] == "--table":
        table(report, video)
    elif sys.argv[1] == "--markdown":
        markdown(report, video)
    else:
        return check(report, video)
    return 0


if __name__ == "__main__":
    sys.exit(main())
