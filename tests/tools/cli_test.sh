#!/usr/bin/env bash
# framerpc_cli as a process against a real kv_server (which enables
# reflection and health): list, describe, call with JSON and text, request
# from stdin, --proto without reflection, and each failure with its exit code
# and message.
# Usage: cli_test.sh FRAMERPC_CLI KV_SERVER KV_PROTO
set -euo pipefail
cli="$1"
kv_server="$2"
kv_proto="$3"
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
start_kv_server "$kv_server" "$log"

# expect EXIT_CODE EXPECTED_STDOUT EXPECTED_STDERR_SUBSTRING -- ARGS...
# (stdin comes from $stdin when set)
stdin=""
expect() {
  local code="$1" want_out="$2" want_err="$3"; shift 4
  local out err rc=0 errfile
  errfile=$(mktemp)
  out=$(printf '%s' "$stdin" | "$cli" --timeout=20s "$@" 2>"$errfile") || rc=$?
  err=$(cat "$errfile"); rm -f "$errfile"
  [[ "$rc" == "$code" ]] || fail "framerpc_cli $*: exit $rc, wanted $code (stdout '$out', stderr '$err')"
  [[ "$out" == "$want_out" ]] || fail "framerpc_cli $*: printed '$out', wanted '$want_out'"
  [[ "$err" == *"$want_err"* ]] || fail "framerpc_cli $*: stderr '$err' lacks '$want_err'"
}

# list and describe, by reflection.
expect 0 $'framerpc.health.Health\nframerpc.reflection.Reflection\nkv.KeyValue' "" \
  -- list "$address"
expect 0 $'kv.KeyValue/Delete\nkv.KeyValue/Get\nkv.KeyValue/List\nkv.KeyValue/Put' "" \
  -- list "$address" kv.KeyValue
# With kv.proto's comments, which reflection serves from kv.framerpc.cc.
expect 0 'kv.KeyValue is a service:
// Keys are non-empty strings of at most 1 KiB; values at most 1 MiB.
service KeyValue {
  // Stores a value, replacing any earlier one.
  rpc Put(.kv.PutRequest) returns (.kv.PutReply);
  // The value of a key; NOT_FOUND when absent.
  rpc Get(.kv.GetRequest) returns (.kv.GetReply);
  // Removes a key; NOT_FOUND when absent.
  rpc Delete(.kv.DeleteRequest) returns (.kv.DeleteReply);
  // Keys with a prefix, in order, up to a limit.
  rpc List(.kv.ListRequest) returns (.kv.ListReply);
}' "" -- describe "$address" kv.KeyValue
expect 0 'kv.ListRequest is a message:
message ListRequest {
  // Only keys starting with this; empty lists every key.
  string prefix = 1;
  // At most this many entries; 0 means the default (100), 1000 at most.
  uint32 limit = 2;
}' "" -- describe "$address" kv.ListRequest
expect 0 'kv.KeyValue/Get is a method:
// The value of a key; NOT_FOUND when absent.
rpc Get(.kv.GetRequest) returns (.kv.GetReply);

message GetRequest {
  string key = 1;
}

message GetReply {
  bytes value = 1;
}' "" -- describe "$address" kv.KeyValue/Get
expect 0 'kv.Entry is a message:
message Entry {
  string key = 1;
  bytes value = 2;
}' "" -- describe "$address" kv.Entry
expect 2 "" "framerpc_cli: unknown service or symbol 'kv.Nope'" \
  -- describe "$address" kv.Nope
expect 2 "" "framerpc_cli: unknown service 'kv.Nope'" \
  -- list "$address" kv.Nope

# call: JSON in and out (bytes are base64: "djE=" is "v1").
expect 0 $'{\n "created": true\n}' "" \
  -- call "$address" kv.KeyValue/Put '{"key": "k1", "value": "djE="}'
expect 0 $'{\n "value": "djE="\n}' "" \
  -- call "$address" kv.KeyValue/Get '{"key": "k1"}'
expect 0 $'{\n "value": "djE="\n}' "" \
  -- call "$address" kv.KeyValue.Get -d '{"key": "k1"}' -H x-trace:abc
expect 0 $'{\n "entries": [\n  {\n   "key": "k1",\n   "value": "djE="\n  }\n ]\n}' "" \
  -- call "$address" kv.KeyValue/List
expect 0 'value: "v1"' "" \
  -- call "$address" kv.KeyValue/Get --format text 'key: "k1"'
# -v: the response metadata first (kv_server sends none).
expect 0 $'Response metadata:\n(empty)\n\nResponse contents:\n{\n "value": "djE="\n}' "" \
  -- call -v "$address" kv.KeyValue/Get '{"key": "k1"}'
stdin='{"key": "k1"}'
expect 0 $'{\n "value": "djE="\n}' "" -- call "$address" kv.KeyValue/Get -d @
stdin=""
expect 0 $'{\n "status": "SERVING"\n}' "" \
  -- call "$address" framerpc.health.Health/Check '{"service": "kv.KeyValue"}'
expect 0 $'{\n "status": "UNKNOWN_SERVICE"\n}' "" \
  -- call "$address" framerpc.health.Health/Check '{"service": "kv.Nope"}'

# The schema from --proto instead of reflection.
expect 0 "kv.KeyValue" "" -- list "$address" --proto "$kv_proto"
expect 0 $'{\n "value": "djE="\n}' "" \
  -- call "$address" kv.KeyValue/Get --proto "$kv_proto" '{"key": "k1"}'

# Failures: the server's status, bad input, unknown names.
expect 1 "" "ERROR: NOT_FOUND: key 'k2' not found" \
  -- call "$address" kv.KeyValue/Get '{"key": "k2"}'
expect 1 "" "ERROR: INVALID_ARGUMENT: key must not be empty" \
  -- call "$address" kv.KeyValue/Put '{}'
expect 2 "" "framerpc_cli: the request is not valid JSON for kv.GetRequest: Unexpected" \
  -- call "$address" kv.KeyValue/Get '{"key": }'
expect 2 "" "framerpc_cli: the request is not valid JSON for kv.GetRequest: kee: Cannot find field" \
  -- call "$address" kv.KeyValue/Get '{"kee": "k1"}'
expect 2 "" "not valid text format for kv.GetRequest: line 1 column 4: " \
  -- call "$address" kv.KeyValue/Get --format text 'kee: "k1"'
expect 2 "" "framerpc_cli: unknown method 'kv.KeyValue/Nope': service kv.KeyValue has methods Put, Get, Delete, List" \
  -- call "$address" kv.KeyValue/Nope
expect 2 "" "framerpc_cli: unknown service or symbol 'kv.Nope'" \
  -- call "$address" kv.Nope/Get
expect 2 "" "framerpc_cli: unknown service 'kv.Nope'" \
  -- call "$address" kv.Nope/Get --proto "$kv_proto"
expect 2 "" "framerpc_cli: --proto /no/such.proto" \
  -- call "$address" kv.KeyValue/Get --proto /no/such.proto
expect 2 "" "framerpc_cli: unknown command 'frob'" -- frob "$address"
expect 2 "" "framerpc_cli: 'KeyValue' is not a method name" \
  -- call "$address" KeyValue
expect 1 "" "ERROR: DEADLINE_EXCEEDED" \
  -- call "$address" kv.KeyValue/Get '{"key": "k1"}' --timeout=1ns
"$cli" --help | grep -q "^Exit codes:" || fail "--help has no exit codes"

# Unreachable: exit 3, naming the address.
kill -TERM "$server_pid"
wait "$server_pid" || fail "kv_server exited with status $?"
server_pid=""
expect 3 "" "ERROR: UNAVAILABLE: " -- call "$address" kv.KeyValue/Get '{}'
expect 3 "" "framerpc_cli: cannot reach a server at $address" -- list "$address"
echo "framerpc_cli: all checks passed"
