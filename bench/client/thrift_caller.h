// Callers for the thrift-nb and thrift-threaded systems: Thrift's generated
// EchoServiceClient over a TSocket, framed transport and the binary
// protocol; one client and connection per load thread (Thrift clients are
// not thread-safe). The request and reply strings are reused from call to
// call.
#ifndef FRAMERPC_BENCH_CLIENT_THRIFT_CALLER_H_
#define FRAMERPC_BENCH_CLIENT_THRIFT_CALLER_H_

#include <memory>
#include <string>

#include "bench/client/echo_caller.h"

namespace framerpc {
namespace bench {

// Each NewCaller() connects to `target` ("host:port"); a Unix address is
// refused with INVALID_ARGUMENT.
std::unique_ptr<CallerFactory> NewThriftCallerFactory(std::string target);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_THRIFT_CALLER_H_
