#!/usr/bin/env bash
# Installs this build of framerpc into a temporary prefix, then configures,
# builds and runs tests/install/consumer against the installed tree only.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir="$1"
source_dir="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
# The consumer must not see the source tree: copy it out.
cp -r "$source_dir/tests/install/consumer" "$work/consumer"
cmake -S "$work/consumer" -B "$work/build" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release
cmake --build "$work/build" -j2
"$work/build/consumer"
