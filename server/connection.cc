#include "server/connection.h"

#include <sys/socket.h>

#include <utility>

namespace framerpc {
namespace internal {

Connection::Connection(uint64_t id, UniqueFd fd, std::string peer,
                       size_t max_frame_size, absl::Time now)
    : id_(id),
      fd_(std::move(fd)),
      peer_(std::move(peer)),
      output_(std::make_shared<ConnectionOutput>(fd_.get())),
      decoder_(max_frame_size),
      last_activity_(now) {}

Connection::~Connection() { output_->Close(); }

bool Connection::CanStartCall(const ServerOptions& options) const {
  return calls_in_flight_ < options.max_calls_per_connection &&
         output_->readable_bytes() < options.max_pending_output_bytes;
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
  size_t sent = 0;
  if (output_->Send(&sent, saved_errno) ==
      ConnectionOutput::SendOutcome::kFailed) {
    return -1;
  }
  if (sent > 0 && output_->empty()) last_activity_ = now;
  return static_cast<ssize_t>(sent);
}

void Connection::Fail(const absl::Status& status) {
  output_->Fail(status);
  input_.RetrieveAll();
  input_.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
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
  input_.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
  return n;
}

absl::Time Connection::CloseDeadline(absl::Duration idle_timeout) const {
  if (state_ == State::kLingering) return linger_deadline_;
  if (calls_in_flight_ > 0) return absl::InfiniteFuture();
  return last_activity_ + idle_timeout;
}

}  // namespace internal
}  // namespace framerpc
