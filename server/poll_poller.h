// PollPoller, the Poller on poll(2). It keeps one pollfd vector
// (passed to poll as is) and the index of each descriptor in it, so Add,
// Update and Remove are O(1): Remove swaps the last entry into the hole.
//
// Owns only its bookkeeping; borrows the descriptors. Not thread-safe: used
// only on the loop thread.
#ifndef FRAMERPC_SERVER_POLL_POLLER_H_
#define FRAMERPC_SERVER_POLL_POLLER_H_

#include <poll.h>

#include <cstddef>
#include <unordered_map>
#include <vector>

#include "server/poller.h"

namespace framerpc {
namespace internal {

class PollPoller final : public Poller {
 public:
  PollPoller() = default;
  PollPoller(const PollPoller&) = delete;
  PollPoller& operator=(const PollPoller&) = delete;

  void Add(int fd, short events) override;
  void Update(int fd, short events) override;
  void Remove(int fd) override;
  bool Contains(int fd) const override { return index_.count(fd) != 0; }
  size_t size() const override { return pollfds_.size(); }
  absl::Status Poll(absl::Duration timeout,
                    std::vector<PollEvent>* ready) override;

  // The events registered for `fd`. REQUIRES: `fd` is registered.
  short events(int fd) const;

 private:
  std::vector<pollfd> pollfds_;
  std::unordered_map<int, size_t> index_;  // fd -> position in pollfds_
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_POLL_POLLER_H_
