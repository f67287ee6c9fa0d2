// EpollPoller, the Poller on epoll(7), level-triggered, so that the loop sees
// exactly what poll(2) would tell it: the same POLL* bits, POLLHUP and
// POLLERR reported even with no interest, every ready descriptor in one
// Poll. A wait costs the kernel O(ready descriptors) instead of poll(2)'s
// O(registered), at the price of one epoll_ctl per Add, Update and Remove
// (PollPoller changes its array in user space).
//
// Registered descriptors and their events are also kept in a map, for
// Contains(), size() and events(), and to size the event array passed to
// epoll_wait so that one wait returns every ready descriptor.
//
// A descriptor the kernel refuses to watch (EPERM: a regular file; ENOMEM,
// ENOSPC: out of kernel memory or over fs.epoll.max_user_watches) stays
// registered here: every Poll retries adding it and, until that succeeds,
// reports it ready for the POLLIN/POLLOUT it is registered for. That is
// what poll(2) says of a regular file, and for a socket it costs the loop a
// read or write that finds EAGAIN, where silently dropping the descriptor
// would leave its connection unserved forever.
//
// Owns the epoll descriptor; borrows the descriptors it watches, which the
// owner removes before closing. Not thread-safe: used only on the loop
// thread.
#ifndef FRAMERPC_SERVER_EPOLL_POLLER_H_
#define FRAMERPC_SERVER_EPOLL_POLLER_H_

#include <sys/epoll.h>

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "base/unique_fd.h"
#include "server/poller.h"

namespace framerpc {
namespace internal {

class EpollPoller final : public Poller {
 public:
  // Fails with the errno's status when the kernel will not make an epoll
  // instance (EMFILE, ENFILE, ENOMEM).
  static absl::StatusOr<std::unique_ptr<EpollPoller>> Create();

  EpollPoller(const EpollPoller&) = delete;
  EpollPoller& operator=(const EpollPoller&) = delete;

  void Add(int fd, short events) override;
  void Update(int fd, short events) override;
  void Remove(int fd) override;
  bool Contains(int fd) const override { return registered_.count(fd) != 0; }
  size_t size() const override { return registered_.size(); }
  absl::Status Poll(absl::Duration timeout,
                    std::vector<PollEvent>* ready) override;

  // The events registered for `fd`. REQUIRES: `fd` is registered.
  short events(int fd) const;

 private:
  struct Registration {
    short events;
    bool watched;  // false: the kernel refused it (see above)
  };

  explicit EpollPoller(UniqueFd epoll_fd) : epoll_fd_(std::move(epoll_fd)) {}

  // epoll_ctl(op) for `fd`; on failure records `fd` as refused.
  void Control(int op, int fd, Registration* registration);
  // Retries the refused descriptors; reports those still refused as ready.
  void RetryRefused(std::vector<PollEvent>* ready);

  UniqueFd epoll_fd_;
  std::unordered_map<int, Registration> registered_;
  std::vector<int> refused_;  // registered but not watched; normally empty
  std::vector<epoll_event> events_;  // epoll_wait's output, grown as needed
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_EPOLL_POLLER_H_
