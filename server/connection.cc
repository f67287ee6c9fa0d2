#include "server/connection.h"

#include <sys/socket.h>

#include <iterator>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rpc/log.h"

namespace framerpc {
namespace internal {

Connection::Connection(uint64_t id, UniqueFd fd, std::string peer,
                       size_t max_frame_size, size_t max_pending_output_bytes,
                       absl::Time now, std::shared_ptr<TlsTransport> tls)
    : id_(id),
      fd_(std::move(fd)),
      peer_(std::move(peer)),
      tls_(std::move(tls)),
      output_(std::make_shared<ConnectionOutput>(
          fd_.get(), max_pending_output_bytes, tls_)),
      decoder_(max_frame_size),
      last_activity_(now) {}

Connection::~Connection() {
  output_->Close();
  if (tls_ != nullptr) tls_->Close();
}

const std::string& Connection::peer_identity() const {
  static const std::string* const kNone = new std::string();
  return tls_ != nullptr ? tls_->peer_identity() : *kNone;
}

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
      // A draining connection only answers UNAVAILABLE: no call starts,
      // but a peer that does not read must still meet the output's limit.
      if (draining_) {
        return output_->readable_bytes() < options.max_pending_output_bytes;
      }
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
  if (tls_ != nullptr) {
    return tls_->ReadInto(&input_, decoder_.BytesMissing(input_), saved_errno);
  }
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
  if (output_->empty()) {
    // Control answers alone are no activity. (A worker may have sent some
    // of them itself; the count is then high until the output is next seen
    // empty, and at worst one send is not counted, whose call's end was.)
    if (sent > control_output_bytes_) last_activity_ = now;
    control_output_bytes_ = 0;
  }
  return static_cast<ssize_t>(sent);
}

std::shared_ptr<CallCancellation> Connection::TrackCall(uint64_t call_id) {
  // Amortised O(1): a sweep happens only after as many insertions as there
  // are live entries, and removes every dead one.
  const size_t live_bound = static_cast<size_t>(calls_in_flight_) * 2 + 16;
  if (calls_.size() >= live_bound) {
    for (auto it = calls_.begin(); it != calls_.end();) {
      it = it->second.expired() ? calls_.erase(it) : std::next(it);
    }
  }
  auto cancellation = std::make_shared<CallCancellation>();
  calls_[call_id] = cancellation;
  return cancellation;
}

bool Connection::CancelCall(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return false;
  const std::shared_ptr<CallCancellation> cancellation = it->second.lock();
  calls_.erase(it);
  if (cancellation == nullptr) return false;  // finished already
  cancellation->by_caller.store(true, std::memory_order_release);
  cancellation->cancelled.store(true, std::memory_order_release);
  int state = CallCancellation::kQueued;
  return cancellation->state.compare_exchange_strong(
      state, CallCancellation::kAnsweredEarly, std::memory_order_acq_rel);
}

void Connection::MarkCallsCancelled(bool connection_closed) {
  for (const auto& entry : calls_) {
    const std::shared_ptr<CallCancellation> cancellation = entry.second.lock();
    if (cancellation == nullptr) continue;  // finished
    if (connection_closed) {
      cancellation->connection_closed.store(true, std::memory_order_release);
    }
    cancellation->cancelled.store(true, std::memory_order_release);
  }
}

void Connection::CancelAllCalls() {
  MarkCallsCancelled(/*connection_closed=*/true);
  calls_.clear();
}

void Connection::MarkReadClosed() {
  state_ = State::kReadClosed;
  MarkCallsCancelled(/*connection_closed=*/false);
}

void Connection::StartDraining(absl::Time window_end) {
  if (draining_) return;
  draining_ = true;
  drain_window_end_ = window_end;
  output_->AppendDrainNotice();
}

void Connection::Fail(const absl::Status& status) {
  // The message quotes peer bytes only through QuoteForStatus (rpc/), and
  // a peer can send garbage at will, hence the rate limit.
  LogPeerProvoked(LogSeverity::kWarning,
                  absl::StrCat("close the connection from ", peer_, " (",
                               absl::StatusCodeToString(status.code()),
                               "): ", status.message()));
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
  if (draining_ && output_->empty()) return drain_window_end_;
  return last_activity_ + idle_timeout;
}

}  // namespace internal
}  // namespace framerpc
