// The one mapping between absl::Status and the (code, message) pair a
// Response carries (PROTOCOL.md): codes are absl::StatusCode, which uses
// gRPC's numbers. Stateless functions; thread-safe.
#ifndef FRAMERPC_RPC_STATUS_MAPPING_H_
#define FRAMERPC_RPC_STATUS_MAPPING_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "proto/wire.pb.h"

namespace framerpc {

// Writes `status`'s code and message into `response` (message only when not
// OK, as the protocol says; escaped if it is not valid UTF-8).
void StatusToWire(const absl::Status& status, wire::Response* response);

// The status a caller sees for a wire (code, message). A code outside
// absl's range (a newer or broken peer) becomes UNKNOWN with the number
// kept in the message, so it is never mistaken for success.
absl::Status StatusFromWire(int32_t code, absl::string_view message);

}  // namespace framerpc

#endif  // FRAMERPC_RPC_STATUS_MAPPING_H_
