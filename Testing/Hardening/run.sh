#!/usr/bin/env bash
# Builds one preset of Testing/Hardening (CMakePresets.json) into build/hardening-PRESET and
# runs it: asan/tsan run the server (and, for asan, ipc) tests; fuzz runs every libFuzzer
# target for FUZZ_SECONDS (default 60) on a copy of its seed corpus. Any finding fails.
# Usage: Testing/Hardening/run.sh asan|tsan|fuzz
set -euo pipefail
preset=${1:?usage: run.sh asan|tsan|fuzz}
here=$(cd "$(dirname "$0")" && pwd)
build="$here/../../build/hardening-$preset"
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/renderstream-ccache}
# Findings are errors; leaks too. The suppressions file says why each entry is there.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$here/tsan.supp}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp}

# TSan (GCC 12) and clang-14's ASan put their shadow memory at fixed addresses, which a
# kernel with high-entropy address randomisation (vm.mmap_rnd_bits=32, common on recent
# distributions) may already have given to the program: "FATAL: ThreadSanitizer: unexpected
# memory mapping" at start. Without randomisation it always fits; setarch's -R is inherited by
# every process started under it (ctest, the tests, the server).
norandom=()
if setarch "$(uname -m)" -R true 2>/dev/null; then norandom=(setarch "$(uname -m)" -R); fi

cd "$here"
echo "hardening: configuring and building '$preset' (first time: a few minutes)" >&2
cmake --preset "$preset" >/dev/null
cmake --build "$build"

case $preset in
  asan) tests="TestIpc|TestInputParser|TestServerHttp|TestServerWebSocket|TestServerLoad|TestServerLifecycle|TestVideo" ;;
  tsan) tests="TestInputParser|TestServerHttp|TestServerWebSocket|TestServerLifecycle|TestVideo" ;;
  fuzz)
    seconds=${FUZZ_SECONDS:-60}
    # One target per core at a time: each runs single-threaded for its full time, as alone.
    fuzz_one() {
      local target=$1 corpus="$build/corpus/$1"
      mkdir -p "$corpus"
      cp -n "$here/Fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
      echo "hardening: $target for ${seconds} s" >&2
      # A crash, leak or sanitizer report fails the run; libFuzzer saves the input as
      # crash-* in the build directory (reproduce with: bin/$target crash-...).
      if ! (cd "$build" && "${norandom[@]}" "bin/$target" -max_total_time="$seconds" -error_exitcode=1 \
              -print_final_stats=1 -max_len=4096 "$corpus" >"$target.log" 2>&1); then
        tail -n 60 "$build/$target.log" >&2
        echo "hardening: $target found a problem (log: $build/$target.log)" >&2
        return 1
      fi
      grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$build/$target.log" | sed "s/^/  $target /"
    }
    targets=(FuzzHttp FuzzInput FuzzSegment) status=0 cores=$(nproc)
    for ((i = 0; i < ${#targets[@]}; i += cores)); do
      pids=()
      for target in "${targets[@]:i:cores}"; do fuzz_one "$target" & pids+=($!); done
      for pid in "${pids[@]}"; do wait "$pid" || status=1; done
    done
    exit $status ;;
  *) echo "run.sh: unknown preset '$preset' (asan, tsan or fuzz)" >&2; exit 2 ;;
esac
cd "$build" && "${norandom[@]}" ctest --output-on-failure -R "^($tests)\$"
