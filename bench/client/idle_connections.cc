// The idle sockets of the c1_idle10k workload; see idle_connections.h.
#include "bench/client/idle_connections.h"

#include <poll.h>  // POLLRDHUP needs _GNU_SOURCE, which g++ defines

#include "absl/strings/str_cat.h"
#include "bench/common/sockets.h"

namespace framerpc {
namespace bench {

absl::StatusOr<IdleConnections> IdleConnections::Open(absl::string_view target,
                                                      int count) {
  IdleConnections idle;
  idle.fds_.reserve(count);
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<UniqueFd> fd = ConnectTo(target);
    if (!fd.ok()) {
      return absl::Status(fd.status().code(),
                          absl::StrCat("idle connection ", i + 1, " of ", count,
                                       ": ", fd.status().message()));
    }
    idle.fds_.push_back(*std::move(fd));
  }
  return idle;
}

int IdleConnections::CountClosed() const {
  std::vector<pollfd> fds;
  fds.reserve(fds_.size());
  // Data alone is no sign: a gRPC server greets every connection with its
  // HTTP/2 settings. A close (a refusal's last act, too) is.
  for (const UniqueFd& fd : fds_) fds.push_back({fd.get(), POLLRDHUP, 0});
  int closed = 0;
  if (::poll(fds.data(), fds.size(), 0) <= 0) return 0;
  for (const pollfd& p : fds) {
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) ++closed;
  }
  return closed;
}

}  // namespace bench
}  // namespace framerpc
