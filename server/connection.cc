#include "server/connection.h"

#include <errno.h>
#include <sys/socket.h>

#include <utility>

#include "server/call.h"

namespace framerpc {
namespace internal {

Connection::Connection(uint64_t id, UniqueFd fd, std::string peer,
                       size_t max_frame_size, absl::Time now)
    : id_(id),
      fd_(std::move(fd)),
      peer_(std::move(peer)),
      decoder_(max_frame_size),
      last_activity_(now) {}

bool Connection::CanStartCall(const ServerOptions& options) const {
  return calls_in_flight_ < options.max_calls_per_connection &&
         output_.readable_bytes() < options.max_pending_output_bytes;
}

bool Connection::WantsInput(const ServerOptions& options,
                            bool server_stopping) const {
  switch (state_) {
    case State::kOpen:
      return !server_stopping && CanStartCall(options);
    case State::kLingering:
      return true;
    case State::kReadClosed:
    case State::kFailing:
      return false;
  }
  return false;
}

ssize_t Connection::ReadInput(int* saved_errno) {
  input_.EnsureWritable(decoder_.BytesMissing(input_));
  return input_.ReadFromFd(fd_.get(), saved_errno);
}

ssize_t Connection::SendOutput(int* saved_errno, absl::Time now) {
  size_t total = 0;
  while (!output_.empty()) {
    const size_t want = output_.readable_bytes();
    const ssize_t n = ::send(fd_.get(), output_.peek(), want, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      *saved_errno = errno;
      return -1;
    }
    output_.Retrieve(static_cast<size_t>(n));
    total += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < want) break;  // the socket is full
  }
  if (total > 0 && output_.empty()) last_activity_ = now;
  if (output_.empty()) output_.ShrinkIfIdle(kMaxIdleBufferCapacity);
  return static_cast<ssize_t>(total);
}

void Connection::Fail(const absl::Status& status) {
  AppendStatusResponse(0, status, &output_);
  input_.RetrieveAll();
  input_.ShrinkIfIdle(kMaxIdleBufferCapacity);
  state_ = State::kFailing;
}

void Connection::StartLingering(absl::Time deadline) {
  ::shutdown(fd_.get(), SHUT_WR);  // an error here only means the peer is gone
  linger_deadline_ = deadline;
  state_ = State::kLingering;
}

ssize_t Connection::DiscardInput(int* saved_errno) {
  input_.RetrieveAll();
  const ssize_t n = input_.ReadFromFd(fd_.get(), saved_errno);
  input_.RetrieveAll();
  input_.ShrinkIfIdle(kMaxIdleBufferCapacity);
  return n;
}

absl::Time Connection::CloseDeadline(absl::Duration idle_timeout) const {
  if (state_ == State::kLingering) return linger_deadline_;
  if (calls_in_flight_ > 0) return absl::InfiniteFuture();
  return last_activity_ + idle_timeout;
}

}  // namespace internal
}  // namespace framerpc
