// Poller, the loop's view of "which descriptors are ready", so that
// the loop does not care which system call answers it: PollPoller (poll(2))
// and EpollPoller (epoll(7)), made by MakePoller from
// ServerOptions::poller, report exactly the same events.
//
// A Poller only borrows descriptors: it never closes one. The owner removes a
// descriptor before closing it. Not thread-safe: used only on the loop thread.
#ifndef FRAMERPC_SERVER_POLLER_H_
#define FRAMERPC_SERVER_POLLER_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "framerpc/server_options.h"

namespace framerpc {
namespace internal {

// One ready descriptor and what happened to it (POLLIN, POLLOUT, POLLHUP,
// POLLERR, ... as in poll(2)).
struct PollEvent {
  int fd;
  short revents;
};

class Poller {
 public:
  virtual ~Poller() = default;

  // Starts watching `fd` for `events` (POLLIN and/or POLLOUT; POLLHUP and
  // POLLERR are always reported). REQUIRES: `fd` is not registered.
  virtual void Add(int fd, short events) = 0;
  // Changes the events watched on `fd`. REQUIRES: `fd` is registered.
  virtual void Update(int fd, short events) = 0;
  // Stops watching `fd`. REQUIRES: `fd` is registered.
  virtual void Remove(int fd) = 0;
  virtual bool Contains(int fd) const = 0;
  virtual size_t size() const = 0;

  // Waits up to `timeout` (absl::InfiniteDuration(): no limit; rounded up to
  // the syscall's resolution) and fills `*ready` with the ready descriptors,
  // replacing its contents. An interrupted wait (EINTR) is OK with no events.
  // Fails with the errno's status otherwise; `*ready` is then empty.
  virtual absl::Status Poll(absl::Duration timeout,
                            std::vector<PollEvent>* ready) = 0;
};

// The Poller of `kind`, with nothing registered. Fails with the errno's
// status when the kernel will not make an epoll instance (EMFILE, ENFILE,
// ENOMEM), and with INVALID_ARGUMENT naming ServerOptions::poller for a
// value that is no PollerKind.
absl::StatusOr<std::unique_ptr<Poller>> MakePoller(PollerKind kind);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_POLLER_H_
