#include "framing/buffer.h"

#include <errno.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstring>

namespace framerpc {

Buffer::Buffer(size_t initial_size)
    : data_(new char[kPrependSize + initial_size]),
      capacity_(kPrependSize + initial_size) {}

void Buffer::Retrieve(size_t n) {
  assert(n <= readable_bytes());
  if (n < readable_bytes()) {
    reader_index_ += n;
  } else {
    RetrieveAll();
  }
}

void Buffer::RetrieveAll() {
  reader_index_ = kPrependSize;
  writer_index_ = kPrependSize;
}

void Buffer::Append(absl::string_view bytes) {
  Append(bytes.data(), bytes.size());
}

void Buffer::Append(const void* data, size_t n) {
  EnsureWritable(n);
  if (n > 0) std::memcpy(BeginWrite(), data, n);
  HasWritten(n);
}

void Buffer::EnsureWritable(size_t n) {
  if (writable_bytes() < n) MakeSpace(n);
  assert(writable_bytes() >= n);
}

void Buffer::MakeSpace(size_t n) {
  const size_t readable = readable_bytes();
  // Compact only when the reclaimed front suffices and the unread tail is
  // at most half the storage: then the move is paid for by bytes consumed.
  if (writable_bytes() + prependable_bytes() - kPrependSize >= n &&
      readable <= capacity_ / 2) {
    std::memmove(data_.get() + kPrependSize, peek(), readable);
  } else {
    size_t new_capacity = std::max(capacity_ * 2, kPrependSize + readable + n);
    std::unique_ptr<char[]> bigger(new char[new_capacity]);
    if (readable > 0)
      std::memcpy(bigger.get() + kPrependSize, peek(), readable);
    data_ = std::move(bigger);
    capacity_ = new_capacity;
  }
  reader_index_ = kPrependSize;
  writer_index_ = kPrependSize + readable;
}

void Buffer::Prepend(const void* data, size_t n) {
  assert(n <= prependable_bytes());
  reader_index_ -= n;
  std::memcpy(data_.get() + reader_index_, data, n);
}

void Buffer::ShrinkIfIdle(size_t max_idle_capacity) {
  if (!empty() || capacity_ <= kPrependSize + max_idle_capacity) return;
  data_.reset(new char[kPrependSize + kInitialSize]);
  capacity_ = kPrependSize + kInitialSize;
  RetrieveAll();
}

ssize_t Buffer::ReadFromFd(int fd, int* saved_errno) {
  char spill[64 * 1024];
  const size_t writable = writable_bytes();
  iovec vec[2];
  vec[0].iov_base = BeginWrite();
  vec[0].iov_len = writable;
  vec[1].iov_base = spill;
  vec[1].iov_len = sizeof(spill);
  // With 64 KiB or more writable, the spill area would only add a copy.
  const int count = writable < sizeof(spill) ? 2 : 1;
  ssize_t n;
  do {
    n = ::readv(fd, vec, count);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    *saved_errno = errno;
    return n;
  }
  const size_t got = static_cast<size_t>(n);
  if (got <= writable) {
    HasWritten(got);
  } else {
    HasWritten(writable);
    Append(spill, got - writable);
  }
  return n;
}

}  // namespace framerpc
