// Sockets for bench's own systems (raw, raw+pb, pollref and their clients):
// listen on and connect to framerpc's address forms, "host:port" or
// "unix:/path". Every TCP connection gets TCP_NODELAY, as framerpc's and
// gRPC's do, so no system pays Nagle's delay.
//
// Plain functions; thread-safe.
#ifndef FRAMERPC_BENCH_COMMON_SOCKETS_H_
#define FRAMERPC_BENCH_COMMON_SOCKETS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/unique_fd.h"

namespace framerpc {
namespace bench {

struct Listener {
  UniqueFd fd;
  // What a client connects to: "127.0.0.1:41234" (port 0 resolved) or
  // "unix:/path".
  std::string address;
};

// Binds and listens (blocking socket). A stale Unix socket file is removed
// first. Errors name the address and the failing call.
absl::StatusOr<Listener> ListenOn(absl::string_view address);

// Connects a blocking socket to `address`.
absl::StatusOr<UniqueFd> ConnectTo(absl::string_view address);

// Accepts one connection (blocking unless `listen_fd` is non-blocking;
// retries EINTR). The errno's status on failure (EAGAIN included).
absl::StatusOr<UniqueFd> AcceptConnection(int listen_fd);

// TCP_NODELAY on a TCP socket; nothing for a Unix one.
absl::Status SetNoDelayIfTcp(int fd);

absl::Status SetNonBlocking(int fd);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_COMMON_SOCKETS_H_
