#include "server/connection_output.h"

#include <errno.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "framing/frame_format.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace internal {
namespace {

// Frames up to this size are copied onto the last chunk (coalesced) rather
// than handed over as a chunk of their own; a copy this small under the
// mutex costs less than the allocation a new chunk would. Also the most a
// chunk grows by copying.
constexpr size_t kCoalesceBytes = size_t{64} << 10;
// Chunks one send takes at most: enough that small chunks do not cost a
// syscall each, few enough for the stack.
constexpr int kMaxIov = std::min(64, IOV_MAX);
// A response no bigger than this is queued even at the bound: the
// RESOURCE_EXHAUSTED frame that would replace it is about as big.
constexpr size_t kMaxRefusalBytes = 512;

// Where this thread serializes responses, outside any lock: kept across
// calls (and connections) so that a thread sending big responses does not
// allocate and fault in a new buffer for each one.
Buffer& ThreadScratch() {
  thread_local Buffer scratch;
  return scratch;
}

// The frame that answers `result`'s call when its response, of
// `response_bytes`, finds `queued` bytes waiting, at or over `limit`.
void AppendRefusal(const CallResult& result, size_t response_bytes,
                   size_t queued, size_t limit, Buffer* out) {
  AppendStatusResponse(result.call_id,
                       absl::ResourceExhaustedError(absl::StrCat(
                           "response to call ", result.call_id, " of ",
                           QuoteForStatus(result.method), " (", response_bytes,
                           " bytes) not sent: the peer has ", queued,
                           " bytes of earlier responses unread, at or over the "
                           "server's limit of ",
                           limit, " (max_pending_output_bytes)")),
                       out);
}

}  // namespace

ConnectionOutput::ConnectionOutput(int fd, size_t max_queued_bytes,
                                   std::shared_ptr<TlsTransport> tls)
    : fd_(fd), max_queued_bytes_(max_queued_bytes), tls_(std::move(tls)) {
  chunks_.emplace_back();
}

bool ConnectionOutput::AppendResult(const CallResult& result) {
  if (result.already_answered) return false;
  Buffer& scratch = ThreadScratch();
  scratch.RetrieveAll();
  const size_t queued = readable_bytes();
  const size_t message_bytes = queued >= max_queued_bytes_ &&
                                       result.status.ok() &&
                                       result.response != nullptr
                                   ? result.response->ByteSizeLong()
                                   : 0;
  if (message_bytes > kMaxRefusalBytes) {
    // Already at the bound: not worth serializing (checked again below,
    // under the mutex, for an append that gets there first).
    AppendRefusal(result, message_bytes, queued, max_queued_bytes_, &scratch);
  } else {
    AppendCallResult(result, kMaxEncodableBodySize, &scratch);
  }
  const bool was_empty = AppendFrames(&scratch, &result);
  // After a response bigger than this, a worker keeps no more than a
  // connection would while idle.
  scratch.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
  return was_empty;
}

size_t ConnectionOutput::AppendStatus(uint64_t call_id,
                                      const absl::Status& status,
                                      bool not_processed) {
  Buffer& scratch = ThreadScratch();
  scratch.RetrieveAll();
  AppendStatusResponse(call_id, status, &scratch, not_processed);
  const size_t size = scratch.readable_bytes();
  AppendFrames(&scratch, /*result=*/nullptr);
  return size;
}

void ConnectionOutput::AppendDrainNotice() {
  Buffer& scratch = ThreadScratch();
  scratch.RetrieveAll();
  internal::AppendDrainNotice(&scratch);
  AppendFrames(&scratch, /*result=*/nullptr);
}

void ConnectionOutput::Fail(const absl::Status& status) {
  Buffer& scratch = ThreadScratch();
  scratch.RetrieveAll();
  AppendStatusResponse(0, status, &scratch);
  {
    std::lock_guard<std::mutex> lock(mu_);
    taking_results_ = false;
  }
  AppendFrames(&scratch, /*result=*/nullptr);
}

bool ConnectionOutput::AppendFrames(Buffer* frames, const CallResult* result) {
  size_t size = frames->readable_bytes();
  size_t largest = largest_response_.load(std::memory_order_relaxed);
  while (size > largest && !largest_response_.compare_exchange_weak(
                               largest, size, std::memory_order_relaxed)) {
  }
  // A chunk handed over is held until sent: trim a scratch buffer that a
  // bigger response left oversized, here, outside the lock, so that what a
  // connection holds stays what it has queued.
  if (size > kCoalesceBytes && frames->capacity() > 2 * size + kCoalesceBytes) {
    Buffer exact(size);
    exact.Append(frames->readable());
    std::swap(*frames, exact);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || (result != nullptr && !taking_results_)) {
    frames->RetrieveAll();
    return false;
  }
  const size_t queued = pending_bytes_.load(std::memory_order_relaxed);
  const bool was_empty = queued == 0;
  Buffer refusal;
  if (result != nullptr && queued >= max_queued_bytes_ &&
      size > kMaxRefusalBytes) {
    // The bound holds whatever the responses weigh: this one is dropped
    // and its call told why, in a frame of a few hundred bytes built here
    // (the rare path; the common one checked before serializing).
    AppendRefusal(*result, size, queued, max_queued_bytes_, &refusal);
    frames->RetrieveAll();
    frames = &refusal;
    size = refusal.readable_bytes();
  }
  Buffer& last = chunks_.back();
  if (last.empty() && (size > kCoalesceBytes || last.writable_bytes() < size)) {
    // Everything sent: the caller's storage becomes the queue's, and the
    // idle chunk's storage becomes the caller's to reuse.
    std::swap(last, *frames);
  } else if (size <= kCoalesceBytes &&
             (last.writable_bytes() >= size ||
              last.readable_bytes() + size <= kCoalesceBytes)) {
    last.Append(frames->readable());
  } else {
    chunks_.emplace_back(0);
    std::swap(chunks_.back(), *frames);
  }
  frames->RetrieveAll();
  NoteQueued();
  return was_empty;
}

size_t ConnectionOutput::QueuedBytes() const {
  size_t total = 0;
  for (const Buffer& chunk : chunks_) total += chunk.readable_bytes();
  return total;
}

void ConnectionOutput::DropQueued() {
  while (chunks_.size() > 1) chunks_.pop_back();
  chunks_.front().RetrieveAll();
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
    while (outcome == SendOutcome::kSent && !closed_) {
      iovec iov[kMaxIov];
      int count = 0;
      size_t want = 0;
      for (const Buffer& chunk : chunks_) {
        if (count == kMaxIov) break;
        if (chunk.empty()) continue;
        iov[count].iov_base = const_cast<char*>(chunk.peek());
        iov[count].iov_len = chunk.readable_bytes();
        want += chunk.readable_bytes();
        ++count;
      }
      if (count == 0) break;
      int error = 0;
      const ssize_t n = SendIov(iov, count, &error);
      if (n < 0) {
        if (error == EINTR) continue;
        if (error == EAGAIN || error == EWOULDBLOCK) {
          outcome = SendOutcome::kLeftForLoop;
          break;
        }
        // The peer is gone (EPIPE, ECONNRESET): nothing queued can arrive.
        send_error_ = error;
        failed_.store(true, std::memory_order_release);
        if (saved_errno != nullptr) *saved_errno = error;
        taking_results_ = false;
        DropQueued();
        outcome = SendOutcome::kFailed;
        break;
      }
      size_t left = static_cast<size_t>(n);
      total += left;
      while (left > 0) {
        Buffer& front = chunks_.front();
        const size_t taken = std::min(left, front.readable_bytes());
        front.Retrieve(taken);
        left -= taken;
        // A sent chunk goes at once; the last one stays for reuse.
        if (front.empty() && chunks_.size() > 1) chunks_.pop_front();
      }
      while (chunks_.size() > 1 && chunks_.front().empty()) chunks_.pop_front();
      if (static_cast<size_t>(n) < want) {
        outcome = SendOutcome::kLeftForLoop;  // the socket is full
        break;
      }
    }
    if (chunks_.size() == 1 && chunks_.front().empty()) {
      chunks_.front().ShrinkIfIdle(Buffer::kMaxIdleCapacity);
    }
    NoteQueued();
    sending_.store(false, std::memory_order_release);
  }
  if (bytes_sent != nullptr) *bytes_sent = total;
  return outcome;
}

ssize_t ConnectionOutput::SendIov(const iovec* iov, int count,
                                  int* saved_errno) {
  // TLS: the same bytes, encrypted; a send it left short is retried from
  // the first unsent byte, which is what the front chunk holds next time.
  if (tls_ != nullptr) return tls_->Writev(iov, count, saved_errno);
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(iov);
  message.msg_iovlen = static_cast<size_t>(count);
  const ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
  if (n < 0) *saved_errno = errno;
  return n;
}

void ConnectionOutput::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  taking_results_ = false;
  DropQueued();
  chunks_.front().ShrinkIfIdle(0);
  pending_bytes_.store(0, std::memory_order_release);
  // Only the server's overall count of calls in flight still matters, and
  // the loop waits on it only while stopping: tell it at once.
  loop_waits_.store(true, std::memory_order_relaxed);
}

std::string ConnectionOutput::TakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string bytes;
  bytes.reserve(QueuedBytes());
  for (const Buffer& chunk : chunks_)
    bytes.append(chunk.readable().data(), chunk.readable_bytes());
  DropQueued();
  pending_bytes_.store(0, std::memory_order_release);
  return bytes;
}

}  // namespace internal
}  // namespace framerpc
