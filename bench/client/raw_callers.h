// Callers for bench's own systems, one blocking connection per thread:
//   raw:              the request frame's body is the payload itself;
//   raw+pb (pollref): the body is a serialized EchoRequest, the reply an
//                     EchoReply, both messages reused from call to call.
#ifndef FRAMERPC_BENCH_CLIENT_RAW_CALLERS_H_
#define FRAMERPC_BENCH_CLIENT_RAW_CALLERS_H_

#include <memory>
#include <string>

#include "bench/client/echo_caller.h"

namespace framerpc {
namespace bench {

// Each NewCaller() connects to `target` ("host:port" or "unix:/path").
std::unique_ptr<CallerFactory> NewRawCallerFactory(std::string target,
                                                   bool protobuf);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_RAW_CALLERS_H_
