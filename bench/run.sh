#!/usr/bin/env bash
# bench/run.sh: builds bench/ and runs every system under every workload, a
# fresh server per cell, then prints one table of medians and the target
# ratios, and writes bench/results/latest.json and the charts
# docs/bench_latency.{png,svg} and docs/bench_throughput.{png,svg}.
#
# Usage: bench/run.sh [--repeat N] [--quick] [--no-build]
#                     [--systems a,b,...] [--workloads a,b,...]
#                     [--duration S] [--warmup S] [--fleet | --fanout]
#   --repeat N     run the whole matrix N times (default 3); medians per cell
#   --quick        smoke run: 0.1 s warm-up, 0.3 s window per cell
#   (the charts go to docs/ only from a full run of every system and
#   workload; a quick or partial run draws them in bench/results/)
#   --no-build     use the binaries already in $BENCH_BUILD_DIR (build-bench/)
#   --systems      subset of: raw raw+pb pollref grpc capnp thrift-nb
#                  thrift-threaded framerpc framerpc-cpt framerpc-unix
#                  framerpc-inline framerpc-pool (-inline: handlers on the
#                  server's loop thread, bench_framerpc_server --inline;
#                  -pool: that server, and the shared Channel with
#                  ChannelOptions::max_connections = 8) framerpc-tls
#                  grpc-tls (TLS with a certificate made for the run by
#                  the openssl command; the report compares what TLS costs
#                  each against its own plaintext) framerpc-metrics
#                  framerpc-icpt (the framerpc server with --metrics, or
#                  with --interceptor: one that does nothing; what those
#                  cost a call)
#   --workloads    subset of: c1_pinned c1 t8 t64 1mib c1_idle10k (c1_pinned
#                  puts client and server on one CPU with taskset;
#                  c1_idle10k is c1 with 10,000 idle connections held open
#                  to the server)
#   --fleet        instead of the matrix, load balancing over replicas
#                  (bench_fleet): three framerpc servers on 127.0.0.1-3, one
#                  sleeping 5 ms per call, one Channel over the three,
#                  round_robin against least_loaded at 8 and 32 threads;
#                  --repeat, --quick, --duration and --warmup apply
#   --fanout       instead of the matrix, a frontend making 4 backend calls
#                  per call (bench_fanout): blocking handlers against
#                  deferred answers at 8 and 64 threads, the frontend's
#                  threads counted; --repeat, --quick, --duration and
#                  --warmup apply
# Environment: BENCH_BUILD_DIR (default build-bench), BENCH_JOBS (build jobs,
# default nproc).
#
# Loopback only. Every server and client is bounded in time; servers also
# exit when this script dies (their stdin is a pipe it holds), and the exit
# trap stops whatever is still running. Exit status: 0 when every cell ran
# cleanly, 1 when some cell failed (the report still shows the rest), 2 on
# a usage or build error.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BENCH_BUILD_DIR:-$repo/build-bench}
results_dir=$repo/bench/results
docs_dir=$repo/docs

all_systems=(raw raw+pb pollref grpc capnp thrift-nb thrift-threaded framerpc
             framerpc-cpt framerpc-unix framerpc-inline framerpc-pool
             framerpc-tls grpc-tls framerpc-metrics framerpc-icpt)
all_workloads=(c1_pinned c1 t8 t64 1mib c1_idle10k)
small_payload=64
idle_connections=10000

repeat=3 quick=0 partial=0 build=1 warmup=0.5 duration=2 fleet=0 fanout=0
systems=("${all_systems[@]}") workloads=("${all_workloads[@]}")

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die_usage() { echo "run.sh: $* (see --help)" >&2; exit 2; }

# Splits a comma list into the named array, checking each item against the
# allowed ones.
pick() {
  local -n out=$1
  local list=$2 allowed=" ${*:3} " item
  out=()
  IFS=, read -ra items <<< "$list"
  for item in "${items[@]}"; do
    [[ "$allowed" == *" $item "* ]] || die_usage "unknown item '$item' (known:$allowed)"
    out+=("$item")
  done
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --repeat) repeat=${2:?}; shift 2
              [[ "$repeat" =~ ^[1-9][0-9]*$ ]] || die_usage "--repeat takes a count" ;;
    --quick) quick=1; warmup=0.1; duration=0.3; shift ;;
    --no-build) build=0; shift ;;
    --systems) pick systems "${2:?}" "${all_systems[@]}"; partial=1; shift 2 ;;
    --workloads) pick workloads "${2:?}" "${all_workloads[@]}"; partial=1; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --fleet) fleet=1; shift ;;
    --fanout) fanout=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done
for n in "$duration" "$warmup"; do
  [[ "$n" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die_usage "durations are seconds, like 2 or 0.5"
done

# ---- build ------------------------------------------------------------------
if [[ $build -eq 1 ]]; then
  # gRPC, Cap'n Proto, Thrift and gnuplot are optional: without them their
  # parts are skipped.
  "$repo/scripts/install_deps.sh" --bench ||
    echo "run.sh: could not install every bench package; going on with what" \
         "is installed" >&2
  mkdir -p "$build_dir"
  if ! cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
       -DFRAMERPC_BUILD_BENCH=ON -DFRAMERPC_BUILD_TESTS=OFF \
       -DFRAMERPC_BUILD_EXAMPLES=OFF > "$build_dir.configure.log" 2>&1; then
    cat "$build_dir.configure.log" >&2
    exit 2
  fi
  grep -E '^-- bench: ' "$build_dir.configure.log" | sed 's/^-- /run.sh: /' || true
  cmake --build "$build_dir" -j"${BENCH_JOBS:-$(nproc)}" || exit 2
fi
bin=$build_dir/bench
# --fleet and --fanout run one tool instead of the matrix, its four cells a
# run (policies or modes, by two thread counts).
single=""
[[ $fleet -eq 1 ]] && single=bench_fleet
[[ $fanout -eq 1 ]] && single=bench_fanout
if [[ -n "$single" ]]; then
  [[ $fleet -eq 1 && $fanout -eq 1 ]] && die_usage "--fleet or --fanout, not both"
  [[ -x "$bin/$single" ]] ||
    { echo "run.sh: $bin/$single missing (framerpc not built?)" >&2; exit 2; }
  # Bounded like a cell: every cell of every run, plus slack.
  limit=$(awk -v w="$warmup" -v d="$duration" -v r="$repeat" \
          'BEGIN { print int(r * 4 * (w + d + 10) + 30) }')
  echo "run.sh: $single, $repeat run(s), warm-up ${warmup} s, window" \
       "${duration} s per cell; $(nproc) CPUs"
  timeout -k 5 "$limit" "$bin/$single" --repeat "$repeat" \
    --warmup "$warmup" --duration "$duration" < /dev/null && exit 0
  exit 1
fi
for tool in bench_client bench_report; do
  [[ -x "$bin/$tool" ]] || { echo "run.sh: $bin/$tool missing; build first" >&2; exit 2; }
done

# ---- processes and cleanup -------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/framerpc-bench.XXXXXX")
server_pid="" client_pid=""

# Stops `pid` (TERM, then KILL after 5 s), reaps it and sets `exit_status`
# (137 when it had to be killed).
stop_process() {
  local pid=$1 i
  exit_status=0
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null && exit_status=0 || exit_status=$?
}

cleanup() {
  stop_process "$client_pid"
  stop_process "$server_pid"
  exec 9>&- 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Servers read this FIFO as stdin; fd 9 keeps it open for writing, so a
# server sees end of file (and exits) once this script is gone.
mkfifo "$tmp/stdin"
exec 9<> "$tmp/stdin"

# The TLS systems' certificate: self-signed for localhost and 127.0.0.1,
# made for this run (nothing secret is kept), trusted by the clients as
# their CA.
tls_server=() tls_client=()
if [[ " ${systems[*]} " == *-tls* ]]; then
  if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
       -nodes -days 2 -subj /CN=localhost \
       -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
       -keyout "$tmp/tls.key" -out "$tmp/tls.pem" > "$tmp/openssl.log" 2>&1; then
    tls_server=(--tls_cert "$tmp/tls.pem" --tls_key "$tmp/tls.key")
    tls_client=(--tls_ca "$tmp/tls.pem")
  else
    echo "run.sh: could not make the TLS systems' certificate:" \
         "$(tail -n 2 "$tmp/openssl.log")" >&2
    exit 2
  fi
fi

# ---- one cell ---------------------------------------------------------------
# The server command for a system: sets `server_cmd` and `listen`.
server_for() {
  listen=127.0.0.1:0
  case "$1" in
    raw) server_cmd=("$bin/bench_raw_server") ;;
    raw+pb) server_cmd=("$bin/bench_raw_server" --protobuf) ;;
    pollref) server_cmd=("$bin/bench_pollref_server") ;;
    grpc) server_cmd=("$bin/bench_grpc_server") ;;
    capnp) server_cmd=("$bin/bench_capnp_server") ;;
    thrift-nb) server_cmd=("$bin/bench_thrift_server" --mode nonblocking) ;;
    thrift-threaded) server_cmd=("$bin/bench_thrift_server" --mode threaded) ;;
    framerpc|framerpc-cpt) server_cmd=("$bin/bench_framerpc_server") ;;
    framerpc-unix) server_cmd=("$bin/bench_framerpc_server")
                   listen=unix:$tmp/framerpc.sock ;;
    framerpc-inline|framerpc-pool)
      server_cmd=("$bin/bench_framerpc_server" --inline) ;;
    framerpc-tls) server_cmd=("$bin/bench_framerpc_server" "${tls_server[@]}") ;;
    grpc-tls) server_cmd=("$bin/bench_grpc_server" "${tls_server[@]}") ;;
    framerpc-metrics) server_cmd=("$bin/bench_framerpc_server" --metrics) ;;
    framerpc-icpt) server_cmd=("$bin/bench_framerpc_server" --interceptor) ;;
  esac
}

# bench_client's --system and extra flags for a system: sets `client_args`.
client_for() {
  case "$1" in
    raw+pb) client_args=(--system rawpb) ;;
    framerpc-cpt) client_args=(--system framerpc --channel_per_thread) ;;
    framerpc-unix|framerpc-inline|framerpc-metrics|framerpc-icpt)
      client_args=(--system framerpc) ;;
    framerpc-pool) client_args=(--system framerpc --max_connections 8) ;;
    framerpc-tls) client_args=(--system framerpc "${tls_client[@]}") ;;
    grpc-tls) client_args=(--system grpc "${tls_client[@]}") ;;
    thrift-*) client_args=(--system thrift) ;;
    *) client_args=(--system "$1") ;;
  esac
}

# Sets `threads`, `payload`, `pin` (the taskset prefix, or nothing), `idle`
# (the idle connections bench_client holds open) and `server_extra` (flags
# the workload needs from the server of `system`).
workload_for() {
  local workload=$1 system=$2
  pin=() threads=1 payload=$small_payload idle=0 server_extra=()
  case "$workload" in
    c1_pinned) pin=(taskset -c "$pin_cpu") ;;
    c1) ;;
    t8) threads=8 ;;
    t64) threads=64 ;;
    1mib) payload=1048576 ;;
    c1_idle10k)
      idle=$idle_connections
      # Beyond ServerOptions::max_connections (1024 by default), framerpc
      # refuses a connection, which would fail the cell.
      [[ "$system" == framerpc* ]] &&
        server_extra=(--max_connections $((idle_connections + 1024))) ;;
  esac
}

json_string() {
  printf '"%s"' "$(printf '%s' "$1" | tr '\n\t' '  ' | tr -d '\000-\037' |
                   sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# Runs one cell and appends its record to $cells. Prints one progress line.
# Returns 1 when the cell did not run cleanly.
run_cell() {
  local system=$1 workload=$2 run=$3 address="" i rc error="" result=""
  server_for "$system"; client_for "$system"; workload_for "$workload" "$system"
  printf '[run %d/%d] %-10s %-15s ' "$run" "$repeat" "$workload" "$system"

  # Emptied here, not only by the child's redirection, which may come too
  # late: the address read below must never be the previous server's.
  : > "$tmp/server.out"
  "${pin[@]}" "${server_cmd[@]}" "${server_extra[@]}" --listen "$listen" \
    < "$tmp/stdin" \
    > "$tmp/server.out" 2> "$tmp/server.err" 9>&- &
  server_pid=$!
  for ((i = 0; i < 100; i++)); do
    address=$(sed -n '1s/^listening on //p' "$tmp/server.out")
    [[ -n "$address" ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done

  if [[ -z "$address" ]]; then
    error="server did not start: $(tail -n 3 "$tmp/server.err")"
  else
    local limit
    # Opening the idle connections, and waiting (up to 60 s) for the server
    # to accept them, comes before the warm-up: a thread-per-connection
    # server starts 10,000 threads first. Allow for it.
    limit=$(awk -v w="$warmup" -v d="$duration" -v i="$idle" \
            'BEGIN { print int(w + d + 40 + i / 100) }')
    "${pin[@]}" timeout -k 5 "$limit" "$bin/bench_client" "${client_args[@]}" \
      --target "$address" --threads "$threads" --payload "$payload" \
      --warmup "$warmup" --duration "$duration" --server_pid "$server_pid" \
      --idle_connections "$idle" \
      > "$tmp/client.out" 2> "$tmp/client.err" 9>&- < /dev/null &
    client_pid=$!
    wait "$client_pid" && rc=0 || rc=$?
    client_pid=""
    result=$(grep -m1 '^{' "$tmp/client.out" || true)
    if [[ $rc -ne 0 ]]; then
      error="bench_client exited with status $rc: $(tail -n 3 "$tmp/client.err")"
    fi
  fi
  stop_process "$server_pid"
  server_pid=""
  if [[ -z "$error" && $exit_status -ne 0 ]]; then
    error="server exited with status $exit_status: $(tail -n 3 "$tmp/server.err")"
  fi

  {
    printf '{"system":%s,"workload":%s,"run":%d' \
      "$(json_string "$system")" "$(json_string "$workload")" "$run"
    [[ -n "$result" ]] && printf ',"result":%s' "$result"
    [[ -n "$error" ]] && printf ',"error":%s' "$(json_string "$error")"
    printf '}\n'
  } >> "$cells"

  if [[ -n "$error" ]]; then
    echo "FAILED: $error"
    return 1
  fi
  local p50 rate
  p50=$(grep -o '"p50_us":[0-9.]*' <<< "$result" | cut -d: -f2)
  rate=$(grep -o '"calls_per_sec":[0-9.]*' <<< "$result" | cut -d: -f2)
  printf 'p50 %8.1f us  %10.0f calls/s\n' "$p50" "$rate"
}

# ---- the matrix -------------------------------------------------------------
# Which systems were built; the others are skipped with a message.
runnable=()
for system in "${systems[@]}"; do
  server_for "$system"
  if [[ "$system" == thrift-nb && -x "${server_cmd[0]}" ]] &&
     ! "${server_cmd[0]}" --list_modes | grep -qx nonblocking; then
    echo "run.sh: skipping $system: ${server_cmd[0]##*/} was built without" \
         "TNonblockingServer (libthriftnb or libevent missing at configure time)"
    continue
  fi
  if [[ -x "${server_cmd[0]}" ]]; then
    runnable+=("$system")
  else
    case "$system" in
      grpc|grpc-tls) why="gRPC C++ was not found at configure time (scripts/install_deps.sh --bench)" ;;
      capnp) why="Cap'n Proto was not found at configure time (scripts/install_deps.sh --bench)" ;;
      thrift-*) why="Thrift C++ was not found at configure time (scripts/install_deps.sh --bench)" ;;
      framerpc*) why="framerpc's server, client or generator is not in this tree yet" ;;
      *) why="not built" ;;
    esac
    echo "run.sh: skipping $system: ${server_cmd[0]##*/} absent ($why)"
  fi
done
[[ ${#runnable[@]} -gt 0 ]] || { echo "run.sh: nothing to run" >&2; exit 2; }
if ! command -v taskset > /dev/null; then
  echo "run.sh: taskset (util-linux) missing; the c1_pinned workload needs it" >&2
  exit 2
fi
# The CPU the pinned workload uses: the first this script may run on (not
# always CPU 0 in a container).
pin_cpu=$(taskset -cp $$ | sed 's/.*: *//; s/[-,].*//')

mkdir -p "$results_dir"
cells=$tmp/cells.jsonl
: > "$cells"
failed=0
echo "run.sh: ${#runnable[@]} systems x ${#workloads[@]} workloads x $repeat runs;" \
     "warm-up ${warmup} s, window ${duration} s per cell; $(nproc) CPUs"
# Workloads inside each run, systems innermost: the cells compared by a
# target run close together in time.
for ((run = 1; run <= repeat; run++)); do
  for workload in "${workloads[@]}"; do
    for system in "${runnable[@]}"; do
      run_cell "$system" "$workload" "$run" || failed=1
    done
  done
done
cp "$cells" "$results_dir/latest.cells.jsonl"

commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git -C "$repo" status --porcelain 2>/dev/null)" ]]; then commit+="+dirty"; fi
mode=full
[[ $quick -eq 1 ]] && mode=quick
host="$(nproc) CPUs, $(uname -sr)"
"$bin/bench_report" --cells "$cells" --json_out "$results_dir/latest.json" \
  --plot_dir "$results_dir" --mode "$mode" --repeat "$repeat" \
  --git_commit "$commit" --host "$host" || exit 2
echo
echo "run.sh: wrote $results_dir/latest.json"

# What a handshake costs, full and resumed, with the TLS systems' certificate.
if [[ ${#tls_server[@]} -gt 0 && -x "$bin/bench_tls_handshake" ]]; then
  handshakes=300
  [[ $quick -eq 1 ]] && handshakes=30
  if line=$(timeout -k 5 120 "$bin/bench_tls_handshake" "${tls_server[@]/--tls_/--}" \
              --count "$handshakes" 2> "$tmp/handshake.err"); then
    echo "run.sh: TLS handshake (both ends on one thread, EC P-256): $line"
    echo "$line" > "$results_dir/latest.tls_handshake.json"
  else
    echo "run.sh: bench_tls_handshake failed: $(tail -n 2 "$tmp/handshake.err")" >&2
    failed=1
  fi
fi

# A smoke or partial run's charts stay out of docs/, which holds the
# published ones (a partial run would also leave some series empty).
charts_dir=$docs_dir
[[ $quick -eq 1 || $partial -eq 1 ]] && charts_dir=$results_dir
if command -v gnuplot > /dev/null; then
  subtitle="$mode run, $repeat run(s), $(date -u +%Y-%m-%d), commit $commit, $host"
  [[ $quick -eq 1 ]] && subtitle="QUICK SMOKE RUN, not a measurement: $subtitle"
  mkdir -p "$charts_dir"
  if gnuplot -e "datadir='$results_dir'; outdir='$charts_dir'; subtitle='$subtitle'" \
       "$repo/bench/plot.gp"; then
    echo "run.sh: wrote $charts_dir/bench_latency.{png,svg}," \
         "$charts_dir/bench_throughput.{png,svg}"
  else
    echo "run.sh: gnuplot failed; charts not written" >&2
    # A partial run may leave a chart with nothing to draw.
    [[ $partial -eq 1 ]] || failed=1
  fi
else
  echo "run.sh: gnuplot not found; charts skipped (scripts/install_deps.sh --bench)"
fi
exit $failed
