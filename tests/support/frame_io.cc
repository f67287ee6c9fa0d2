#include "tests/support/frame_io.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/poll_timeout.h"
#include "base/posix_error.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"

namespace framerpc {
namespace {

// Waits until `fd` is ready for `events` or `deadline` passes. EINTR while
// waiting is retried with the time that is left.
absl::Status WaitReady(int fd, short events, absl::Time deadline,
                       absl::string_view what) {
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat(what, ": deadline passed"));
    }
    const int timeout_ms = PollTimeoutMillis(left);
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) return absl::OkStatus();  // errors surface in the next I/O call
    if (n < 0 && errno != EINTR)
      return PosixError(absl::StrCat(what, ": poll"), errno);
  }
}

// Sends the not-yet-sent part of `vec`; advances it as bytes move.
absl::Status SendVectors(int fd, iovec* vec, int count, size_t total,
                         absl::Time deadline) {
  size_t sent = 0;
  while (sent < total) {
    while (count > 0 && vec->iov_len == 0) {
      ++vec;
      --count;
    }
    msghdr message{};
    message.msg_iov = vec;
    message.msg_iovlen = static_cast<size_t>(count);
    const ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (n >= 0) {
      size_t moved = static_cast<size_t>(n);
      sent += moved;
      for (; moved > 0; ++vec, --count) {
        const size_t step = std::min(moved, vec->iov_len);
        vec->iov_base = static_cast<char*>(vec->iov_base) + step;
        vec->iov_len -= step;
        moved -= step;
        if (vec->iov_len > 0) break;
      }
      continue;
    }
    if (errno == EINTR) continue;
    const std::string what =
        absl::StrCat("send ", total, " bytes (", sent, " sent)");
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      absl::Status ready = WaitReady(fd, POLLOUT, deadline, what);
      if (!ready.ok()) return ready;
      continue;
    }
    return PosixError(what, errno);
  }
  return absl::OkStatus();
}

// Receives exactly `size` bytes into `out`. Sets `*received` to the count
// that arrived, so a caller can tell where the stream ended; a clean end of
// stream is OK with *received < size.
absl::Status ReceiveExactly(int fd, char* out, size_t size, size_t* received,
                            absl::Time deadline, absl::string_view what) {
  *received = 0;
  while (*received < size) {
    const ssize_t n = ::recv(fd, out + *received, size - *received, 0);
    if (n > 0) {
      *received += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return absl::OkStatus();
    if (errno == EINTR) continue;
    const std::string context =
        absl::StrCat(what, " (", *received, " of ", size, " bytes received)");
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      absl::Status ready = WaitReady(fd, POLLIN, deadline, context);
      if (!ready.ok()) return ready;
      continue;
    }
    return PosixError(context, errno);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteAll(int fd, absl::string_view data, absl::Time deadline) {
  iovec vec{const_cast<char*>(data.data()), data.size()};
  return SendVectors(fd, &vec, 1, data.size(), deadline);
}

absl::Status WriteFrame(int fd, absl::string_view body, absl::Time deadline) {
  if (body.size() > kMaxEncodableBodySize) {
    return absl::ResourceExhaustedError(
        absl::StrCat("write frame: body of ", body.size(),
                     " bytes does not fit a 32-bit length prefix"));
  }
  char prefix[kFrameHeaderSize];
  EncodeFrameLength(static_cast<uint32_t>(body.size()), prefix);
  iovec vec[2] = {{prefix, sizeof(prefix)},
                  {const_cast<char*>(body.data()), body.size()}};
  return SendVectors(fd, vec, 2, sizeof(prefix) + body.size(), deadline);
}

absl::StatusOr<ReadOutcome> ReadFrame(int fd, size_t max_body_size,
                                      std::string* body, absl::Time deadline) {
  body->clear();
  char prefix[kFrameHeaderSize];
  size_t received;
  absl::Status status = ReceiveExactly(fd, prefix, sizeof(prefix), &received,
                                       deadline, "read frame length");
  if (!status.ok()) return status;
  if (received == 0) return ReadOutcome::kEndOfStream;
  if (received < sizeof(prefix)) {
    return absl::UnavailableError(absl::StrCat(
        "read frame length: peer closed the connection mid-header after ",
        received, " of ", kFrameHeaderSize, " bytes (",
        kFrameHeaderSize - received, " missing)"));
  }
  const size_t length = DecodeFrameLength(prefix);
  if (length > max_body_size) {
    return absl::ResourceExhaustedError(
        absl::StrCat("read frame: body of ", length,
                     " bytes exceeds the limit of ", max_body_size, " bytes"));
  }
  body->resize(length);
  status =
      ReceiveExactly(fd, body->data(), length, &received, deadline,
                     absl::StrCat("read frame body of ", length, " bytes"));
  if (!status.ok()) return status;
  if (received < length) {
    body->clear();
    return absl::UnavailableError(absl::StrCat(
        "read frame body: peer closed the connection mid-body after ", received,
        " of ", length, " bytes (", length - received, " missing)"));
  }
  return ReadOutcome::kFrame;
}

}  // namespace framerpc
