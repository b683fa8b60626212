#!/usr/bin/env bash
# Regenerates the README picture: the StreamCone VTK window (left) and Chromium showing its
# stream (right), side by side on one virtual X screen, captured as the screen really is.
# Usage: xvfb-run -a -s "-noreset -screen 0 1640x620x24" Testing/Browser/readme_screenshot.sh OUT.png
# Needs chromium, imagemagick and xdotool (which drags in the browser, so both sides turn).
set -euo pipefail
out=${1:?output PNG}
bin=${RENDERSTREAM_BIN:-build/bin}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$tmp"' EXIT

"$bin/StreamCone" --size 800x600 --seconds 60 >"$tmp/ready" &
for _ in $(seq 100); do grep -q serving "$tmp/ready" && break; sleep 0.1; done
url=$(sed -n 's/^RenderStream: serving //p' "$tmp/ready")
[[ -n $url ]] || { echo "StreamCone printed no URL" >&2; exit 1; }

# No window manager: the VTK window sits at (0,0); the browser goes to its right.
chromium --app="$url" --window-position=820,0 --window-size=820,620 --user-data-dir="$tmp/profile" \
  --no-first-run --no-default-browser-check --disable-gpu --no-sandbox --test-type 2>/dev/null &
sleep 6
xdotool mousemove 1200 300 mousedown 1 && for x in $(seq 1200 -8 1144); do
  xdotool mousemove "$x" $((300 - (1200 - x) / 2)); sleep 0.05; done && xdotool mouseup 1
xdotool mousemove 1630 610  # out of the way, so no hover effect shows
sleep 2
import -window root "$tmp/screen.png"
convert "$tmp/screen.png" -fill '#9aa4b2' -draw 'rectangle 818,0 821,620' -font DejaVu-Sans -pointsize 18 -fill white -undercolor '#0008' \
  -annotate +10+590 ' VTK render window (StreamCone) ' \
  -annotate +830+590 ' Chromium: the streamed viewer page ' "$out"
echo "wrote $out"
