#include "bench/client/caller_factory.h"

#include "absl/strings/str_cat.h"
#include "bench/client/raw_callers.h"
#ifdef FRAMERPC_BENCH_HAVE_GRPC
#include "bench/client/grpc_caller.h"
#endif
#ifdef FRAMERPC_BENCH_HAVE_CAPNP
#include "bench/client/capnp_caller.h"
#endif
#ifdef FRAMERPC_BENCH_HAVE_THRIFT
#include "bench/client/thrift_caller.h"
#endif
#ifdef FRAMERPC_BENCH_HAVE_FRAMERPC
#include "bench/client/framerpc_caller.h"
#endif

namespace framerpc {
namespace bench {

std::string BuiltSystems() {
  std::string systems = "raw, rawpb, pollref";
#ifdef FRAMERPC_BENCH_HAVE_GRPC
  absl::StrAppend(&systems, ", grpc");
#endif
#ifdef FRAMERPC_BENCH_HAVE_CAPNP
  absl::StrAppend(&systems, ", capnp");
#endif
#ifdef FRAMERPC_BENCH_HAVE_THRIFT
  absl::StrAppend(&systems, ", thrift");
#endif
#ifdef FRAMERPC_BENCH_HAVE_FRAMERPC
  absl::StrAppend(&systems, ", framerpc");
#endif
  return systems;
}

absl::StatusOr<std::unique_ptr<CallerFactory>> MakeCallerFactory(
    absl::string_view system, const std::string& target,
    bool channel_per_thread, int max_connections,
    absl::string_view load_balancing, const std::string& tls_ca) {
  // Unused without grpc and framerpc.
  static_cast<void>(channel_per_thread);
  static_cast<void>(max_connections);
  static_cast<void>(load_balancing);
  static_cast<void>(tls_ca);
  if (system == "raw") return NewRawCallerFactory(target, /*protobuf=*/false);
  // pollref speaks raw+pb's protocol.
  if (system == "rawpb" || system == "pollref") {
    return NewRawCallerFactory(target, /*protobuf=*/true);
  }
  if (system == "grpc") {
#ifdef FRAMERPC_BENCH_HAVE_GRPC
    return NewGrpcCallerFactory(target, channel_per_thread, tls_ca);
#else
    return absl::UnimplementedError(
        "this bench_client was built without gRPC (not found at configure "
        "time)");
#endif
  }
  if (system == "capnp") {
#ifdef FRAMERPC_BENCH_HAVE_CAPNP
    return NewCapnpCallerFactory(target);
#else
    return absl::UnimplementedError(
        "this bench_client was built without Cap'n Proto (not found at "
        "configure time)");
#endif
  }
  // thrift-nb and thrift-threaded differ only in the server.
  if (system == "thrift") {
#ifdef FRAMERPC_BENCH_HAVE_THRIFT
    return NewThriftCallerFactory(target);
#else
    return absl::UnimplementedError(
        "this bench_client was built without Thrift (not found at configure "
        "time)");
#endif
  }
  if (system == "framerpc") {
#ifdef FRAMERPC_BENCH_HAVE_FRAMERPC
    absl::StatusOr<LoadBalancing> policy = ParseLoadBalancing(load_balancing);
    if (!policy.ok()) return policy.status();
    return NewFramerpcCallerFactory(target, channel_per_thread, max_connections,
                                    *policy, tls_ca);
#else
    return absl::UnimplementedError(
        "this bench_client was built without framerpc's server, client and "
        "generator (not in the tree at configure time)");
#endif
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown system '", system, "' (built: ", BuiltSystems(), ")"));
}

}  // namespace bench
}  // namespace framerpc
