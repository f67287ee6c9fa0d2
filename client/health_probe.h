// AskServing: one framerpc.health.Health/Check call for the whole server
// (service ""), on a given connection, for a Channel that watches its
// endpoints' health (ChannelOptions::health_check).
//
// Stateless; thread-safe as ClientConnection::Call is.
#ifndef FRAMERPC_CLIENT_HEALTH_PROBE_H_
#define FRAMERPC_CLIENT_HEALTH_PROBE_H_

#include "absl/status/statusor.h"
#include "client/client_connection.h"
#include "client/deadline.h"

namespace framerpc {
namespace internal {

// True when the server answers SERVING, false for any other answer
// (NOT_SERVING, UNKNOWN, ...). A server without the health service
// (UNIMPLEMENTED) counts as serving, as gRPC's clients count it: health
// checking was asked of the channel, not promised by every server. Other
// failures (the connection broke, `deadline` passed) are returned.
absl::StatusOr<bool> AskServing(ClientConnection& connection,
                                const Deadline& deadline);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_HEALTH_PROBE_H_
