#include "server/connection.h"

#include <sys/socket.h>

#include <utility>

namespace framerpc {
namespace internal {

Connection::Connection(uint64_t id, UniqueFd fd, std::string peer,
                       size_t max_frame_size, size_t max_pending_output_bytes,
                       absl::Time now)
    : id_(id),
      fd_(std::move(fd)),
      peer_(std::move(peer)),
      output_(std::make_shared<ConnectionOutput>(fd_.get(),
                                                 max_pending_output_bytes)),
      decoder_(max_frame_size),
      last_activity_(now) {}

Connection::~Connection() { output_->Close(); }

bool Connection::CanStartCall(const ServerOptions& options) const {
  if (calls_in_flight_ >= options.max_calls_per_connection) return false;
  const size_t pending = output_->readable_bytes();
  if (pending >= options.max_pending_output_bytes) return false;
  // Each call already running will add a response, expected to be no
  // bigger than the largest so far: admit one more only if all of them can
  // be queued while the queue is still under the limit, so that a peer
  // that stops reading meets the output's own bound (a response finding
  // the queue full is refused, connection_output.h) only when responses
  // outgrow those it was sent before. Before the first response there is
  // nothing to expect, and holding calls back until one finishes would
  // make a connection's first calls wait on each other (and a call queued
  // behind a busy worker unread, so that its deadline could not be
  // answered): they start, and that bound is what holds them.
  const size_t largest = output_->largest_response();
  return largest == 0 || static_cast<size_t>(calls_in_flight_) * largest <
                             options.max_pending_output_bytes - pending;
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

LentInput Connection::LendInput(size_t frame_size, absl::string_view payload) {
  Buffer next = spare_input_->Take();
  next.Append(input_.readable().substr(frame_size));
  LentInput lent(std::move(input_), payload, spare_input_);
  input_ = std::move(next);
  return lent;
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
  if (calls_in_flight_ > calls_waiting_for_output_) {
    return absl::InfiniteFuture();
  }
  return last_activity_ + idle_timeout;
}

}  // namespace internal
}  // namespace framerpc
