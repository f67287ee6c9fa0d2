#!/usr/bin/env bash
# kv_server and kv_client as processes, as the demo runs them: a session of
# calls with their exact output and exit codes, then SIGTERM shuts the server
# down gracefully (Server::Shutdown with --grace, which sends the drain
# notice) while a client keeps calling; then the interceptor flags, and TLS
# with a client certificate (certificates made by the openssl command for
# the test). Usage: kv_binaries_test.sh DIR_WITH_BINARIES
set -euo pipefail
bin="$1"
log=$(mktemp)
race_log=$(mktemp)
stop_racing=$(mktemp -u)
pki=$(mktemp -d)
server_pid=""
racer_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null || true
  [[ -n "$racer_pid" ]] && kill -KILL "$racer_pid" 2>/dev/null || true
  rm -f "$log" "$race_log" "$stop_racing"
  rm -rf "$pki"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$log"; exit 1; }

# Starts kv_server with the flags given, its output in $log; sets
# server_pid and address (the one it reports).
# shellcheck source=../support/kv_server_process.sh
source "$(dirname "$0")/../support/kv_server_process.sh"
start_server() { start_kv_server "$bin/kv_server" "$log" "$@"; }
start_server

client() { "$bin/kv_client" --target="$address" --timeout=10s "$@"; }
expect() {  # expect EXIT_CODE EXPECTED_OUTPUT -- ARGS...
  local code="$1" want="$2"; shift 3
  local got rc=0
  got=$(client "$@" 2>&1) || rc=$?
  [[ "$rc" == "$code" ]] || fail "kv_client $*: exit $rc, wanted $code ($got)"
  [[ "$got" == "$want" ]] || fail "kv_client $*: printed '$got', wanted '$want'"
}
expect 0 "created k1" -- put k1 v1
expect 0 "updated k1" -- put k1 v2
expect 0 "v2" -- get k1
expect 0 "created k2" -- put k2 other
expect 0 $'k1 = v2\nk2 = other\n(2 entries)' -- list
expect 0 $'k1 = v2\n(1 entry, more not shown)' -- list --limit=1 k
expect 0 "deleted k1" -- delete k1
expect 1 "kv_client: get 'k1': NOT_FOUND: key 'k1' not found" -- get k1
expect 1 "kv_client: put '': INVALID_ARGUMENT: key must not be empty" -- put "" v
rc=0; client frobnicate > /dev/null 2>&1 || rc=$?
[[ "$rc" == 2 ]] || fail "unknown command: exit $rc, wanted 2"

# Calls racing the shutdown, one kv_client process after another: each one
# either succeeds or, once the server has stopped accepting, fails
# UNAVAILABLE because nothing is there; a call the server took is answered
# (or was never processed and is sent again), never failed another way
# (before the Channel understood the drain notice, a call meeting it failed
# INTERNAL). At most 300 calls, stopping two after the server has gone.
(
  after_stop=0
  for i in $(seq 300); do
    rc=0
    out=$(client put "race$i" v 2>&1) || rc=$?
    echo "$rc $out" >> "$race_log"
    if [[ -e "$stop_racing" ]]; then
      after_stop=$((after_stop + 1))
      [[ $after_stop -ge 2 ]] && break
    fi
  done
) &
racer_pid=$!
for _ in $(seq 100); do  # until a few calls have gone through
  [[ $(grep -c '^0 ' "$race_log" || true) -ge 3 ]] && break
  sleep 0.1
done
[[ $(grep -c '^0 ' "$race_log" || true) -ge 3 ]] ||
  fail "racing calls did not succeed before the shutdown: $(cat "$race_log")"

stop_started=$SECONDS
kill -TERM "$server_pid"
for _ in $(seq 100); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$server_pid" 2>/dev/null && fail "kv_server did not stop on SIGTERM"
wait "$server_pid" || fail "kv_server exited with status $?"
server_pid=""
stop_took=$((SECONDS - stop_started))
grep -q "kv_server: SIGTERM, shutting down" "$log" || fail "no shutdown message"
grep -q "kv_server: stopped" "$log" || fail "no stop message"

touch "$stop_racing"
for _ in $(seq 300); do
  kill -0 "$racer_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$racer_pid" 2>/dev/null && fail "the racing client did not finish"
wait "$racer_pid"
racer_pid=""
bad=$(grep -v -e '^0 created race' -e '^1 kv_client: put .race[0-9]*.: UNAVAILABLE: ' \
        "$race_log" || true)
[[ -z "$bad" ]] || fail "calls racing the shutdown failed otherwise: $bad"
ok_calls=$(grep -c '^0 ' "$race_log" || true)
unavailable=$(grep -c '^1 ' "$race_log" || true)
[[ $unavailable -ge 1 ]] ||
  fail "no racing call came after the server stopped: $(cat "$race_log")"
echo "shutdown took ${stop_took}s; racing calls: $ok_calls succeeded," \
     "$unavailable found no server"

# Unreachable server: UNAVAILABLE, exit 1.
rc=0; "$bin/kv_client" --target="$address" get k2 > /dev/null 2>&1 || rc=$?
[[ "$rc" == 1 ]] || fail "call to a stopped server: exit $rc, wanted 1"
# The example interceptors behind flags: with --require_token only a client
# with --token is served, and --access_log writes a line per call, refused
# ones included, to stderr.
start_server --access_log --require_token=s3cret
expect 0 "created k" -- --token=s3cret put k v
rc=0; got=$(client put k v 2>&1) || rc=$?
[[ "$rc" == 1 && "$got" == *"UNAUTHENTICATED: call of kv.KeyValue/Put from "*"no \"authorization\" metadata" ]] ||
  fail "call without a token: exit $rc, printed '$got'"
rc=0; got=$(client --token=guess get k 2>&1) || rc=$?
[[ "$rc" == 1 && "$got" == *"UNAUTHENTICATED: "*"wrong bearer token" ]] ||
  fail "call with a wrong token: exit $rc, printed '$got'"
grep -Eq '^kv\.KeyValue/Put 127\.0\.0\.1:[0-9]+ OK [0-9.]+(us|ms|s) [0-9]+B [0-9]+B$' "$log" ||
  fail "no access log line for the served call"
[[ $(grep -c ' UNAUTHENTICATED ' "$log" || true) == 2 ]] ||
  fail "the access log does not show both refused calls"
kill -TERM "$server_pid"
wait "$server_pid" || fail "kv_server --require_token exited with status $?"
server_pid=""

# TLS with a client certificate: a CA, a server certificate for 127.0.0.1
# and a client one, made here with the openssl command.
if ! command -v openssl > /dev/null; then
  echo "kv binaries: SKIPPED the TLS checks: no openssl command" \
       "(scripts/install_deps.sh installs it)"
  echo "kv binaries: all other checks passed"
  exit 0
fi
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
              -out "$pki/$1.key" 2>> "$pki/openssl.log"; }
new_key ca
openssl req -x509 -new -key "$pki/ca.key" -subj /CN=kv-test-ca -days 2 \
  -out "$pki/ca.pem" 2>> "$pki/openssl.log" || fail "openssl: no CA"
issue() {  # issue NAME CN SAN
  new_key "$1"
  openssl req -new -key "$pki/$1.key" -subj "/CN=$2" -out "$pki/$1.csr" \
    2>> "$pki/openssl.log" &&
  printf 'subjectAltName=%s\n' "$3" > "$pki/$1.ext" &&
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.pem" \
    2>> "$pki/openssl.log" || fail "openssl: cannot issue $1: $(cat "$pki/openssl.log")"
}
issue server localhost "DNS:localhost,IP:127.0.0.1"
issue client kv-client "DNS:kv-client"
start_server --tls_cert="$pki/server.pem" --tls_key="$pki/server.key" \
  --tls_client_ca="$pki/ca.pem"
tls=(--tls_ca="$pki/ca.pem" --tls_cert="$pki/client.pem" --tls_key="$pki/client.key")
expect 0 "created secret" -- "${tls[@]}" put secret v
expect 0 "v" -- "${tls[@]}" get secret
rc=0; got=$(client get secret 2>&1) || rc=$?
[[ "$rc" == 1 && "$got" == *"UNAVAILABLE: "*"TLS"* ]] ||
  fail "plaintext client of the TLS server: exit $rc, printed '$got'"
rc=0; got=$(client --tls_ca="$pki/ca.pem" get secret 2>&1) || rc=$?
[[ "$rc" == 1 && "$got" == *"UNAVAILABLE: "*"requires a client certificate"* ]] ||
  fail "TLS client without a certificate: exit $rc, printed '$got'"
rc=0; got=$(client "${tls[@]}" --tls_server_name=kv.internal get secret 2>&1) || rc=$?
[[ "$rc" == 1 && "$got" == *"UNAVAILABLE: "*"hostname mismatch"* ]] ||
  fail "TLS client expecting another name: exit $rc, printed '$got'"
kill -TERM "$server_pid"
wait "$server_pid" || fail "kv_server with TLS exited with status $?"
server_pid=""
echo "kv binaries: all checks passed"
