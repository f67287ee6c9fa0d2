// ChannelOptions: how a Channel connects and what it accepts. A plain value.
#ifndef FRAMERPC_CHANNEL_OPTIONS_H_
#define FRAMERPC_CHANNEL_OPTIONS_H_

#include <cstddef>

#include "absl/time/time.h"

namespace framerpc {

struct ChannelOptions {
  // How long one attempt to connect may take before the call fails
  // UNAVAILABLE (a call's own deadline, if earlier, wins; a call that
  // waits for ready tries again after the backoff instead).
  absl::Duration connect_timeout = absl::Seconds(5);
  // Largest response body accepted; a larger frame fails every call on the
  // connection RESOURCE_EXHAUSTED and closes it. Requests larger than this
  // are refused before sending.
  size_t max_frame_size = size_t{16} << 20;
  // How many connections the Channel may open to its target. With 1 (the
  // default) every call is multiplexed over one connection. With more, a
  // call takes a connection no other call is using, opening one while
  // fewer than this many are open, and shares the least busy one only when
  // all are in use (brpc's "pooled" connections). On a multiplexed
  // connection one caller reads for all and wakes each of the others; on a
  // connection of its own the kernel wakes the caller directly. The trade:
  // more connections, each with server-side state, kept open while idle.
  // Choose about one per thread that calls concurrently when those threads
  // keep the channel busy; keep 1 for occasional or single-threaded
  // callers (measurements: docs/performance.md, "Choosing the options").
  // Values below 1 count as 1.
  int max_connections = 1;
  // Metadata one response may carry: entries on the wire (a repeated key
  // counts each time) and the sum of their key and value sizes, with the
  // server's defaults (ServerOptions). A response over either fails its
  // call RESOURCE_EXHAUSTED, naming its sizes and these limits; other calls
  // and the connection go on. Requests are not checked against them: like
  // gRPC, only the receiver knows its limit, and the server's answer to an
  // over-limit request names its own.
  size_t max_metadata_entries = 64;
  size_t max_metadata_bytes = size_t{16} << 10;
  // How long a call may take when its ClientContext sets neither a timeout
  // nor a deadline (or when it has no context): the call then behaves as if
  // the context had set_timeout(default_timeout). The default waits as
  // long as the connection lives. Must be positive.
  absl::Duration default_timeout = absl::InfiniteDuration();
  // Dead-peer detection (docs/api.md §5.3). After `keepalive_time` without
  // a byte from the server while calls are in flight, the Channel sends a
  // framerpc.Control/Ping; with no byte within `keepalive_timeout` after
  // it, the connection is declared dead and its calls fail UNAVAILABLE
  // (those the server cannot have seen are sent again), deadline or not.
  // A connection with no call in flight is never pinged, so pings never
  // hold an idle connection open against the server's idle timeout. The
  // kernel is told the same on TCP sockets: TCP_USER_TIMEOUT of their sum,
  // and TCP keepalive probes after `keepalive_time` of idleness, dead after
  // one unanswered for `keepalive_timeout` (whole seconds, rounded up).
  // Both must be positive.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
};

}  // namespace framerpc

#endif  // FRAMERPC_CHANNEL_OPTIONS_H_
