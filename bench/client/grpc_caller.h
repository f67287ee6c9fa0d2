// Callers for the grpc system: gRPC's generated synchronous stub, one shared
// channel for every thread (one HTTP/2 connection) or, with
// channel_per_thread, a channel and connection per thread. Request and reply
// messages are reused from call to call; the ClientContext cannot be.
#ifndef FRAMERPC_BENCH_CLIENT_GRPC_CALLER_H_
#define FRAMERPC_BENCH_CLIENT_GRPC_CALLER_H_

#include <memory>
#include <string>

#include "bench/client/echo_caller.h"

namespace framerpc {
namespace bench {

// A non-empty `tls_ca` (a PEM file, read once here) makes every channel
// speak TLS, trusting those CAs.
std::unique_ptr<CallerFactory> NewGrpcCallerFactory(std::string target,
                                                    bool channel_per_thread,
                                                    const std::string& tls_ca);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_GRPC_CALLER_H_
