#include "server/poll_poller.h"

#include <errno.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <cstdint>

#include "framing/posix_error.h"

namespace framerpc {
namespace internal {
namespace {

// poll(2)'s timeout in milliseconds: -1 for no limit, rounded up so that a
// sub-millisecond remainder waits instead of spinning.
int TimeoutMillis(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return -1;
  if (timeout <= absl::ZeroDuration()) return 0;
  const int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(timeout, absl::Milliseconds(1)));
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

}  // namespace

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
      ::poll(pollfds_.data(), pollfds_.size(), TimeoutMillis(timeout));
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
