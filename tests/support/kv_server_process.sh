# Sourced by the tests that run kv_server as a process.
# start_kv_server KV_SERVER LOG [FLAGS...]: starts it on 127.0.0.1:0 with two
# workers and FLAGS, its output in LOG, and waits (30 s at most) for the
# address it reports. Sets server_pid and address; calls the sourcing
# script's fail() when no address comes.
start_kv_server() {
  local binary="$1" log="$2"
  shift 2
  "$binary" --listen=127.0.0.1:0 --workers=2 "$@" > "$log" 2>&1 &
  server_pid=$!
  address=""
  for _ in $(seq 300); do
    address=$(sed -n 's/^kv_server listening on //p' "$log")
    [[ -n "$address" ]] && break
    sleep 0.1
  done
  [[ -n "$address" ]] || fail "kv_server $* did not report its address"
}
