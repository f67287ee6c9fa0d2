#!/usr/bin/env bash
# The demo: builds framerpc and its example key-value service, starts
# kv_server on a free loopback port, runs a short kv_client session against
# it, and stops the server. Installs any missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
build_dir=build
cmake -S . -B "$build_dir" -G Ninja > "$build_dir.configure.log" 2>&1 ||
  { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j2 --target kv_server kv_client
bin="$build_dir/examples/kv"

log=$(mktemp)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT

"$bin/kv_server" --listen=127.0.0.1:0 --workers=2 > "$log" 2>&1 &
server_pid=$!
# The server prints "kv_server listening on ADDR" once it serves.
address=""
for _ in $(seq 100); do
  address=$(sed -n 's/^kv_server listening on //p' "$log")
  [[ -n "$address" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
[[ -n "$address" ]] || { echo "demo: kv_server did not start"; cat "$log"; exit 1; }
echo "== kv_server is listening on $address"

run() {
  echo "\$ kv_client$(printf " %q" "$@")"
  "$bin/kv_client" --target="$address" "$@" || echo "(exit status $?)"
}
run put greeting "hello, framerpc"
run put answer 42
run put greeting "hello again"
run get greeting
run list
run delete answer
run get answer
run list --limit=1 g

echo "== stopping kv_server"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""
cat "$log"
