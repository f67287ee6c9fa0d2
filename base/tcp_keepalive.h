// The kernel's half of dead-peer detection on a connected TCP socket, set
// by both sides so that the kernel agrees with framerpc on when a peer is
// gone: the Channel on the sockets it connects (ChannelOptions::
// keepalive_time and keepalive_timeout, matched to its own pings), the
// Server on the sockets it accepts (ServerOptions::keepalive_time and
// keepalive_timeout); docs/api.md §4 and §5.3.
//
// - TCP_USER_TIMEOUT = keepalive_time + keepalive_timeout (in ms): sent
//   data unacknowledged for that long resets the connection, so a request
//   (or a response) written to a vanished host fails in the same time as a
//   ping would.
// - SO_KEEPALIVE with TCP_KEEPIDLE = keepalive_time, TCP_KEEPINTVL =
//   keepalive_timeout (whole seconds, rounded up, at least 1) and
//   TCP_KEEPCNT = 1: an idle connection to a vanished host is reset after
//   about keepalive_time + keepalive_timeout. On the client the next call
//   then fails over to a new connection before sending (docs/api.md §5.3)
//   instead of waiting on a dead one; on the server the connection is
//   closed and its running handlers see ServerContext::IsCancelled().
//   Kernel probes carry no framerpc bytes, so they keep middleboxes' state
//   alive but never the server's idle timeout.
//
// Stateless; thread-safe.
#ifndef FRAMERPC_BASE_TCP_KEEPALIVE_H_
#define FRAMERPC_BASE_TCP_KEEPALIVE_H_

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace framerpc {
namespace internal {

// Sets the options above on the connected TCP socket `fd`. On failure,
// UNAVAILABLE naming the option and the system's reason; some options may
// then be set already.
absl::Status SetTcpKeepalive(int fd, absl::Duration keepalive_time,
                             absl::Duration keepalive_timeout);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_BASE_TCP_KEEPALIVE_H_
