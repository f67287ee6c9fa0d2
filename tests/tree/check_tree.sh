#!/usr/bin/env bash
# Checks the shape of the tree that the compiler cannot:
#  1. every #include of framerpc's own folders follows the layering
#     base <- framing <- rpc <- tls, server, client <- tools, bench, with the
#     public headers (include/framerpc/) including nothing internal and the
#     examples using the public API only;
#  2. no file refers to a document outside the repository (the contracts
#     live in docs/api.md and docs/protocol.md).
# Usage: check_tree.sh SOURCE_DIR. Prints every violation; exit 1 if any.
set -euo pipefail
cd "$1"

# Folder -> the project folders its files may include from.
declare -A allowed=(
  [base]="base"
  [framing]="base framing"
  [rpc]="base framing rpc framerpc proto"
  [include/framerpc]="framerpc"
  [server]="base framing rpc framerpc proto server tls"
  [client]="base framing rpc framerpc proto client"
  [tls]="base rpc framerpc tls"
  [codegen]="codegen"
  [tools]="base framing rpc framerpc proto client tools"
  [examples]="framerpc"
)
# The first path component of an include that names one of our folders.
project_folders="base|framing|rpc|framerpc|proto|server|client|tls|codegen|tools|bench|examples|tests"

failures=0
for folder in "${!allowed[@]}"; do
  while IFS= read -r line; do
    file=${line%%:*}
    included=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    if [[ " ${allowed[$folder]} " != *" $included "* ]]; then
      echo "layering: $file includes from $included/ (${folder}/ may include only: ${allowed[$folder]})"
      failures=$((failures + 1))
    fi
  done < <(grep -rHE "^#include \"($project_folders)/" "$folder" \
             --include='*.h' --include='*.cc' || true)
done

# Case-sensitive on purpose: docs/api.md and docs/protocol.md are ours.
outside='API\.md|PROTOCOL\.md|STYLE\.md|\.\./shared'
while IFS= read -r line; do
  echo "outside reference: $line"
  failures=$((failures + 1))
done < <(grep -rnE "$outside" . --exclude-dir=.git --exclude-dir='build*' \
           --exclude='check_tree.sh' --exclude='*.png' --exclude='*.svg' || true)

if [[ $failures -gt 0 ]]; then
  echo "check_tree: $failures violation(s)"
  exit 1
fi
echo "check_tree: layering and references ok"
