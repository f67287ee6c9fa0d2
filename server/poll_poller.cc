#include "server/poll_poller.h"

#include <errno.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <cstdint>

#include "base/poll_timeout.h"
#include "base/posix_error.h"

namespace framerpc {
namespace internal {
void PollPoller::Add(int fd, short events) {
  assert(!Contains(fd));
  index_.emplace(fd, pollfds_.size());
  pollfds_.push_back(pollfd{fd, events, 0});
}

void PollPoller::Update(int fd, short events) {
  auto it = index_.find(fd);
  assert(it != index_.end());
  pollfds_[it->second].events = events;
}

void PollPoller::Remove(int fd) {
  auto it = index_.find(fd);
  assert(it != index_.end());
  const size_t hole = it->second;
  index_.erase(it);
  if (hole != pollfds_.size() - 1) {
    pollfds_[hole] = pollfds_.back();
    index_[pollfds_[hole].fd] = hole;
  }
  pollfds_.pop_back();
}

short PollPoller::events(int fd) const {
  auto it = index_.find(fd);
  assert(it != index_.end());
  return pollfds_[it->second].events;
}

absl::Status PollPoller::Poll(absl::Duration timeout,
                              std::vector<PollEvent>* ready) {
  ready->clear();
  const int n =
      ::poll(pollfds_.data(), pollfds_.size(), PollTimeoutMillis(timeout));
  if (n < 0) {
    if (errno == EINTR) return absl::OkStatus();
    return PosixError("poll", errno);
  }
  for (const pollfd& p : pollfds_) {
    if (ready->size() == static_cast<size_t>(n)) break;
    if (p.revents != 0) ready->push_back(PollEvent{p.fd, p.revents});
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace framerpc
