#!/usr/bin/env bash
# kv_server and frontend_server as processes, as the README's fan-out demo
# runs them, in both --mode values: framerpc_cli's GetPair answered with
# both values and the request id echoed, a missing key answered NOT_FOUND
# naming the backend and the key, SIGTERM stopping the frontend.
# Usage: frontend_binaries_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
proto="$2/examples/frontend/frontend.proto"
log=$(mktemp)
frontend_log=$(mktemp)
server_pid=""
frontend_pid=""
cleanup() {
  [[ -n "$frontend_pid" ]] && kill -KILL "$frontend_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -f "$log" "$frontend_log"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$log" "$frontend_log"; exit 1; }

# shellcheck source=../support/kv_server_process.sh
source "$(dirname "$0")/../support/kv_server_process.sh"
start_kv_server "$build/examples/kv/kv_server" "$log"
for kv in "a 1" "b 2"; do
  # shellcheck disable=SC2086
  "$build/examples/kv/kv_client" --target="$address" --timeout=10s put $kv \
      > /dev/null || fail "kv_client put $kv"
done

cli() {
  "$build/tools/framerpc_cli" call --timeout=10s --proto="$proto" "$@"
}
for mode in sync async; do
  "$build/examples/frontend/frontend_server" --listen=127.0.0.1:0 \
      --backend="$address" --mode="$mode" --workers=4 > "$frontend_log" 2>&1 &
  frontend_pid=$!
  frontend=""
  for _ in $(seq 300); do
    frontend=$(sed -n "s/^frontend_server ($mode) listening on \([^,]*\),.*/\1/p" \
                   "$frontend_log")
    [[ -n "$frontend" ]] && break
    sleep 0.1
  done
  [[ -n "$frontend" ]] || fail "frontend_server --mode=$mode reported no address"

  got=$(cli -v -H request-id:demo-1 "$frontend" frontend.Frontend/GetPair \
            '{"key_a": "a", "key_b": "b"}') || fail "$mode: GetPair failed: $got"
  for want in 'request-id: demo-1' '"value_a": "MQ=="' '"value_b": "Mg=="'; do
    [[ "$got" == *"$want"* ]] || fail "$mode: GetPair printed '$got', not '$want'"
  done

  rc=0
  got=$(cli "$frontend" frontend.Frontend/GetPair \
            '{"key_a": "a", "key_b": "zz"}' 2>&1) || rc=$?
  want="ERROR: NOT_FOUND: kv Get of key 'zz' from backend $address: key 'zz' not found"
  [[ "$rc" == 1 && "$got" == "$want" ]] ||
    fail "$mode: missing key: exit $rc, printed '$got', wanted '$want'"

  kill -TERM "$frontend_pid"
  wait "$frontend_pid" || fail "$mode: frontend_server exited $? on SIGTERM"
  frontend_pid=""
  grep -q '^frontend_server: stopped$' "$frontend_log" ||
    fail "$mode: frontend_server did not stop gracefully"
  echo "frontend_server --mode=$mode: all checks passed"
done
kill -TERM "$server_pid"
wait "$server_pid" || fail "kv_server exited $? on SIGTERM"
server_pid=""
