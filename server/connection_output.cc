#include "server/connection_output.h"

#include <errno.h>
#include <sys/socket.h>

#include <string>

#include "framing/frame_format.h"

namespace framerpc {
namespace internal {

bool ConnectionOutput::AppendResult(const CallResult& result) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!taking_results_) return false;
  const bool was_empty = buffer_.empty();
  AppendCallResult(result, kMaxEncodableBodySize, &buffer_);
  pending_bytes_.store(buffer_.readable_bytes(), std::memory_order_release);
  return was_empty;
}

void ConnectionOutput::AppendStatus(uint64_t call_id,
                                    const absl::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  AppendStatusResponse(call_id, status, &buffer_);
  pending_bytes_.store(buffer_.readable_bytes(), std::memory_order_release);
}

void ConnectionOutput::Fail(const absl::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  taking_results_ = false;
  if (closed_) return;
  AppendStatusResponse(0, status, &buffer_);
  pending_bytes_.store(buffer_.readable_bytes(), std::memory_order_release);
}

ConnectionOutput::SendOutcome ConnectionOutput::Send(size_t* bytes_sent,
                                                     int* saved_errno) {
  size_t total = 0;
  SendOutcome outcome = SendOutcome::kSent;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (send_error_ != 0) {
      outcome = SendOutcome::kFailed;
      if (saved_errno != nullptr) *saved_errno = send_error_;
    }
    sending_.store(true, std::memory_order_release);
    while (outcome == SendOutcome::kSent && !closed_ && !buffer_.empty()) {
      const size_t want = buffer_.readable_bytes();
      const ssize_t n = ::send(fd_, buffer_.peek(), want, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          outcome = SendOutcome::kLeftForLoop;
          break;
        }
        // The peer is gone (EPIPE, ECONNRESET): nothing queued can arrive.
        send_error_ = errno;
        if (saved_errno != nullptr) *saved_errno = errno;
        taking_results_ = false;
        buffer_.RetrieveAll();
        outcome = SendOutcome::kFailed;
        break;
      }
      buffer_.Retrieve(static_cast<size_t>(n));
      total += static_cast<size_t>(n);
      if (static_cast<size_t>(n) < want) {
        outcome = SendOutcome::kLeftForLoop;  // the socket is full
        break;
      }
    }
    if (buffer_.empty()) buffer_.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
    pending_bytes_.store(buffer_.readable_bytes(), std::memory_order_release);
    sending_.store(false, std::memory_order_release);
  }
  if (bytes_sent != nullptr) *bytes_sent = total;
  return outcome;
}

void ConnectionOutput::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  taking_results_ = false;
  buffer_.RetrieveAll();
  buffer_.ShrinkIfIdle(0);
  pending_bytes_.store(0, std::memory_order_release);
  // Only the server's overall count of calls in flight still matters, and
  // the loop waits on it only while stopping: tell it at once.
  loop_waits_.store(true, std::memory_order_relaxed);
}

bool ConnectionOutput::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return send_error_ != 0;
}

std::string ConnectionOutput::TakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string bytes(buffer_.readable());
  buffer_.RetrieveAll();
  pending_bytes_.store(0, std::memory_order_release);
  return bytes;
}

}  // namespace internal
}  // namespace framerpc
