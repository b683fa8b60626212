#!/usr/bin/env bash
# Runs RenderStreamBench and RenderStreamVideoBench (and, where Node and playwright-core are
# installed, the browser latency of JPEG against H.264; where nginx's rtmp module and ffmpeg are,
# what publishing adds in latency), prints the tables and writes the JSON
# (needs an X display: ./run bench provides Xvfb).
#   bench.sh                  full bench at 640x480, 1280x720, 1920x1080 → build/bench.json,
#                             JPEG against H.264 → build/bench-video.json
#   bench.sh --smoke          one resolution, ~1 s per stage; fails unless every figure exists
#   bench.sh --markdown [J]   only turns a bench JSON into the performance table (Testing/Bench/README.md)
# Options: --bin PATH (the bench executable), --json PATH, anything else goes to the program.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=$ROOT/build/bin/RenderStreamBench
JSON=""
SMOKE=0
ARGS=()
while (($#)); do
  case $1 in
    --markdown) exec python3 "$HERE/bench_report.py" --markdown "${2:-$ROOT/build/bench.json}" \
                  "${3:-$ROOT/build/bench-video.json}" ;;
    --smoke) SMOKE=1; ARGS+=(--smoke) ;;
    --bin) BIN=$2; shift ;;
    --json) JSON=$2; shift ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done
if [[ -z $JSON ]]; then
  ((SMOKE)) && JSON=$ROOT/build/bench-smoke.json || JSON=$ROOT/build/bench.json
fi
[[ -x $BIN ]] || { echo "bench.sh: no bench executable at $BIN (build first, or pass --bin)" >&2; exit 2; }
[[ -n ${DISPLAY:-} ]] || { echo "bench.sh: VTK needs an X display here; use ./run bench or xvfb-run -a" >&2; exit 2; }
mkdir -p "$(dirname "$JSON")"
VIDEO_JSON=${JSON%.json}-video.json
"$BIN" --json "$JSON" "${ARGS[@]}"
VIDEO_ARGS=(); ((SMOKE)) && VIDEO_ARGS=(--smoke)
"$(dirname "$BIN")/RenderStreamVideoBench" --json "$VIDEO_JSON" "${VIDEO_ARGS[@]}"
if command -v node >/dev/null && [[ -d $ROOT/Testing/Browser/node_modules/playwright-core ]]; then
  echo "== video: browser latency (headless Chromium)"
  node "$HERE/browser_latency.mjs" "$(dirname "$BIN")" "${VIDEO_ARGS[@]}" > "${VIDEO_JSON%.json}-latency.json"
  python3 "$HERE/bench_report.py" --merge-latency "$VIDEO_JSON" "${VIDEO_JSON%.json}-latency.json"
fi
if ((!SMOKE)) && [[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]] && command -v ffmpeg >/dev/null; then
  echo "== media: what publishing adds in latency (RTMP and HLS through nginx)"
  /usr/bin/python3 "$HERE/media_latency.py" "$(dirname "$BIN")" | tee "${VIDEO_JSON%.json}-media-latency.json"
fi
python3 "$HERE/bench_report.py" --table "$JSON" "$VIDEO_JSON"
if ((SMOKE)); then
  python3 "$HERE/bench_report.py" --check "$JSON" "$VIDEO_JSON"
fi
