#include "server/wakeup_fd.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "base/posix_error.h"

namespace framerpc {
namespace internal {

absl::StatusOr<std::unique_ptr<WakeupFd>> WakeupFd::Create() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return PosixError("create the server's wakeup eventfd", errno);
  return std::unique_ptr<WakeupFd>(new WakeupFd(UniqueFd(fd)));
}

void WakeupFd::Notify() {
  const uint64_t one = 1;
  ssize_t n;
  do {
    n = ::write(fd_.get(), &one, sizeof(one));
  } while (n < 0 && errno == EINTR);
  // EAGAIN means the counter is at its maximum: the fd is readable anyway.
}

void WakeupFd::Drain() {
  uint64_t count;
  ssize_t n;
  do {
    n = ::read(fd_.get(), &count, sizeof(count));
  } while (n < 0 && errno == EINTR);
  // EAGAIN: nothing to drain (a spurious wakeup); nothing else can fail.
}

}  // namespace internal
}  // namespace framerpc
