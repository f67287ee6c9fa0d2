// Callers for the framerpc system: the generated EchoService::Stub on one
// Channel shared by every thread (calls pipelined on one connection per
// endpoint) or, with channel_per_thread, a Channel per thread. The stub's
// reply-pointer form is used, so request and reply messages are reused as in
// the other systems. The target goes to Channel::Create unchanged, so every
// form of docs/api.md §5.1 works, an address list or a dns: name included.
#ifndef FRAMERPC_BENCH_CLIENT_FRAMERPC_CALLER_H_
#define FRAMERPC_BENCH_CLIENT_FRAMERPC_CALLER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/client/echo_caller.h"
#include "framerpc/channel_options.h"

namespace framerpc {
namespace bench {

// The policy named "pick_first", "round_robin" or "least_loaded"
// (ChannelOptions::load_balancing); INVALID_ARGUMENT for another name.
absl::StatusOr<LoadBalancing> ParseLoadBalancing(absl::string_view name);
// The name ParseLoadBalancing takes for `policy`.
const char* LoadBalancingName(LoadBalancing policy);

// Fails INVALID_ARGUMENT for a malformed target. `max_connections` and
// `load_balancing` go to every Channel's ChannelOptions; a non-empty
// `tls_ca` (a PEM file) turns on ChannelOptions::tls with it.
absl::StatusOr<std::unique_ptr<CallerFactory>> NewFramerpcCallerFactory(
    std::string target, bool channel_per_thread, int max_connections,
    LoadBalancing load_balancing, const std::string& tls_ca);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_FRAMERPC_CALLER_H_
