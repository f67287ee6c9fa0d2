#include "bench/common/blocking_frames.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/posix_error.h"
#include "framing/frame_format.h"

namespace framerpc {
namespace bench {
namespace {

absl::Status SendVectors(int fd, iovec* vec, int count) {
  while (count > 0) {
    msghdr message{};
    message.msg_iov = vec;
    message.msg_iovlen = static_cast<size_t>(count);
    const ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError("send frame", errno);
    }
    size_t moved = static_cast<size_t>(n);
    while (count > 0 && moved >= vec->iov_len) {
      moved -= vec->iov_len;
      ++vec;
      --count;
    }
    if (count > 0) {
      vec->iov_base = static_cast<char*>(vec->iov_base) + moved;
      vec->iov_len -= moved;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SendFrame(int fd, absl::string_view body) {
  char prefix[kFrameHeaderSize];
  EncodeFrameLength(static_cast<uint32_t>(body.size()), prefix);
  iovec vec[2] = {{prefix, sizeof(prefix)},
                  {const_cast<char*>(body.data()), body.size()}};
  return SendVectors(fd, vec, body.empty() ? 1 : 2);
}

absl::Status SendBytes(int fd, absl::string_view bytes) {
  iovec vec{const_cast<char*>(bytes.data()), bytes.size()};
  return SendVectors(fd, &vec, 1);
}

absl::StatusOr<absl::optional<absl::string_view>> BlockingFrameReader::Next(
    int fd) {
  buffer_.Retrieve(consumed_);
  consumed_ = 0;
  while (true) {
    absl::StatusOr<absl::optional<Frame>> frame = decoder_.Next(buffer_);
    if (!frame.ok()) return frame.status();
    if (frame->has_value()) {
      consumed_ = (*frame)->frame_size;
      return absl::optional<absl::string_view>((*frame)->body);
    }
    // Room for the whole rest of the frame, so a large body arrives in as
    // few reads as the socket allows and is never moved.
    buffer_.EnsureWritable(
        std::max<size_t>(decoder_.BytesMissing(buffer_), 4096));
    int saved_errno = 0;
    const ssize_t n = buffer_.ReadFromFd(fd, &saved_errno);
    if (n < 0) return PosixError("read frame", saved_errno);
    if (n == 0) {
      if (buffer_.empty()) return absl::optional<absl::string_view>();
      return absl::UnavailableError(absl::StrCat(
          "read frame: peer closed the connection inside a frame (",
          buffer_.readable_bytes(), " bytes of it received)"));
    }
  }
}

}  // namespace bench
}  // namespace framerpc
