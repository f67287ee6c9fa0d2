#!/usr/bin/env bash
# Installs this build of framerpc into a temporary prefix, checks that only
# the public headers were installed, then configures, builds and runs
# tests/install/consumer against the installed tree only.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir="$1"
source_dir="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"

# Exactly the headers of include/framerpc/, and no other header anywhere.
expected=$(cd "$source_dir/include" && find framerpc -name '*.h' | sort)
installed=$(cd "$work/prefix/include" && find . -name '*.h' | sed 's#^\./##' | sort)
if [[ "$installed" != "$expected" ]]; then
  echo "install_test: installed headers differ from include/framerpc/:"
  diff <(echo "$expected") <(echo "$installed") || true
  exit 1
fi
if [[ -n $(find "$work/prefix" -name '*.h' -not -path "$work/prefix/include/framerpc/*") ]]; then
  echo "install_test: headers installed outside include/framerpc/"; exit 1
fi
for internal in server/server_core.h framing/buffer.h proto/wire.pb.h; do
  if [[ -e "$work/prefix/include/framerpc/$internal" ||
        -e "$work/prefix/include/$internal" ]]; then
    echo "install_test: internal header $internal was installed"; exit 1
  fi
done

# The consumer must not see the source tree: copy it out. Of framerpc it
# includes only "framerpc/..." headers.
cp -r "$source_dir/tests/install/consumer" "$work/consumer"
if grep -rhoE '#include "[a-z_]+/' "$work/consumer" | sort -u |
     grep -vE '"(framerpc|absl|server|client)/'; then
  echo "install_test: the consumer includes a header outside framerpc/"; exit 1
fi
cmake -S "$work/consumer" -B "$work/build" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release
cmake --build "$work/build" -j2
"$work/build/consumer"
