#!/usr/bin/env bash
# The README's "Fan-out" section shows the two handlers of examples/frontend:
# each of its C++ blocks must stand, to the character, in one of the
# example's sources, so that the README cannot drift from code that is
# compiled and tested. Usage: readme_fanout_test.sh SOURCE_DIR
set -euo pipefail
root="$1"
section=$(awk '/^## Fan-out/ { on = 1; next } on && /^## / { exit } on' \
              "$root/README.md")
sources=$(cat "$root"/examples/frontend/*.cc)
blocks=0 failures=0 in_block=0 block=""
while IFS= read -r line; do
  if [[ $in_block -eq 0 && "$line" == '```cpp' ]]; then
    in_block=1 block=""
  elif [[ $in_block -eq 1 && "$line" == '```' ]]; then
    in_block=0 blocks=$((blocks + 1))
    if [[ "$sources" != *"$block"* ]]; then
      echo "FAIL: README C++ block $blocks is not in examples/frontend/*.cc:"
      echo "$block"
      failures=$((failures + 1))
    fi
  elif [[ $in_block -eq 1 ]]; then
    block+="$line"$'\n'
  fi
done <<< "$section"
if [[ $blocks -lt 2 ]]; then
  echo "FAIL: the README's Fan-out section has $blocks C++ block(s), not 2"
  exit 1
fi
[[ $failures -eq 0 ]] || exit 1
echo "README fan-out excerpts: $blocks blocks, all in examples/frontend"
