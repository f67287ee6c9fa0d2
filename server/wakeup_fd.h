// WakeupFd, an eventfd that other threads write to so that the
// loop's poller wakes: workers signal finished calls with it, Shutdown
// signals the stop request.
//
// Owns the eventfd. Notify() is thread-safe; Drain() and fd() are for the
// loop thread.
#ifndef FRAMERPC_SERVER_WAKEUP_FD_H_
#define FRAMERPC_SERVER_WAKEUP_FD_H_

#include <memory>

#include "absl/status/statusor.h"
#include "base/unique_fd.h"

namespace framerpc {
namespace internal {

class WakeupFd {
 public:
  // Fails with the errno's status when no eventfd can be made (EMFILE, ...).
  static absl::StatusOr<std::unique_ptr<WakeupFd>> Create();

  WakeupFd(const WakeupFd&) = delete;
  WakeupFd& operator=(const WakeupFd&) = delete;

  // The descriptor to poll for POLLIN.
  int fd() const { return fd_.get(); }

  // Makes fd() readable until the next Drain(). Never blocks.
  void Notify();
  // Makes fd() unreadable again (consumes every Notify so far).
  void Drain();

 private:
  explicit WakeupFd(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_WAKEUP_FD_H_
