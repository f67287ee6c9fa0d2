// UniqueFd: sole owner of one file descriptor; closes it on destruction.
// The only place in framerpc that calls close(). Move-only; not thread-safe.
#ifndef FRAMERPC_BASE_UNIQUE_FD_H_
#define FRAMERPC_BASE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace framerpc {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }

  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Gives up ownership without closing; returns the descriptor.
  int Release() { return std::exchange(fd_, -1); }

  // Closes the current descriptor (if any) and owns `fd` instead.
  void Reset(int fd = -1) {
    // close() is not retried on EINTR: on Linux the descriptor is released
    // either way, and a retry could close a descriptor reused by another
    // thread.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace framerpc

#endif  // FRAMERPC_BASE_UNIQUE_FD_H_
