// Which systems this bench_client was built with, and the CallerFactory for
// each (grpc, capnp, thrift and framerpc only when their libraries were found
// at configure time; see bench/CMakeLists.txt).
#ifndef FRAMERPC_BENCH_CLIENT_CALLER_FACTORY_H_
#define FRAMERPC_BENCH_CLIENT_CALLER_FACTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/client/echo_caller.h"

namespace framerpc {
namespace bench {

// "raw, rawpb, pollref, grpc, capnp, thrift, framerpc", as built.
std::string BuiltSystems();

// The factory for `system` talking to `target`. `channel_per_thread` applies
// to grpc and framerpc (the raw systems always use a connection per
// thread), `max_connections` to framerpc's shared Channel and
// `load_balancing` ("pick_first", "round_robin", "least_loaded") to
// framerpc's Channels. A non-empty `tls_ca` (a PEM file) makes grpc and
// framerpc speak TLS, trusting those CAs. INVALID_ARGUMENT for an unknown
// system or policy, UNIMPLEMENTED for a system this binary was built
// without.
absl::StatusOr<std::unique_ptr<CallerFactory>> MakeCallerFactory(
    absl::string_view system, const std::string& target,
    bool channel_per_thread, int max_connections,
    absl::string_view load_balancing, const std::string& tls_ca);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_CALLER_FACTORY_H_
