// The idle sockets of the c1_idle10k workload; see idle_connections.h.
#include "bench/client/idle_connections.h"

#include <poll.h>  // POLLRDHUP needs _GNU_SOURCE, which g++ defines

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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
  // A Unix socket refuses a non-blocking connect (EAGAIN) while its accept
  // queue is full, and framerpc's Channel connects so: its first call would
  // fail. (A TCP connect waits for its SYN's retry instead.) So wait until
  // one gets through: the server then has room, and only makes more, as
  // nothing else connects meanwhile.
  if (absl::StartsWith(target, "unix:")) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (true) {
      absl::StatusOr<UniqueFd> probe = ConnectTo(target, /*non_blocking=*/true);
      if (probe.ok()) break;
      if (!absl::IsUnavailable(probe.status()) || absl::Now() > deadline) {
        return probe.status();
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
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
