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
  // all are in use (brpc's "pooled" connections). The trade: more
  // connections and server-side state, for callers that no longer wait on
  // each other. On a multiplexed connection one caller reads for all and
  // wakes each of the others (a futex wake and a context switch per call);
  // on a connection of its own the kernel wakes the caller directly, which
  // on the 2-CPU machines of docs/performance.md made 8 threads ~1.3x
  // faster. Values below 1 count as 1.
  int max_connections = 1;
};

}  // namespace framerpc

#endif  // FRAMERPC_CHANNEL_OPTIONS_H_
