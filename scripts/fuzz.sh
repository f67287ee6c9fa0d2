#!/usr/bin/env bash
# Builds every libFuzzer target with clang and ASan+UBSan in build-fuzz/ and
# runs each for a bounded time, starting from its seed corpus in
# tests/fuzz/corpus/. A crash fails the script and names the input to add
# to tests/fuzz/regressions/<target>/ (replayed by ctest from then on).
# Exits 0 when every target ran its time without a failure, 1 when any
# target crashed, leaked, timed out or ran out of memory (or a build failed).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"

scripts/install_deps.sh --fuzz
build_dir=build-fuzz
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
      -DFRAMERPC_SANITIZE=address -DFRAMERPC_BUILD_FUZZERS=ON \
      -DFRAMERPC_BUILD_TESTS=OFF -DFRAMERPC_BUILD_EXAMPLES=OFF \
      > "$build_dir.configure.log" 2>&1 ||
  { cat "$build_dir.configure.log"; exit 1; }
# Only the fuzz targets (one per corpus folder), not codegen or examples.
targets=()
for seeds in tests/fuzz/corpus/*/; do targets+=("$(basename "$seeds")"); done
cmake --build "$build_dir" -j2 --target "${targets[@]}"

export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for seeds in tests/fuzz/corpus/*/; do
  name=$(basename "$seeds")
  fuzzer="$build_dir/tests/fuzz/$name"
  [[ -x "$fuzzer" ]] || { echo "fuzz.sh: $fuzzer was not built" >&2; exit 1; }
  work="$build_dir/corpus/$name"
  crashes="$build_dir/crashes/$name"
  mkdir -p "$work" "$crashes"
  echo "== fuzzing $name for ${seconds}s"
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$crashes/" -print_final_stats=1 \
       "$work" "$seeds" > "$build_dir/$name.log" 2>&1; then
    failed=1
    tail -n 60 "$build_dir/$name.log"
    echo "fuzz.sh: $name failed; inputs in $crashes:" >&2
    ls -l "$crashes" >&2
    echo "Copy the input into tests/fuzz/regressions/$name/ and fix the bug." >&2
  else
    # The last status line (coverage, features, corpus, exec/s) and totals;
    # a missing line must not fail the run.
    { grep -E "^#[0-9]+[[:space:]]+DONE" "$build_dir/$name.log" || true
      grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" \
        "$build_dir/$name.log" || true
    } | sed "s/^/   /"
  fi
done
if [[ "$failed" -eq 0 ]]; then
  echo "fuzz.sh: every target ran ${seconds}s without a failure"
fi
exit "$failed"
