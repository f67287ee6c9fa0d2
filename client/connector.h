// Opening the client's socket. Connect() resolves an Address and
// (like ConnectToFirst, for addresses resolved elsewhere) tries each of its
// socket addresses in turn with a non-blocking connect
// bounded by a deadline, and returns the first that connects: non-blocking,
// close-on-exec, with TCP_NODELAY for TCP (a call is one small write that
// must not wait for Nagle).
//
// Stateless; thread-safe. The returned descriptor is the caller's to own.
#ifndef FRAMERPC_CLIENT_CONNECTOR_H_
#define FRAMERPC_CLIENT_CONNECTOR_H_

#include <vector>

#include "absl/status/statusor.h"
#include "base/unique_fd.h"
#include "client/deadline.h"
#include "rpc/address.h"

namespace framerpc {
namespace internal {

// On failure: UNAVAILABLE naming each address tried and the system's reason,
// e.g. "connect to 127.0.0.1:5: Connection refused" (several joined by
// "; "), or the resolver's UNAVAILABLE; DEADLINE_EXCEEDED when `deadline`
// passes first, its message ending "connect to 127.0.0.1:5: timed out"
// after the failures of the addresses tried before.
absl::StatusOr<UniqueFd> Connect(const Address& address,
                                 const Deadline& deadline);

// The same for addresses already resolved, tried in the given order.
// REQUIRES: `addresses` is not empty.
absl::StatusOr<UniqueFd> ConnectToFirst(
    const std::vector<ResolvedAddress>& addresses, const Deadline& deadline);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CONNECTOR_H_
