// IdleConnections: the idle sockets of the c1_idle10k workload. They are
// opened before the load starts and never written to, so the server holds
// them among its connections (in its poller, or a thread each) while one
// measured client makes its calls; the workload shows what a call pays for
// the connections that are doing nothing.
//
// Owns its sockets. Not thread-safe: used by bench_client's main thread only.
#ifndef FRAMERPC_BENCH_CLIENT_IDLE_CONNECTIONS_H_
#define FRAMERPC_BENCH_CLIENT_IDLE_CONNECTIONS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/unique_fd.h"

namespace framerpc {
namespace bench {

class IdleConnections {
 public:
  // Connects `count` sockets to `target` ("host:port" or "unix:/path"), one
  // after another, and sends nothing on them; then, given the server's pid,
  // waits (up to 60 s) until the server holds that many more descriptors,
  // i.e. has accepted them all. The caller raises RLIMIT_NOFILE first. The
  // first failing connect's status on failure, DEADLINE_EXCEEDED when the
  // server did not accept them in time (the sockets already open are
  // closed).
  static absl::StatusOr<IdleConnections> Open(absl::string_view target,
                                              int count, pid_t server_pid);

  int size() const { return static_cast<int>(fds_.size()); }

  // How many of them the server has closed since Open() (a connection
  // limit's refusal ends with a close); checked without blocking. Such a run
  // did not hold its idle connections open and its figures do not describe
  // the workload.
  int CountClosed() const;

 private:
  std::vector<UniqueFd> fds_;
};

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_IDLE_CONNECTIONS_H_
