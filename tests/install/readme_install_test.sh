#!/usr/bin/env bash
# Runs the README's "Build and install" commands, exactly as written, in a
# copy of the source tree (no build directories), then checks that
# `cmake --install` rebuilds what a partial build left out.
# Usage: readme_install_test.sh SOURCE_DIR
set -euo pipefail
source_dir="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

commands=$(sed -n '/<!-- readme-install: begin -->/,/<!-- readme-install: end -->/p' \
             "$source_dir/README.md" | sed '/^<!--/d; /^```/d')
if [[ -z "$commands" ]]; then
  echo "readme_install_test: no readme-install block in README.md"; exit 1
fi

mkdir "$work/src"
tar -C "$source_dir" --exclude='./build*' --exclude='./.git' \
    --exclude='./_install' -cf - . | tar -C "$work/src" -xf -
cd "$work/src"
echo "== the README's commands"
echo "$commands"
bash -euo pipefail -c "$commands" > "$work/readme.log" 2>&1 ||
  { tail -n 40 "$work/readme.log"; echo "readme_install_test: a README command failed"; exit 1; }
grep -q "consumer: reply 'installed'" "$work/readme.log" ||
  { tail -n 20 "$work/readme.log"; echo "readme_install_test: no reply line"; exit 1; }

echo "== install after a partial build"
rm build-install/tools/framerpc_cli
cmake --install build-install --prefix "$work/again" > "$work/again.log" 2>&1 ||
  { tail -n 20 "$work/again.log"; exit 1; }
[[ -x "$work/again/bin/framerpc_cli" ]] ||
  { echo "readme_install_test: framerpc_cli not rebuilt and installed"; exit 1; }
echo "readme_install_test: ok"
