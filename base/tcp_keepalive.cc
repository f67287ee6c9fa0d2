#include "base/tcp_keepalive.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "base/posix_error.h"

namespace framerpc {
namespace internal {
namespace {

// Whole seconds, rounded up, within what the kernel accepts (TCP_KEEPIDLE
// and TCP_KEEPINTVL take 1 to 32767).
int KernelSeconds(absl::Duration duration) {
  const int64_t seconds =
      absl::ToInt64Seconds(absl::Ceil(duration, absl::Seconds(1)));
  return static_cast<int>(std::clamp<int64_t>(seconds, 1, 32767));
}

absl::Status SetOption(int fd, int level, int name, int value,
                       absl::string_view what) {
  if (::setsockopt(fd, level, name, &value, sizeof(value)) == 0) {
    return absl::OkStatus();
  }
  return absl::UnavailableError(
      PosixError(absl::StrCat("set ", what, " to ", value), errno).message());
}

}  // namespace

absl::Status SetTcpKeepalive(int fd, absl::Duration keepalive_time,
                             absl::Duration keepalive_timeout) {
  const int64_t user_timeout_ms = std::clamp<int64_t>(
      absl::ToInt64Milliseconds(keepalive_time + keepalive_timeout), 1,
      INT_MAX);
  absl::Status status =
      SetOption(fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
                static_cast<int>(user_timeout_ms), "TCP_USER_TIMEOUT");
  if (status.ok()) {
    status = SetOption(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
  }
  if (status.ok()) {
    status = SetOption(fd, IPPROTO_TCP, TCP_KEEPIDLE,
                       KernelSeconds(keepalive_time), "TCP_KEEPIDLE");
  }
  if (status.ok()) {
    status = SetOption(fd, IPPROTO_TCP, TCP_KEEPINTVL,
                       KernelSeconds(keepalive_timeout), "TCP_KEEPINTVL");
  }
  if (status.ok()) {
    status = SetOption(fd, IPPROTO_TCP, TCP_KEEPCNT, 1, "TCP_KEEPCNT");
  }
  return status;
}

}  // namespace internal
}  // namespace framerpc
