// Buffer: a growable byte queue for one connection's input or output, with
// room reserved in front so a length prefix can be written before a body that
// was serialized first, without moving the body.
//
//   +----------------+------------------+------------------+
//   | prependable    | readable bytes   | writable space   |
//   +----------------+------------------+------------------+
//   0          reader_index       writer_index        capacity
//
// Growth doubles capacity, so a large frame arriving in small pieces costs
// linear time; consumed bytes are reclaimed by moving the (small) unread tail
// to the front only when that makes enough room.
//
// Owns its storage. Not thread-safe. Every pointer or view into the buffer is
// invalidated by any non-const call.
#ifndef FRAMERPC_FRAMING_BUFFER_H_
#define FRAMERPC_FRAMING_BUFFER_H_

#include <sys/types.h>

#include <cassert>
#include <cstddef>
#include <memory>

#include "absl/strings/string_view.h"

namespace framerpc {

class Buffer {
 public:
  // Room kept in front of the readable bytes for a frame's length prefix.
  static constexpr size_t kPrependSize = 8;
  static constexpr size_t kInitialSize = 4096;
  // The most storage a connection's buffer keeps while empty: the cap that
  // the server's and the client's connections pass to ShrinkIfIdle, named
  // once so that both sides agree. Above the frame of a 1 MiB
  // message, so that back-to-back calls of a few MiB reuse their buffers:
  // giving 1 MiB back after every call cost an madvise/munmap and ~256 page
  // faults per buffer per call. The price: a connection that moved a big
  // frame may keep up to this much per buffer while idle.
  static constexpr size_t kMaxIdleCapacity = size_t{4} << 20;

  explicit Buffer(size_t initial_size = kInitialSize);
  Buffer(Buffer&&) noexcept = default;
  Buffer& operator=(Buffer&&) noexcept = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  size_t readable_bytes() const { return writer_index_ - reader_index_; }
  size_t writable_bytes() const { return capacity_ - writer_index_; }
  size_t prependable_bytes() const { return reader_index_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return readable_bytes() == 0; }

  const char* peek() const { return data_.get() + reader_index_; }
  // The unread bytes; valid until the next non-const call.
  absl::string_view readable() const {
    return absl::string_view(peek(), readable_bytes());
  }

  // Consumes `n` bytes from the front. REQUIRES: n <= readable_bytes().
  void Retrieve(size_t n);
  void RetrieveAll();

  void Append(absl::string_view bytes);
  void Append(const void* data, size_t n);

  // Makes at least `n` writable bytes, compacting or growing.
  void EnsureWritable(size_t n);
  // Where the next appended byte goes; valid until the next non-const call.
  char* BeginWrite() { return data_.get() + writer_index_; }
  // Marks `n` bytes written at BeginWrite(). REQUIRES: n <= writable_bytes().
  void HasWritten(size_t n) {
    assert(n <= writable_bytes());
    writer_index_ += n;
  }

  // Puts `n` bytes in front of the readable ones.
  // REQUIRES: n <= prependable_bytes().
  void Prepend(const void* data, size_t n);

  // Drops storage larger than `max_idle_capacity` while the buffer is empty,
  // so one huge frame does not pin its memory for the connection's lifetime.
  void ShrinkIfIdle(size_t max_idle_capacity);

  // Reads what `fd` has, with one readv into the writable space plus a 64 KiB
  // stack area (so a small buffer still drains the socket in one call).
  // Retries EINTR. Returns the bytes read, 0 at end of stream, or -1 with
  // `*saved_errno` set (EAGAIN included).
  ssize_t ReadFromFd(int fd, int* saved_errno);

 private:
  void MakeSpace(size_t n);

  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t reader_index_ = kPrependSize;
  size_t writer_index_ = kPrependSize;
};

}  // namespace framerpc

#endif  // FRAMERPC_FRAMING_BUFFER_H_
