// ChannelOptions: how a Channel connects and what it accepts. A plain value.
#ifndef FRAMERPC_CHANNEL_OPTIONS_H_
#define FRAMERPC_CHANNEL_OPTIONS_H_

#include <cstddef>

#include "absl/time/time.h"

namespace framerpc {

struct ChannelOptions {
  // How long one attempt to connect may take before the call fails
  // UNAVAILABLE (a call's own deadline, if earlier, wins).
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
};

}  // namespace framerpc

#endif  // FRAMERPC_CHANNEL_OPTIONS_H_
