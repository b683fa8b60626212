#!/usr/bin/env bash
# TestPackageConsumer MODE BUILD_DIR CONSUMER_SOURCE CMAKE GENERATOR [PYTHON PYTHON_DESTINATION]
#   MODE install: `cmake --install BUILD_DIR --prefix <temp>`, consumer finds RenderStream there
#   MODE build:   the consumer finds RenderStream in BUILD_DIR itself
# Configures and builds Testing/Install/Consumer (the README's CMake snippet, nothing else),
# runs it offscreen and fetches /snapshot.jpg from the server it spawned. With PYTHON, also
# imports the `renderstream` package from <root>/PYTHON_DESTINATION. Needs $DISPLAY.
set -euo pipefail
mode=$1 build=$2 source=$3 cmake=$4 generator=$5 python=${6:-} python_destination=${7:-}

work=$(mktemp -d /tmp/renderstream-consumer.XXXXXX)
app_pid=
cleanup() {
  [[ -n $app_pid ]] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(date +%T))"; }

if [[ $mode == install ]]; then
  step "installing $build into $work/prefix"
  "$cmake" --install "$build" --prefix "$work/prefix" > "$work/install.log" ||
    { cat "$work/install.log"; fail "cmake --install failed"; }
  for f in include/RenderStream/vtkRenderStreamer.h lib/libRenderStream.so bin/renderstream-server \
      lib/cmake/RenderStream/RenderStreamConfig.cmake lib/cmake/RenderStream/RenderStreamConfigVersion.cmake; do
    [[ -e $work/prefix/$f ]] || fail "the install lacks $f"
  done
  root=$work/prefix
  find_args=(-DCMAKE_PREFIX_PATH="$root")
  expected_server=$root/bin/renderstream-server
else
  root=$build
  find_args=(-DRenderStream_DIR="$build/lib/cmake/RenderStream")
  expected_server=$build/bin/renderstream-server
fi

if [[ -n $python ]]; then
  step "importing renderstream from $root/$python_destination"
  module=$(PYTHONPATH="$root/$python_destination" "$python" -c \
    'import renderstream; from renderstream import vtkRenderStreamer; vtkRenderStreamer(); print(renderstream.__file__)') ||
    fail "python cannot import renderstream from $root/$python_destination"
  [[ $module == "$root"/* ]] || fail "renderstream imported from $module, not from $root"
  echo "python: $module"
fi

step "configuring the consumer against $root"
"$cmake" -S "$source" -B "$work/consumer" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
  "${find_args[@]}" > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configure failed"; }
step "building the consumer"
"$cmake" --build "$work/consumer" > "$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build failed"; }

step "running the consumer offscreen"
env -u RENDERSTREAM_SERVER "$work/consumer/app" --offscreen --seconds 8 > "$work/app.out" 2> "$work/app.err" &
app_pid=$!
url=
for _ in $(seq 200); do # up to 20 s
  url=$(sed -n 's/^RenderStream: serving \(http[^ ]*\)$/\1/p' "$work/app.out")
  [[ -n $url ]] && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.err"; fail "the consumer exited before serving"; }
  sleep 0.1
done
[[ -n $url ]] || { cat "$work/app.err"; fail "no ready line within 20 s"; }
echo "ready: $url"

# The library and the server must be the ones from $root, not from elsewhere.
library=$(awk '/libRenderStream\.so/ {print $6; exit}' "/proc/$app_pid/maps")
[[ $library == "$root"/lib/* ]] || fail "libRenderStream loaded from '$library', not from $root/lib"
server=
for child in $(cat /proc/"$app_pid"/task/*/children 2>/dev/null); do
  server=$(readlink "/proc/$child/exe" || true)
done
[[ $server == "$expected_server" ]] || fail "the server running is '$server', expected $expected_server"
echo "library: $library"
echo "server:  $server"

snapshot=${url/\/#/\/snapshot.jpg?} # http://HOST:PORT/#token=T -> /snapshot.jpg?token=T
answer=$(curl -s -m 10 -o "$work/snapshot.jpg" -w '%{http_code} %{content_type}' "$snapshot") ||
  fail "curl $snapshot failed"
echo "GET /snapshot.jpg -> $answer, $(stat -c %s "$work/snapshot.jpg") bytes"
[[ $answer == "200 image/jpeg" ]] || fail "expected '200 image/jpeg', got '$answer'"
[[ $(head -c 2 "$work/snapshot.jpg" | od -An -tx1 | tr -d ' ') == ffd8 ]] || fail "not a JPEG"

step "waiting for the consumer to end by itself (--seconds 8)"
status=0
wait "$app_pid" || status=$?
pid=$app_pid
app_pid=
[[ $status == 0 ]] || { cat "$work/app.err"; fail "the consumer exited with status $status"; }
leftovers=$(ls /dev/shm | grep "^renderstream-$pid-" || true)
[[ -z $leftovers ]] || fail "shared memory left behind: $leftovers"
echo "PASS ($mode tree)"
