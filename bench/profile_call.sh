#!/usr/bin/env bash
# bench/profile_call.sh: per-call costs of one framerpc (or other) system at
# concurrency 1, measured in ways that stay repeatable on a loaded machine:
#   - user-space instructions per call (valgrind --tool=callgrind, counting
#     only inside the server's loop and worker threads and the client's
#     EchoCaller::Call);
#   - syscalls per call, by name (strace -c -f), server and client;
#   - context switches per call of the server's threads (/proc), the thread
#     hops a call costs (0 inline; a loop -> worker -> loop hand-off shows
#     as about 2 voluntary switches per call on the worker and 1-2 on the
#     loop).
#
# Usage: bench/profile_call.sh [--bin DIR] [--system S] [--payload N]
#                              [--seconds S] [--] [server flags...]
#   --bin      directory holding bench_client and the servers
#              (default build-bench/bench)
#   --system   bench_client system (default framerpc); server binary picked
#              from it: framerpc -> bench_framerpc_server, rawpb ->
#              bench_raw_server --protobuf, pollref -> bench_pollref_server
#   server flags after --, e.g. -- --inline
# Prints one line per measure. Needs valgrind and strace.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$repo/build-bench/bench system=framerpc payload=64 seconds=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --system) system=$2; shift 2 ;;
    --payload) payload=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "profile_call.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
server_flags=("$@")
case "$system" in
  framerpc) server=("$bin/bench_framerpc_server")
            server_fns=(--toggle-collect='*EventLoop::Run*'
                        --toggle-collect='*WorkerPool::WorkerMain*') ;;
  rawpb) server=("$bin/bench_raw_server" --protobuf)
         server_fns=(--toggle-collect='*ServeProtobuf*') ;;
  pollref) server=("$bin/bench_pollref_server")
           server_fns=(--toggle-collect='*PollrefLoop::Run*') ;;
  *) echo "profile_call.sh: system $system not supported" >&2; exit 2 ;;
esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/framerpc-profile.XXXXXX")
pid=""
cleanup() { if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

# Starts "$@" as the server (stdin from a pipe we hold), sets pid and addr.
start_server() {
  mkfifo "$tmp/in.$1"; local tag=$1; shift
  "$@" --listen 127.0.0.1:0 < "$tmp/in.$tag" > "$tmp/out.$tag" 2> "$tmp/err.$tag" &
  pid=$!
  exec 8> "$tmp/in.$tag"
  addr=""
  for ((i = 0; i < 300; i++)); do
    addr=$(sed -n '1s/^listening on //p' "$tmp/out.$tag" 2>/dev/null || true)
    [[ -n "$addr" ]] && break
    sleep 0.1
  done
  [[ -n "$addr" ]] || { echo "server did not start: $(cat "$tmp/err.$tag")" >&2; exit 1; }
}
stop_server() { exec 8>&-; kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }
calls_of() { grep -o '"calls":[0-9]*' "$1" | cut -d: -f2; }
client() {  # extra wrapper args..., runs the client, output in $tmp/client.json
  "$@" "$bin/bench_client" --system "$system" --target "$addr" --threads 1 \
    --payload "$payload" --warmup 0.01 --duration "$seconds" > "$tmp/client.json"
}
ir_total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); t = $1 } END { print t }'; }

# 1. Instructions: server under callgrind, then client under callgrind.
start_server cg valgrind -q --tool=callgrind --callgrind-out-file="$tmp/server.cg" \
  "${server_fns[@]}" "${server[@]}" "${server_flags[@]}"
client
calls=$(calls_of "$tmp/client.json"); stop_server
server_ir=$(ir_total "$tmp/server.cg")
start_server cg2 "${server[@]}" "${server_flags[@]}"
client valgrind --tool=callgrind --callgrind-out-file="$tmp/client.cg" \
  --toggle-collect='*Caller::Call*'
ccalls=$(calls_of "$tmp/client.json"); stop_server
client_ir=$(ir_total "$tmp/client.cg")
awk -v s="$server_ir" -v c="$calls" -v ci="$client_ir" -v cc="$ccalls" 'BEGIN {
  printf "instructions/call: server %.0f (%d calls)  client %.0f (%d calls)\n", s/c, c, ci/cc, cc }'

# 2. Syscalls and context switches: both under strace -c -f.
start_server st strace -c -f -o "$tmp/server.strace" "${server[@]}" "${server_flags[@]}"
client strace -c -f -o "$tmp/client.strace"
calls=$(calls_of "$tmp/client.json"); stop_server
for side in server client; do
  awk -v c="$calls" -v side="$side" '
    $1 ~ /^[0-9.]+$/ && NF >= 5 { n = ($NF ~ /^[a-z_0-9]+$/ && $NF != "total") ? $NF : ""; if (n == "") next;
      cnt = $4; if (NF == 5) cnt = $4; calls[n] = cnt; total += cnt }
    END { printf "syscalls/call %s: %.2f  (", side, total / c;
          for (n in calls) if (calls[n] / c >= 0.05) printf " %s %.2f", n, calls[n] / c;
          printf " )\n" }' "$tmp/$side.strace"
done

# 3. Context switches of the server's threads per call (no tracer).
start_server cs "${server[@]}" "${server_flags[@]}"
sum_switches() { cat /proc/"$pid"/task/*/status 2>/dev/null |
  awk '/voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'; }
before=$(sum_switches); client; after=$(sum_switches)
calls=$(calls_of "$tmp/client.json"); stop_server
awk -v b="$before" -v a="$after" -v c="$calls" 'BEGIN {
  printf "server context switches/call: %.2f (%d calls)\n", (a - b) / c, c }'
grep -o '"p50_us":[0-9.]*\|"client_cpu_us_per_call":[0-9.]*\|"server_cpu_us_per_call":[0-9.]*' "$tmp/client.json" | tr '\n' ' '; echo
