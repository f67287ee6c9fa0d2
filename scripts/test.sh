#!/usr/bin/env bash
# Builds framerpc and runs its whole test suite with ctest. Installs any
# missing Debian packages first. Usage:
#   scripts/test.sh                      # normal build in build/
#   scripts/test.sh --sanitize address   # ASan+UBSan build in build-asan/
#   scripts/test.sh --sanitize thread    # TSan build in build-tsan/
#   scripts/test.sh --bench              # also build bench/ (what CI does)
# Extra arguments after -- go to ctest (e.g. -- -R Channel); without them,
# ctest runs everything but the long soak (-LE soak). The soak alone, with
# its figures: scripts/test.sh -- -L soak -V
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=""
bench=OFF
deps_args=()
ctest_args=(-LE soak)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sanitize) sanitize="${2:?--sanitize needs address or thread}"; shift 2 ;;
    --bench) bench=ON; deps_args=(--bench); shift ;;
    --) shift; ctest_args=("$@"); break ;;
    *) echo "test.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

scripts/install_deps.sh "${deps_args[@]}"

case "$sanitize" in
  "") build_dir=build ;;
  address) build_dir=build-asan ;;
  thread) build_dir=build-tsan ;;
  *) echo "test.sh: --sanitize takes 'address' or 'thread', not '$sanitize'" >&2
     exit 2 ;;
esac

cmake -S . -B "$build_dir" -G Ninja -DFRAMERPC_WERROR=ON \
      -DFRAMERPC_SANITIZE="$sanitize" -DFRAMERPC_BUILD_BENCH="$bench" \
      > "$build_dir.configure.log" 2>&1 ||
  { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
(cd "$build_dir" && ctest -j2 --output-on-failure "${ctest_args[@]}")
