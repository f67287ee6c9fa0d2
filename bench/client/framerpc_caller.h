// Callers for the framerpc system: the generated EchoService::Stub on one
// Channel shared by every thread (calls pipelined on one connection) or, with
// channel_per_thread, a Channel per thread. The stub's reply-pointer form is
// used, so request and reply messages are reused as in the other systems.
#ifndef FRAMERPC_BENCH_CLIENT_FRAMERPC_CALLER_H_
#define FRAMERPC_BENCH_CLIENT_FRAMERPC_CALLER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bench/client/echo_caller.h"

namespace framerpc {
namespace bench {

// Fails INVALID_ARGUMENT for a malformed target. `max_connections` is the
// shared Channel's ChannelOptions::max_connections.
absl::StatusOr<std::unique_ptr<CallerFactory>> NewFramerpcCallerFactory(
    std::string target, bool channel_per_thread, int max_connections);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_FRAMERPC_CALLER_H_
