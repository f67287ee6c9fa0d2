#!/usr/bin/env bash
# framerpc_cli stats against a real kv_server --metrics
# --metrics_http=127.0.0.1:0: a known mix of calls read back as the table,
# as JSON, and from the HTTP /metrics endpoint; and a server without
# metrics refused with exit 2.
# Usage: cli_stats_test.sh FRAMERPC_CLI KV_SERVER
set -euo pipefail
cli="$1"
kv_server="$2"
log=$(mktemp)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$log"; exit 1; }

# shellcheck source=../support/kv_server_process.sh
source "$(dirname "$0")/../support/kv_server_process.sh"
start_server() { start_kv_server "$kv_server" "$log" "$@"; }
stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""
}
cli() { "$cli" --timeout=20s "$@"; }

# Without --metrics there is nothing to read: bad input, exit 2.
start_server
rc=0; err=$(cli stats "$address" 2>&1 >/dev/null) || rc=$?
[[ "$rc" == 2 ]] || fail "stats without metrics: exit $rc, wanted 2 ($err)"
[[ "$err" == *"serves no metrics"*"EnableMetrics"* ]] ||
  fail "stats without metrics said '$err'"
stop_server

start_server --metrics --metrics_http=127.0.0.1:0
http=$(sed -n 's|^kv_server metrics on http://\(.*\)/metrics$|\1|p' "$log")
[[ -n "$http" ]] || fail "kv_server did not report its metrics address"
for key in a b c; do
  cli call "$address" kv.KeyValue/Put "{\"key\": \"$key\", \"value\": \"djE=\"}" \
    > /dev/null || fail "put $key"
done
cli call "$address" kv.KeyValue/Get '{"key": "a"}' > /dev/null || fail "get a"
for key in x y; do
  rc=0; cli call "$address" kv.KeyValue/Get "{\"key\": \"$key\"}" \
    > /dev/null 2>&1 || rc=$?
  [[ "$rc" == 1 ]] || fail "get $key: exit $rc, wanted 1 (NOT_FOUND)"
done

table=$(cli stats "$address") || fail "stats: exit $?"
header='METHOD  *CALLS  *OK  *ERRORS  *P50  *P99  *RCVD_BYTES  *SENT_BYTES'
[[ $(head -1 <<<"$table") =~ ^$header$ ]] || fail "stats header: '$table'"
grep -Eq '^kv\.KeyValue/Put +3 +3 +- ' <<<"$table" || fail "Put row: '$table'"
grep -Eq '^kv\.KeyValue/Get +3 +1 +NOT_FOUND=2 ' <<<"$table" ||
  fail "Get row: '$table'"
# Delete, List, Health/Check, ... (framerpc_cli's own reflection calls count).
grep -Eq '^\([0-9]+ methods without calls not shown\)$' <<<"$table" ||
  fail "idle methods line: '$table'"
grep -Eq '^connections: 1 open, [0-9]+ accepted$' <<<"$table" ||
  fail "connections line: '$table'"

json=$(cli stats "$address" --json) || fail "stats --json: exit $?"
[[ "$json" == *'"method": "kv.KeyValue/Get"'* && "$json" == *'"code": "NOT_FOUND"'* &&
   "$json" == *'"prometheus_text": "# HELP grpc_server_call_started_total'* ]] ||
  fail "stats --json: '$json'"

# The same counts from the HTTP endpoint, with bash's /dev/tcp.
exec 3<>"/dev/tcp/${http%:*}/${http##*:}"
printf 'GET /metrics HTTP/1.1\r\nHost: %s\r\n\r\n' "$http" >&3
scrape=$(timeout 10 cat <&3) || fail "scrape of $http timed out"
exec 3<&-
[[ "$scrape" == "HTTP/1.1 200 OK"* ]] || fail "scrape: '$scrape'"
grep -q '^grpc_server_call_started_total{grpc_method="kv.KeyValue/Put"} 3' \
  <<<"$scrape" || fail "scrape lacks Put's 3 calls: '$scrape'"
grep -q '^grpc_server_call_duration_seconds_count{grpc_method="kv.KeyValue/Get",grpc_status="NOT_FOUND"} 2' \
  <<<"$scrape" || fail "scrape lacks Get's 2 NOT_FOUND: '$scrape'"
stop_server
echo "cli_stats_test: ok"
