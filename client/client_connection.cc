#include "client/client_connection.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/human_duration.h"
#include "base/posix_error.h"
#include "client/call_cancellation.h"
#include "client/call_status.h"
#include "client/response_reader.h"
#include "proto/wire.pb.h"
#include "rpc/call_codec.h"

namespace framerpc {
namespace internal {
namespace {

using State = PendingCall::State;

// How long a writer waiting for room, without the reader role, polls
// before it checks whether the role has become free.
constexpr int kRetryLeadMs = 10;

// How long the reader waits in poll before it looks for queued requests
// that a writer gave up on (a writer whose deadline passed with the socket
// full). Its own request may be among them.
constexpr int kRecheckMs = 10;

// Protocol version 2's control method (docs/protocol.md), answered by the
// server itself.
constexpr absl::string_view kCancelMethod = "framerpc.Control/Cancel";
constexpr absl::string_view kPingMethod = "framerpc.Control/Ping";

absl::Status Unavailable(absl::string_view what, int error_number) {
  return absl::UnavailableError(PosixError(what, error_number).message());
}

// Makes receives on `fd` block for at most kRecheckMs (SO_RCVTIMEO), so
// that the reader can wait in recv itself; sends stay non-blocking
// (MSG_DONTWAIT on each). Returns false, leaving `fd` non-blocking, if the
// system refuses either step: the reader then polls before it receives.
bool UseBlockingReads(int fd) {
  const timeval wait{0, kRecheckMs * 1000};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)) != 0) {
    return false;
  }
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0;
}

// The encoding buffer of the calling thread, reused by its calls so a
// request is serialized straight into memory that is already there.
Buffer& ThreadFrameBuffer() {
  thread_local Buffer frame;
  return frame;
}

}  // namespace

ClientConnection::ClientConnection(
    UniqueFd fd, std::string target, size_t max_frame_size,
    const MetadataLimits& metadata_limits, const KeepaliveOptions& keepalive,
    std::unique_ptr<TlsStream> tls,
    std::shared_ptr<TlsSessionCache> tls_sessions)
    : fd_(std::move(fd)),
      blocking_reads_(tls == nullptr && UseBlockingReads(fd_.get())),
      io_(fd_.get(), std::move(tls), std::move(tls_sessions)),
      target_(std::move(target)),
      max_frame_size_(max_frame_size),
      reader_(max_frame_size, metadata_limits),
      keepalive_(keepalive),
      silence_(keepalive.time, keepalive.timeout) {}

absl::Status ClientConnection::EncodeCall(
    const google::protobuf::Message& request, PendingCall* call,
    const Deadline& deadline, absl::Duration budget, Buffer* frame) {
  // The id is taken before the call is registered so that the request is
  // encoded outside the lock; ids only need to be unique.
  call->call_id = next_call_id_.fetch_add(1, std::memory_order_relaxed);

  RequestHeader header;
  header.call_id = call->call_id;
  header.method = call->method;
  if (!deadline.infinite()) {
    const absl::Duration left = deadline.Remaining();
    if (left <= absl::ZeroDuration()) {
      return CallDeadlineExceeded(call->method, target_, budget,
                                  "before the request was sent");
    }
    header.timeout_us = static_cast<uint64_t>(
        std::max<int64_t>(1, absl::ToInt64Microseconds(left)));
  }
  header.metadata = call->request_metadata;
  frame->RetrieveAll();
  absl::Status encoded = EncodeRequest(header, request, max_frame_size_, frame);
  if (!encoded.ok()) {
    return CallError(absl::StatusCode::kResourceExhausted, call->method,
                     target_,
                     absl::StrCat("request not sent: ", encoded.message()));
  }
  return absl::OkStatus();
}

absl::Status ClientConnection::AdmitLocked(const PendingCall* call,
                                           bool* resend_safe) {
  if (closing_) {
    *resend_safe = true;
    return CallError(absl::StatusCode::kUnavailable, call->method, target_,
                     "connection closing before the request was sent");
  }
  // Checked under mu_, which Cancel() takes after the flag is set: either
  // we see it here, or Cancel() finds the call registered.
  if (CallCancellation::IsCancelled(call->context)) {
    return CallCancelled(call->method, target_, "before it was sent");
  }
  if (calls_.empty()) ++busy_epoch_;  // silence counts from here
  return absl::OkStatus();
}

absl::Status ClientConnection::Call(const google::protobuf::Message& request,
                                    PendingCall* call, const Deadline& deadline,
                                    absl::Duration budget, bool* resend_safe) {
  *resend_safe = false;
  if (!accepts_calls()) {
    *resend_safe = true;
    return CallError(absl::StatusCode::kUnavailable, call->method, target_,
                     "connection closing before the request was sent");
  }
  Buffer& frame = ThreadFrameBuffer();
  absl::Status encoded = EncodeCall(request, call, deadline, budget, &frame);
  if (!encoded.ok()) return encoded;

  bool writer = false;
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Status admitted = AdmitLocked(call, resend_safe);
    if (!admitted.ok()) return admitted;
    calls_.Insert(call);
    writer = !writing_;
    if (writer) writing_ = true;
    // batch_ is read only when nobody else holds the writer role.
    if (!writer || !queued_.empty() || !batch_.empty()) {
      // Someone is writing (or frames are already waiting, perhaps the
      // rest of a batch a writer could not finish): ours goes behind them,
      // and the writer sends it.
      queued_.Append(frame.readable());
      queued = true;
      call->queued = true;
      call->queued_before_batch = batches_taken_;
      // A writer stays kSending, so it is never picked to take a role
      // while it is busy writing.
      if (!writer) call->state = State::kWaiting;
    } else {
      call->sent_directly = true;
    }
  }

  bool leading = false;
  if (writer && !queued) {
    absl::Status sent =
        SendOwnFrame(frame.readable(), call, deadline, budget, &leading);
    frame.RetrieveAll();
    frame.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
    if (!sent.ok()) {
      *resend_safe = call->resend_safe;
      return sent;
    }
  } else {
    frame.RetrieveAll();
    frame.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
  }
  if (writer) FlushQueued(call, deadline, &leading);
  absl::Status status = Await(call, deadline, budget, leading);
  // Written with the status by whoever finished the call, before kDone.
  *resend_safe = call->resend_safe;
  return status;
}

absl::Status ClientConnection::StartAsync(
    const google::protobuf::Message& request, PendingCall* call,
    bool* resend_safe) {
  *resend_safe = false;
  if (!accepts_calls()) {
    *resend_safe = true;
    return CallError(absl::StatusCode::kUnavailable, call->method, target_,
                     "connection closing before the request was sent");
  }
  Buffer& frame = ThreadFrameBuffer();
  absl::Status encoded =
      EncodeCall(request, call, call->deadline, call->budget, &frame);
  if (!encoded.ok()) return encoded;
  bool send_now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::Status admitted = AdmitLocked(call, resend_safe);
    if (!admitted.ok()) return admitted;
    call->state = State::kWaiting;
    calls_.Insert(call);
    // Always behind whatever is queued; sent below when nobody writes.
    queued_.Append(frame.readable());
    call->queued = true;
    call->queued_before_batch = batches_taken_;
    if (!writing_) {
      writing_ = true;
      send_now = true;
    }
  }
  // From here `call` may be finished and gone at any time.
  frame.RetrieveAll();
  frame.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
  if (send_now) SendQueuedWithoutWaiting();
  return absl::OkStatus();
}

bool ClientConnection::has_async_calls() {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_.async_size() > 0;
}

bool ClientConnection::TryLeadForAsync() {
  std::lock_guard<std::mutex> lock(mu_);
  if (reading_ || broken_ || calls_.async_size() == 0 ||
      calls_.size() != calls_.async_size()) {
    return false;
  }
  reading_ = true;
  reader_call_ = nullptr;
  return true;
}

bool ClientConnection::HasBufferedInput() const {
  return io_.has_buffered_input();
}

void ClientConnection::ReadForAsync(bool readable) {
  // A previous reader may have left whole frames in the buffer.
  if (DispatchFrames(nullptr)) return;
  if (readable || io_.has_buffered_input()) {
    if (ReadInput()) DispatchFrames(nullptr);
    return;
  }
  CheckSilence();
}

void ClientConnection::EndAsyncLead() {
  std::lock_guard<std::mutex> lock(mu_);
  ReleaseLeadershipLocked();
}

void ClientConnection::SendStrandedOutput() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken_ || !OutputStrandedLocked()) return;
    writing_ = true;
  }
  SendQueuedWithoutWaiting();
}

void ClientConnection::ExpireAsyncCalls() {
  std::lock_guard<std::mutex> lock(mu_);
  for (PendingCall* call : calls_.TakeExpiredAsync()) {
    call->status = CallDeadlineExceeded(call->method, target_, call->budget);
    call->resend_safe = false;
    PendingCall::Finish(call);
  }
}

absl::Status ClientConnection::SendOwnFrame(absl::string_view frame,
                                            PendingCall* call,
                                            const Deadline& deadline,
                                            absl::Duration budget,
                                            bool* leading) {
  size_t sent = 0;
  while (sent < frame.size()) {
    int error = 0;
    const ssize_t n =
        io_.Send(frame.data() + sent, frame.size() - sent, &error);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (error == EINTR) continue;
    // Bytes handed to TLS may be on the wire even when none was counted.
    const bool none_left = sent == 0 && !io_.holds_unsent_record();
    if (error != EAGAIN && error != EWOULDBLOCK) {
      const absl::Status cause = io_.SendFailure(
          absl::StrCat("send ", frame.size(), "-byte request (", sent,
                       " bytes sent)"),
          error);
      if (none_left) {
        // Refused outright (the server had closed): none of it left.
        std::lock_guard<std::mutex> lock(mu_);
        call->sent_directly = false;
      }
      Fail(cause, /*peer_closed=*/true);
      return Abandon(call, CallError(cause, call->method, target_), *leading,
                     true);
    }
    bool failed = false;
    // A cancelled call stops waiting for room only while none of its
    // frame has left; once some has, the rest must follow for the sake of
    // the other calls on the connection.
    if (WaitWritable(call, deadline, leading, &failed,
                     /*stop_when_done=*/none_left && call->context != nullptr)) {
      continue;
    }
    if (failed) {
      // Fail() has finished the call; the reason below is not used.
      return Abandon(call,
                     CallError(absl::StatusCode::kUnavailable, call->method,
                               target_, "connection lost while sending"),
                     *leading, true);
    }
    // Half a frame on the wire leaves a stream that cannot carry another.
    absl::Status cut_off =
        none_left ? absl::OkStatus()
                  : absl::UnavailableError(absl::StrCat(
                        "connection closed: a request to ", call->method,
                        " was cut off mid-frame by its deadline (", sent,
                        " of ", frame.size(), " bytes sent)"));
    return Abandon(
        call,
        CallDeadlineExceeded(call->method, target_, budget,
                             absl::StrCat("while sending the request, ", sent,
                                          " of ", frame.size(), " bytes sent")),
        *leading, true, cut_off);
  }
  return absl::OkStatus();
}

void ClientConnection::FlushQueued(PendingCall* own, const Deadline& deadline,
                                   bool* leading) {
  bool batch_touched = false;
  while (true) {
    if (batch_.empty()) {
      batch_.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
      std::lock_guard<std::mutex> lock(mu_);
      if (StopWritingIfNothingQueuedLocked()) return;
      if (own->state == State::kDone &&
          calls_.FindWaiting(reader_call_) != nullptr) {
        // Our call is over; a caller asleep on its slot sends the rest
        // rather than holding us back for as long as others keep queueing.
        // Not the reader: it waits in poll and would not hear the wake, so
        // with nobody else waiting we send it all ourselves.
        ReleaseWriterLocked();
        return;
      }
      TakeQueuedBatchLocked();
      batch_touched = false;
    }
    int error = 0;
    if (SendSomeOfBatch(&error)) {
      batch_touched = true;
      continue;
    }
    if (error == EINTR) continue;
    batch_touched = batch_touched || io_.holds_unsent_record();
    bool failed = false;
    if (error != EAGAIN && error != EWOULDBLOCK) {
      FailSendingBatch(error);
      failed = true;
    } else if (WaitWritable(own, deadline, leading, &failed)) {
      continue;
    }
    if (!failed && batch_touched) {
      // Part of the batch left: a frame may be cut in half.
      Fail(absl::UnavailableError(absl::StrCat(
          "connection closed: the server stopped reading requests (",
          batch_.readable_bytes(),
          " bytes of queued requests not sent when the deadline of ",
          own->method, " passed)")));
      failed = true;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (failed) {
      DropBatchLocked();
    } else {
      // Nothing of this batch left: a waiting caller may send it whole.
      ReleaseWriterLocked();
    }
    return;
  }
}

bool ClientConnection::WaitWritable(PendingCall* own, const Deadline& deadline,
                                    bool* leading, bool* failed,
                                    bool stop_when_done) {
  // The socket is full. Read meanwhile if nobody else does: a server
  // blocked writing responses we do not read may stop reading ours.
  while (true) {
    if (stop_when_done && own->state == State::kDone) return false;
    if (!*leading) *leading = TryLead(own);
    if (*leading && io_.has_buffered_input()) {
      // Responses already decrypted, which poll would not report.
      if (ReadInput()) DispatchFrames(own);
      if (broken()) {
        *failed = true;
        return false;
      }
    }
    pollfd p{fd_.get(), static_cast<short>(POLLOUT | (*leading ? POLLIN : 0)),
             0};
    int timeout_ms = deadline.PollTimeoutMs();
    if ((!*leading || stop_when_done) &&
        (timeout_ms < 0 || timeout_ms > kRetryLeadMs)) {
      // The reader may give up its role without waking us, or a
      // cancellation end our call: look again.
      timeout_ms = kRetryLeadMs;
    }
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      Fail(Unavailable("poll to send requests", errno));
      *failed = true;
      return false;
    }
    if (ready == 0) {
      if (!deadline.Expired()) continue;
      return false;
    }
    if (*leading && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      if (ReadInput()) DispatchFrames(own);
    }
    if (broken()) {
      *failed = true;
      return false;
    }
    return true;
  }
}

void ClientConnection::SendQueuedWithoutWaiting() {
  while (true) {
    if (batch_.empty()) {
      batch_.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
      std::lock_guard<std::mutex> lock(mu_);
      if (StopWritingIfNothingQueuedLocked()) return;
      TakeQueuedBatchLocked();
    }
    int error = 0;
    if (SendSomeOfBatch(&error) || error == EINTR) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      // The socket is full: the next writer sends the rest, starting with
      // what is left of batch_ (new requests queue behind it).
      std::lock_guard<std::mutex> lock(mu_);
      ReleaseWriterLocked();
      return;
    }
    FailSendingBatch(error);
    std::lock_guard<std::mutex> lock(mu_);
    DropBatchLocked();
    return;
  }
}

bool ClientConnection::StopWritingIfNothingQueuedLocked() {
  if (!broken_ && !queued_.empty()) return false;
  queued_.RetrieveAll();
  writing_ = false;
  return true;
}

void ClientConnection::TakeQueuedBatchLocked() {
  std::swap(queued_, batch_);
  ++batches_taken_;
}

bool ClientConnection::SendSomeOfBatch(int* error) {
  const ssize_t n = io_.Send(batch_.peek(), batch_.readable_bytes(), error);
  if (n < 0) return false;
  batch_.Retrieve(static_cast<size_t>(n));
  return true;
}

void ClientConnection::FailSendingBatch(int error) {
  Fail(io_.SendFailure(absl::StrCat("send ", batch_.readable_bytes(),
                                    " bytes of queued requests"),
                       error),
       /*peer_closed=*/true);
}

void ClientConnection::DropBatchLocked() {
  batch_.RetrieveAll();
  writing_ = false;
}

void ClientConnection::CancelHook(void* arg) {
  const CancelTarget* target = static_cast<const CancelTarget*>(arg);
  target->connection->Cancel(target->call);
}

void ClientConnection::Cancel(PendingCall* call) {
  bool send_now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!calls_.Remove(call)) return;
    const bool was_promoted = call->state == State::kPromoted;
    if (!broken_) {
      // Tells the server, behind the call's own request wherever that is.
      wire::CancelRequest cancel;
      cancel.set_call_id(call->call_id);
      RequestHeader header;
      header.call_id = next_call_id_.fetch_add(1, std::memory_order_relaxed);
      header.method = kCancelMethod;
      // A few bytes, far below any frame limit; should it fail anyway, the
      // call still ends, only the server is not told.
      if (EncodeRequest(header, cancel, max_frame_size_, &queued_).ok() &&
          !writing_) {
        writing_ = true;
        send_now = true;
      }
    }
    call->status = CallCancelled(call->method, target_);
    call->resend_safe = false;
    // Its thread may return at once; `call` is not touched after this.
    PendingCall::Finish(call);
    // It will not take the role it was woken for.
    if (was_promoted) PromoteLocked();
  }
  if (send_now) SendQueuedWithoutWaiting();
}

void ClientConnection::ReleaseWriterLocked() {
  writing_ = false;
  PromoteLocked();
}

bool ClientConnection::OutputStrandedLocked() const {
  // batch_ is read here only while no thread holds the writer role.
  return !writing_ && (!queued_.empty() || !batch_.empty());
}

absl::Status ClientConnection::Abandon(PendingCall* call, absl::Status reason,
                                       bool leading, bool writing,
                                       const absl::Status& fail_connection) {
  std::unique_lock<std::mutex> lock(mu_);
  // A reader may be parsing an answer into the call (a server answering a
  // request it cannot have read whole is broken, but must not crash us).
  WaitWhileClaimed(call, lock);
  if (call->state != State::kDone) {
    calls_.Remove(call);
    call->state = State::kDone;
    call->status = std::move(reason);
  }
  // Failed before the roles are given up, so no other writer can put a
  // frame behind a cut-off one.
  if (!fail_connection.ok()) FailLocked(fail_connection);
  if (writing) writing_ = false;
  if (leading) {
    reading_ = false;
    reader_call_ = nullptr;
  }
  PromoteLocked();
  return call->status;
}

absl::Status ClientConnection::Await(PendingCall* call,
                                     const Deadline& deadline,
                                     absl::Duration budget, bool leading) {
  std::unique_lock<std::mutex> lock(mu_);
  if (call->state == State::kSending) call->state = State::kWaiting;
  while (true) {
    const State state = call->state;
    if (state == State::kDone) break;
    if (state == State::kClaimed) {
      // The reader is parsing our response right now: no I/O left to wait
      // for, so this wait is short and needs no deadline.
      WaitWhileClaimed(call, lock);
      continue;
    }
    // Promoted or not, the roles are looked at below.
    if (state == State::kPromoted) call->state = State::kWaiting;
    if (deadline.Expired()) {
      calls_.Remove(call);
      call->state = State::kDone;
      call->status = CallDeadlineExceeded(call->method, target_, budget);
      break;
    }
    if (!broken_ && OutputStrandedLocked()) {
      // A writer gave up with frames queued (perhaps ours): send them.
      writing_ = true;
      call->state = State::kSending;
      lock.unlock();
      FlushQueued(call, deadline, &leading);
      lock.lock();
      if (call->state == State::kSending) call->state = State::kWaiting;
      continue;
    }
    if (!leading && !reading_ && !broken_) {
      reading_ = true;
      reader_call_ = call;
      leading = true;
    }
    if (leading) {
      lock.unlock();
      LeadStep(call, deadline);
      lock.lock();
      continue;
    }
    lock.unlock();
    call->SleepWhile(State::kWaiting, deadline);
    // Finished by a reader: return without the lock. A promotion cannot
    // be lost this way: the reader took us out of the table under the
    // lock after any promotion, and promoted another caller instead.
    if (call->state == State::kDone) return call->status;
    lock.lock();
  }
  if (leading) {
    ReleaseLeadershipLocked();
  } else {
    // We may have been chosen as the next reader or writer just as we
    // finished.
    PromoteLocked();
  }
  return call->status;
}

void ClientConnection::LeadStep(PendingCall* own, const Deadline& deadline) {
  // A previous reader may have left whole frames in the buffer.
  if (DispatchFrames(own)) return;
  if (io_.has_buffered_input()) {
    // Decrypted already: poll would not report it.
    if (ReadInput()) DispatchFrames(own);
    return;
  }
  int timeout_ms = deadline.PollTimeoutMs();
  if (timeout_ms < 0 || timeout_ms > kRecheckMs) {
    if (blocking_reads_) {
      // One recv that waits up to kRecheckMs (none arrived: EAGAIN, read
      // as no bytes), as a hand-written blocking client does, rather than
      // poll and then recv.
      const uint64_t before = reader_.bytes_read();
      if (!ReadInput()) return;
      if (reader_.bytes_read() == before) {
        CheckSilence();
        return;
      }
      DispatchFrames(own);
      return;
    }
    timeout_ms = kRecheckMs;
  }
  // The deadline comes sooner than the receive timeout: poll for exactly
  // that long.
  pollfd p{fd_.get(), POLLIN, 0};
  const int ready = ::poll(&p, 1, timeout_ms);
  if (ready < 0) {
    if (errno != EINTR) Fail(Unavailable("poll for responses", errno));
    return;
  }
  if (ready == 0) {
    CheckSilence();
    return;
  }
  if (ready > 0 && ReadInput()) DispatchFrames(own);
}

void ClientConnection::CheckSilence() {
  if (keepalive_.time == absl::InfiniteDuration()) return;
  uint64_t busy_epoch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (calls_.empty()) return;  // an idle connection is not pinged
    busy_epoch = busy_epoch_;
  }
  switch (silence_.Look(Deadline::Clock::now(), reader_.bytes_read(),
                        busy_epoch)) {
    case SilenceWatch::Action::kNone:
      return;
    case SilenceWatch::Action::kPing:
      break;
    case SilenceWatch::Action::kDead:
      Fail(absl::UnavailableError(absl::StrCat(
          "connection presumed dead: no byte from the server for ",
          HumanDuration(keepalive_.time), " and none within ",
          HumanDuration(keepalive_.timeout),
          " of a keepalive ping (ChannelOptions::keepalive_time, "
          "keepalive_timeout)")));
      return;
  }
  // Any answer proves the server alive, even UNIMPLEMENTED from a version 1
  // server; its call id is nobody's, so it is dropped.
  bool send_now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken_) return;
    RequestHeader header;
    header.call_id = next_call_id_.fetch_add(1, std::memory_order_relaxed);
    header.method = kPingMethod;
    // An empty request is far below any frame limit; should encoding fail
    // anyway, no ping goes and the timeout still runs.
    if (!EncodeRequest(header, absl::string_view(), max_frame_size_, &queued_)
             .ok()) {
      return;
    }
    if (!writing_) {
      writing_ = true;
      send_now = true;
    }
  }
  if (send_now) SendQueuedWithoutWaiting();
}

bool ClientConnection::ReadInput() {
  absl::Status read = reader_.Read(io_);
  if (read.ok()) return true;
  Fail(read, /*peer_closed=*/true);
  return false;
}

bool ClientConnection::DispatchFrames(PendingCall* own) {
  bool own_done = false;
  absl::Status broken = reader_.DispatchFrames(
      [this, own, &own_done](const DecodedResponse& response) {
        if (Deliver(own, response)) own_done = true;
      },
      [this] {
        std::lock_guard<std::mutex> lock(mu_);
        drain_announced_ = true;
        StopAcceptingLocked();
      });
  if (broken.ok()) return own_done;
  Fail(broken);
  return true;
}

bool ClientConnection::Deliver(PendingCall* own,
                               const DecodedResponse& response) {
  PendingCall* call;
  {
    std::lock_guard<std::mutex> lock(mu_);
    call = calls_.Take(response.call_id);
    if (call == nullptr) return false;  // its caller gave up: drop it
    // The server turns calls away unprocessed only while it goes away.
    if (response.not_processed) StopAcceptingLocked();
    const bool was_promoted = call->state == State::kPromoted;
    call->state = State::kClaimed;
    // It will see only kDone, not the role it was woken for.
    if (was_promoted) PromoteLocked();
  }
  // Out of the table, the slot is ours alone: parse without the lock.
  call->status = Complete(call, response);
  call->resend_safe = response.not_processed && !call->status.ok();
  if (call == own) {
    // Only this thread looks at its own slot once it left the table.
    own->state = State::kDone;
    return true;
  }
  PendingCall::Finish(call);
  return false;
}

absl::Status ClientConnection::Complete(PendingCall* call,
                                        const DecodedResponse& response) {
  if (call->context != nullptr) {
    Metadata& metadata = *call->context->mutable_response_metadata();
    for (const auto& [key, value] : response.metadata) metadata[key] = value;
  }
  // A status of the call's own, not a copy of the reader's: a copy would
  // share its message with the reader's reused response, which the next
  // frame overwrites on whichever thread reads then, while the caller still
  // holds the copy (absl::Status counts its references relaxed, so the two
  // threads would not be ordered).
  if (!response.status.ok()) {
    return absl::Status(response.status.code(), response.status.message());
  }
  const absl::string_view payload = response.payload;
  if (!call->response->ParseFromArray(payload.data(),
                                      static_cast<int>(payload.size()))) {
    return CallError(absl::StatusCode::kInternal, call->method, target_,
                     absl::StrCat("response payload of ", payload.size(),
                                  " bytes does not parse as ",
                                  call->response->GetTypeName()));
  }
  return absl::OkStatus();
}

void ClientConnection::WaitWhileClaimed(PendingCall* call,
                                        std::unique_lock<std::mutex>& lock) {
  while (call->state == State::kClaimed) {
    lock.unlock();
    call->SleepWhile(State::kClaimed, Deadline::Infinite());
    lock.lock();
  }
}

bool ClientConnection::TryLead(const PendingCall* own) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reading_ || broken_) return false;
  reading_ = true;
  reader_call_ = own;
  return true;
}

void ClientConnection::ReleaseLeadershipLocked() {
  reading_ = false;
  reader_call_ = nullptr;
  PromoteLocked();
}

void ClientConnection::PromoteLocked() {
  if (broken_ || (reading_ && !OutputStrandedLocked())) return;
  // Never the reader: a wake on its slot would be lost while it is in
  // poll. It finds stranded output itself within kRecheckMs.
  if (PendingCall* next = calls_.FindWaiting(reader_call_)) {
    PendingCall::SetAndWake(next, State::kPromoted);
  }
}

void ClientConnection::Fail(const absl::Status& cause, bool peer_closed) {
  std::lock_guard<std::mutex> lock(mu_);
  FailLocked(cause, peer_closed);
}

void ClientConnection::StopAcceptingLocked() {
  closing_ = true;
  closing_flag_.store(true, std::memory_order_release);
}

void ClientConnection::FailLocked(const absl::Status& cause,
                                  bool peer_closed) {
  if (broken_) return;
  broken_ = true;
  broken_flag_.store(true, std::memory_order_release);
  StopAcceptingLocked();
  queued_.RetrieveAll();
  // After its drain notice the server answers every call it read before
  // closing, so one it closed on unanswered never ran.
  const bool drained = peer_closed && drain_announced_;
  for (PendingCall* call : calls_.TakeAll()) {
    const bool maybe_sent =
        call->sent_directly ||
        (call->queued && call->queued_before_batch != batches_taken_);
    call->resend_safe = drained || !maybe_sent;
    call->status = CallError(cause, call->method, target_);
    PendingCall::Finish(call);
  }
  // Wakes a reader in poll and a writer waiting for room; the descriptor
  // itself stays open until the last call holding the connection is gone.
  ::shutdown(fd_.get(), SHUT_RDWR);
}

}  // namespace internal
}  // namespace framerpc
