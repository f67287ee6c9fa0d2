// Callers for the capnp system: Cap'n Proto RPC's EzRpcClient, one client
// (with its own KJ event loop and connection) per load thread, as KJ binds
// an event loop to one thread. The client is made on the load thread at its
// first call and freed there by FinishOnThread(); the request message is
// built afresh for every call, as Cap'n Proto's RPC requires.
#ifndef FRAMERPC_BENCH_CLIENT_CAPNP_CALLER_H_
#define FRAMERPC_BENCH_CLIENT_CAPNP_CALLER_H_

#include <memory>
#include <string>

#include "bench/client/echo_caller.h"

namespace framerpc {
namespace bench {

// Each caller connects to `target` ("host:port" or "unix:/path") on its first
// call, so a server that is not there fails that call, not NewCaller().
std::unique_ptr<CallerFactory> NewCapnpCallerFactory(std::string target);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_CAPNP_CALLER_H_
