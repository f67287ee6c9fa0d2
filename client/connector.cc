#include "client/connector.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/posix_error.h"

namespace framerpc {
namespace internal {
namespace {

// How long a connect to a Unix socket whose accept queue is full waits
// before trying again: doubling from the first to the most.
constexpr absl::Duration kFirstQueueFullBackoff = absl::Milliseconds(1);
constexpr absl::Duration kMaxQueueFullBackoff = absl::Milliseconds(32);

// UNAVAILABLE whatever the errno: to a caller, any failure to reach the
// server means "nobody there" (docs/api.md), ENOENT of a unix path included.
absl::Status ConnectFailure(absl::string_view where, int error_number) {
  return absl::UnavailableError(
      PosixError(absl::StrCat("connect to ", where), error_number).message());
}

// Waits for a non-blocking connect to finish.
absl::Status FinishConnect(int fd, const std::string& where,
                           const Deadline& deadline) {
  while (true) {
    pollfd p{fd, POLLOUT, 0};
    const int n = ::poll(&p, 1, deadline.PollTimeoutMs());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ConnectFailure(where, errno);
    }
    if (n == 0) {
      if (!deadline.Expired()) continue;
      return absl::DeadlineExceededError(
          absl::StrCat("connect to ", where, ": timed out"));
    }
    int error = 0;
    socklen_t length = sizeof(error);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
      return ConnectFailure(where, errno);
    }
    if (error != 0) return ConnectFailure(where, error);
    return absl::OkStatus();
  }
}

absl::StatusOr<UniqueFd> ConnectOne(const ResolvedAddress& target,
                                    const Deadline& deadline) {
  const std::string where = SockaddrToString(
      reinterpret_cast<const sockaddr*>(&target.storage), target.length);
  UniqueFd fd(
      ::socket(target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return absl::UnavailableError(
        PosixError(absl::StrCat("create socket for ", where), errno).message());
  }
  if (target.family() == AF_INET || target.family() == AF_INET6) {
    const int on = 1;
    if (::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) !=
        0) {
      return absl::UnavailableError(
          PosixError(absl::StrCat("set TCP_NODELAY for ", where), errno)
              .message());
    }
  }
  absl::Duration backoff = kFirstQueueFullBackoff;
  while (true) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&target.storage),
                  target.length) == 0) {
      return fd;
    }
    // EINTR: the connect goes on asynchronously, as after EINPROGRESS.
    if (errno == EINPROGRESS || errno == EINTR) break;
    // A Unix socket whose accept queue is full refuses a non-blocking
    // connect with EAGAIN, where TCP would wait: the server is there but
    // busy, so wait for room until the deadline, as TCP's retransmitted
    // SYN would, rather than fail the call.
    if (errno != EAGAIN || target.family() != AF_UNIX) {
      return ConnectFailure(where, errno);
    }
    if (deadline.Expired()) {
      return absl::DeadlineExceededError(
          absl::StrCat("connect to ", where,
                       ": timed out while the server's accept queue was full"));
    }
    absl::SleepFor(std::min(backoff, deadline.Remaining()));
    backoff = std::min(backoff * 2, kMaxQueueFullBackoff);
  }
  absl::Status status = FinishConnect(fd.get(), where, deadline);
  if (!status.ok()) return status;
  return fd;
}

}  // namespace

absl::StatusOr<UniqueFd> Connect(const Address& address,
                                 const Deadline& deadline) {
  absl::StatusOr<std::vector<ResolvedAddress>> resolved = Resolve(address);
  if (!resolved.ok()) return resolved.status();
  return ConnectToFirst(*resolved, deadline);
}

absl::StatusOr<UniqueFd> ConnectToFirst(
    const std::vector<ResolvedAddress>& addresses, const Deadline& deadline) {
  std::vector<std::string> failures;
  for (const ResolvedAddress& target : addresses) {
    absl::StatusOr<UniqueFd> fd = ConnectOne(target, deadline);
    if (fd.ok()) return fd;
    failures.push_back(std::string(fd.status().message()));
    if (fd.status().code() == absl::StatusCode::kDeadlineExceeded) {
      return absl::DeadlineExceededError(absl::StrJoin(failures, "; "));
    }
  }
  return absl::UnavailableError(absl::StrJoin(failures, "; "));
}

}  // namespace internal
}  // namespace framerpc
