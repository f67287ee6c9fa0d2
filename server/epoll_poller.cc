#include "server/epoll_poller.h"

#include <errno.h>
#include <poll.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/poll_timeout.h"
#include "base/posix_error.h"

namespace framerpc {
namespace internal {
namespace {

// Each poll(2) bit and its epoll(7) twin. Linux gives them the same values
// today, but nothing promises it, and the table is what the loop relies on.
struct EventBit {
  short poll;
  uint32_t epoll;
};
constexpr EventBit kEventBits[] = {
    {POLLIN, EPOLLIN},   {POLLPRI, EPOLLPRI}, {POLLOUT, EPOLLOUT},
    {POLLERR, EPOLLERR}, {POLLHUP, EPOLLHUP}, {POLLRDHUP, EPOLLRDHUP},
};

// POLLERR and POLLHUP need not be asked for: epoll, like poll, always
// reports them. POLLRDHUP is passed on only when asked for, as poll does:
// reporting a half-close unasked would wake a loop that has stopped reading
// that connection on every wait (level-triggered).
uint32_t ToEpoll(short events) {
  uint32_t out = 0;
  for (const EventBit& bit : kEventBits) {
    if (events & bit.poll) out |= bit.epoll;
  }
  return out;
}

short FromEpoll(uint32_t events) {
  short out = 0;
  for (const EventBit& bit : kEventBits) {
    if (events & bit.epoll) out |= bit.poll;
  }
  return out;
}

// epoll_wait's array holds at least this many events.
constexpr size_t kMinEvents = 16;

}  // namespace

absl::StatusOr<std::unique_ptr<EpollPoller>> EpollPoller::Create() {
  UniqueFd epoll_fd(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_fd.valid()) {
    return PosixError("create an epoll instance (epoll_create1)", errno);
  }
  return std::unique_ptr<EpollPoller>(new EpollPoller(std::move(epoll_fd)));
}

void EpollPoller::Add(int fd, short events) {
  assert(!Contains(fd));
  auto it = registered_.emplace(fd, Registration{events, false}).first;
  Control(EPOLL_CTL_ADD, fd, &it->second);
}

void EpollPoller::Update(int fd, short events) {
  auto it = registered_.find(fd);
  assert(it != registered_.end());
  it->second.events = events;
  // A refused descriptor is retried, with these events, by the next Poll.
  if (it->second.watched) Control(EPOLL_CTL_MOD, fd, &it->second);
}

void EpollPoller::Remove(int fd) {
  auto it = registered_.find(fd);
  assert(it != registered_.end());
  if (it->second.watched) {
    // Fails only if `fd` was closed before it was removed (EBADF), a bug
    // of the owner; the kernel has then dropped it already.
    [[maybe_unused]] const int rc =
        ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
    assert(rc == 0);
  } else {
    refused_.erase(std::remove(refused_.begin(), refused_.end(), fd),
                   refused_.end());
  }
  registered_.erase(it);
}

short EpollPoller::events(int fd) const {
  auto it = registered_.find(fd);
  assert(it != registered_.end());
  return it->second.events;
}

void EpollPoller::Control(int op, int fd, Registration* registration) {
  epoll_event event{};
  event.events = ToEpoll(registration->events);
  event.data.fd = fd;
  if (::epoll_ctl(epoll_fd_.get(), op, fd, &event) == 0) {
    registration->watched = true;
    return;
  }
  // Anything else (EBADF, EEXIST, ENOENT, EINVAL) would be the owner's bug:
  // a descriptor closed while registered, or registered twice.
  [[maybe_unused]] const int error = errno;
  assert(error == EPERM || error == ENOMEM || error == ENOSPC);
  if (registration->watched) {
    // A failed EPOLL_CTL_MOD leaves the old events watched; drop them so
    // that the kernel does not report what the owner no longer asks for.
    ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
    registration->watched = false;
  }
  refused_.push_back(fd);
}

void EpollPoller::RetryRefused(std::vector<PollEvent>* ready) {
  std::vector<int> retry;
  retry.swap(refused_);  // Control puts back those refused again
  for (const int fd : retry) {
    Registration& registration = registered_.find(fd)->second;
    Control(EPOLL_CTL_ADD, fd, &registration);
    const short wanted = registration.events & (POLLIN | POLLOUT);
    if (!registration.watched && wanted != 0) {
      ready->push_back(PollEvent{fd, wanted});
    }
  }
}

absl::Status EpollPoller::Poll(absl::Duration timeout,
                               std::vector<PollEvent>* ready) {
  ready->clear();
  if (!refused_.empty()) RetryRefused(ready);
  // Room for every registered descriptor, so that one wait reports all the
  // ready ones, as poll(2) does, rather than leaving some for the next.
  const size_t wanted = std::max(registered_.size(), kMinEvents);
  if (events_.size() < wanted) events_.resize(wanted);
  // Descriptors reported ready above must not wait behind the timeout.
  const int timeout_ms = ready->empty() ? PollTimeoutMillis(timeout) : 0;
  const int n = ::epoll_wait(epoll_fd_.get(), events_.data(),
                             static_cast<int>(events_.size()), timeout_ms);
  if (n < 0) {
    const int error = errno;
    ready->clear();
    if (error == EINTR) return absl::OkStatus();
    return PosixError(
        absl::StrCat("epoll_wait on ", registered_.size(), " descriptors"),
        error);
  }
  for (int i = 0; i < n; ++i) {
    ready->push_back(
        PollEvent{events_[i].data.fd, FromEpoll(events_[i].events)});
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace framerpc
