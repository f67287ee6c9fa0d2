// The version 2 control methods (docs/protocol.md, section 7): requests a
// server answers itself, on its loop thread, without a worker or a handler.
// Their names are shared by the server, which answers them, and the client,
// which sends them; CancelRequest, Cancel's payload, is in proto/wire.proto.
//
// Constants only; thread-safe.
#ifndef FRAMERPC_RPC_CONTROL_METHODS_H_
#define FRAMERPC_RPC_CONTROL_METHODS_H_

#include "absl/strings/string_view.h"

namespace framerpc {

// Empty payload; answered OK with no payload. Proves the peer alive.
inline constexpr absl::string_view kPingMethod = "framerpc.Control/Ping";
// Payload a framerpc.wire.CancelRequest naming a call of the same
// connection; answered OK whether or not that call is still in flight.
inline constexpr absl::string_view kCancelMethod = "framerpc.Control/Cancel";

}  // namespace framerpc

#endif  // FRAMERPC_RPC_CONTROL_METHODS_H_
