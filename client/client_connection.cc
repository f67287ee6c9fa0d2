#include "client/client_connection.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/call_status.h"
#include "framing/envelope_codec.h"
#include "framing/posix_error.h"
#include "rpc/status_mapping.h"

namespace framerpc {
namespace internal {
namespace {

using State = PendingCall::State;

// Buffers keep at most this much memory while idle, so one huge frame does
// not pin its memory for the life of a thread or connection. Above the
// frame of a 1 MiB message, so that back-to-back calls of a few MiB reuse
// their buffers instead of returning and faulting them in on every call.
constexpr size_t kMaxIdleBuffer = size_t{4} << 20;

// A read that would need more than this for the rest of a frame reserves
// it at once instead of growing the buffer in steps.
constexpr size_t kReadReserveThreshold = 64 * 1024;

absl::Status Unavailable(absl::string_view what, int error_number) {
  return absl::UnavailableError(PosixError(what, error_number).message());
}

// The encoding scratch of the calling thread, reused by its calls so a
// request is serialized straight into memory that is already there.
struct EncodeScratch {
  wire::Request header;
  Buffer frame;
};

EncodeScratch& ThreadScratch() {
  thread_local EncodeScratch scratch;
  return scratch;
}

}  // namespace

ClientConnection::ClientConnection(UniqueFd fd, std::string target, size_t max_frame_size)
    : fd_(std::move(fd)),
      target_(std::move(target)),
      max_frame_size_(max_frame_size),
      decoder_(max_frame_size) {}

absl::Status ClientConnection::Call(const google::protobuf::Message& request,
                              PendingCall* call, const Deadline& deadline,
                              absl::Duration budget, bool* not_started) {
  *not_started = false;
  if (!Register(call)) {
    *not_started = true;
    return CallError(absl::StatusCode::kUnavailable, call->method, target_,
                     "connection lost before the request was sent");
  }

  EncodeScratch& scratch = ThreadScratch();
  wire::Request& header = scratch.header;
  header.Clear();
  header.set_call_id(call->call_id);
  header.mutable_method()->assign(call->method.data(), call->method.size());
  if (!deadline.infinite()) {
    const absl::Duration left = deadline.Remaining();
    if (left <= absl::ZeroDuration()) {
      return Abandon(call,
                     CallDeadlineExceeded(call->method, target_, budget,
                                          "before the request was sent"),
                     false);
    }
    header.set_timeout_us(static_cast<uint64_t>(
        std::max<int64_t>(1, absl::ToInt64Microseconds(left))));
  }
  if (call->context != nullptr) {
    auto& metadata = *header.mutable_metadata();
    for (const auto& [key, value] : call->context->metadata()) {
      metadata[key] = value;
    }
  }
  Buffer& frame = scratch.frame;
  frame.RetrieveAll();
  absl::Status encoded = AppendFrame(header, &request, max_frame_size_, &frame);
  if (!encoded.ok()) {
    return Abandon(
        call,
        CallError(absl::StatusCode::kResourceExhausted, call->method, target_,
                  absl::StrCat("request not sent: ", encoded.message())),
        false);
  }

  bool leading = false;
  absl::Status sent = Send(frame.readable(), call, deadline, budget, &leading);
  frame.RetrieveAll();
  frame.ShrinkIfIdle(kMaxIdleBuffer);
  if (!sent.ok()) return sent;
  return Await(call, deadline, budget, leading);
}

bool ClientConnection::Register(PendingCall* call) {
  std::lock_guard<std::mutex> lock(mu_);
  if (broken_) return false;
  call->call_id = next_call_id_++;
  calls_.Insert(call);
  return true;
}

absl::Status ClientConnection::Send(absl::string_view frame, PendingCall* call,
                              const Deadline& deadline, absl::Duration budget,
                              bool* leading) {
  std::unique_lock<std::timed_mutex> write_lock(write_mu_, std::defer_lock);
  if (!write_lock.try_lock()) {
    if (deadline.infinite()) {
      write_lock.lock();
    } else if (!write_lock.try_lock_until(deadline.ToSystem())) {
      return Abandon(
          call,
          CallDeadlineExceeded(call->method, target_, budget,
                               "waiting for another request to be sent"),
          *leading);
    }
  }
  if (broken()) {
    // Failed while we waited for our turn; Fail() has finished the call.
    return Abandon(call,
                   CallError(absl::StatusCode::kUnavailable, call->method,
                             target_, "connection lost before sending"),
                   *leading);
  }
  size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t n = ::send(fd_.get(), frame.data() + sent,
                             frame.size() - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      const absl::Status cause =
          Unavailable(absl::StrCat("send ", frame.size(), "-byte request (",
                                   sent, " bytes sent)"),
                      errno);
      Fail(cause);
      return Abandon(call, CallError(cause, call->method, target_), *leading);
    }
    // The socket is full. Read meanwhile if nobody else does: a server
    // blocked writing responses we do not read may stop reading ours.
    if (!*leading) *leading = TryLead();
    pollfd p{fd_.get(), static_cast<short>(POLLOUT | (*leading ? POLLIN : 0)),
             0};
    const int ready = ::poll(&p, 1, deadline.PollTimeoutMs());
    if (ready < 0) {
      if (errno == EINTR) continue;
      const absl::Status cause = Unavailable("poll to send a request", errno);
      Fail(cause);
      return Abandon(call, CallError(cause, call->method, target_), *leading);
    }
    if (ready == 0) {
      if (!deadline.Expired()) continue;
      absl::Status status =
          Abandon(call,
                  CallDeadlineExceeded(
                      call->method, target_, budget,
                      absl::StrCat("while sending the request, ", sent, " of ",
                                   frame.size(), " bytes sent")),
                  *leading);
      if (sent > 0) {
        // Half a frame is on the wire: the stream cannot carry another.
        Fail(absl::UnavailableError(
            absl::StrCat("connection closed: a request to ", call->method,
                         " was cut off mid-frame by its deadline (", sent,
                         " of ", frame.size(), " bytes sent)")));
      }
      return status;
    }
    if (*leading && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      if (ReadInput()) DispatchFrames(call);
      if (broken()) {
        // Fail() has finished the call; the reason below is not used.
        return Abandon(call,
                       CallError(absl::StatusCode::kUnavailable, call->method,
                                 target_, "connection lost while sending"),
                       *leading);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ClientConnection::Abandon(PendingCall* call, absl::Status reason,
                                 bool leading) {
  std::unique_lock<std::mutex> lock(mu_);
  // A reader may be parsing an answer into the call (a server answering a
  // request it cannot have read whole is broken, but must not crash us).
  while (call->state == State::kClaimed) call->cv.wait(lock);
  if (call->state != State::kDone) {
    calls_.Remove(call);
    call->state = State::kDone;
    call->status = std::move(reason);
  }
  if (leading) ReleaseLeadershipLocked();
  return call->status;
}

absl::Status ClientConnection::Await(PendingCall* call, const Deadline& deadline,
                               absl::Duration budget, bool leading) {
  std::unique_lock<std::mutex> lock(mu_);
  if (call->state == State::kSending) call->state = State::kWaiting;
  while (call->state != State::kDone) {
    if (call->state == State::kClaimed) {
      // The reader is parsing our response right now: no I/O left to wait
      // for, so this wait is short and needs no deadline.
      call->cv.wait(lock);
      continue;
    }
    if (deadline.Expired()) {
      calls_.Remove(call);
      call->state = State::kDone;
      call->status = CallDeadlineExceeded(call->method, target_, budget);
      break;
    }
    if (!leading && !reading_ && !broken_) {
      reading_ = true;
      leading = true;
    }
    if (leading) {
      lock.unlock();
      LeadStep(call, deadline);
      lock.lock();
      continue;
    }
    if (deadline.infinite()) {
      call->cv.wait(lock);
    } else {
      call->cv.wait_until(lock, deadline.steady());
    }
  }
  if (leading) {
    ReleaseLeadershipLocked();
  } else {
    // We may have been chosen as the next reader just as we finished.
    PromoteLocked();
  }
  return call->status;
}

void ClientConnection::LeadStep(PendingCall* own, const Deadline& deadline) {
  // A previous reader may have left whole frames in the buffer.
  if (DispatchFrames(own)) return;
  pollfd p{fd_.get(), POLLIN, 0};
  const int ready = ::poll(&p, 1, deadline.PollTimeoutMs());
  if (ready < 0) {
    if (errno != EINTR) Fail(Unavailable("poll for responses", errno));
    return;
  }
  if (ready > 0 && ReadInput()) DispatchFrames(own);
}

bool ClientConnection::ReadInput() {
  const size_t missing = decoder_.BytesMissing(input_);
  if (missing > kReadReserveThreshold) input_.EnsureWritable(missing);
  int error_number = 0;
  const ssize_t n = input_.ReadFromFd(fd_.get(), &error_number);
  if (n > 0) return true;
  if (n < 0) {
    if (error_number == EAGAIN || error_number == EWOULDBLOCK) return true;
    Fail(Unavailable("read responses", error_number));
    return false;
  }
  if (input_.empty()) {
    Fail(absl::UnavailableError("connection closed by the server"));
  } else {
    Fail(absl::UnavailableError(absl::StrCat(
        "connection closed by the server mid-frame (",
        decoder_.BytesMissing(input_), " bytes of a response frame missing)")));
  }
  return false;
}

bool ClientConnection::DispatchFrames(PendingCall* own) {
  bool own_done = false;
  while (true) {
    absl::StatusOr<absl::optional<Frame>> next = decoder_.Next(input_);
    if (!next.ok()) {
      Fail(absl::ResourceExhaustedError(
          absl::StrCat("read response: ", next.status().message(),
                       " (ChannelOptions::max_frame_size)")));
      return true;
    }
    if (!next->has_value()) break;
    const Frame frame = **next;
    absl::string_view payload;
    absl::Status decoded = DecodeEnvelope(frame.body, &header_, &payload);
    if (!decoded.ok()) {
      Fail(absl::InternalError(
          absl::StrCat("read response: ", decoded.message())));
      return true;
    }
    if (header_.call_id() == 0) {
      absl::Status reported = StatusFromWire(header_.code(), header_.message());
      if (reported.ok()) {
        reported = absl::InternalError(
            "server sent a connection error (call_id 0) with code OK");
      }
      Fail(absl::Status(
          reported.code(),
          absl::StrCat("server closed the connection: ", reported.message())));
      return true;
    }
    if (Deliver(own, payload)) own_done = true;
    input_.Retrieve(frame.frame_size);
  }
  if (input_.empty()) input_.ShrinkIfIdle(kMaxIdleBuffer);
  return own_done;
}

bool ClientConnection::Deliver(PendingCall* own, absl::string_view payload) {
  PendingCall* call;
  {
    std::lock_guard<std::mutex> lock(mu_);
    call = calls_.Take(header_.call_id());
    if (call == nullptr) return false;  // its caller gave up: drop it
    call->state = State::kClaimed;
  }
  // Out of the table, the slot is ours alone: parse without the lock.
  absl::Status status = Complete(call, payload);
  if (call == own) {
    // Only this thread looks at its own slot once it left the table.
    own->status = std::move(status);
    own->state = State::kDone;
    return true;
  }
  std::lock_guard<std::mutex> lock(mu_);
  call->status = std::move(status);
  call->state = State::kDone;
  // Under the lock: once it sees kDone the caller may return and destroy
  // the condition variable.
  call->cv.notify_one();
  return false;
}

absl::Status ClientConnection::Complete(PendingCall* call,
                                  absl::string_view payload) {
  if (call->context != nullptr) {
    Metadata& metadata = *call->context->mutable_response_metadata();
    for (const auto& [key, value] : header_.metadata()) metadata[key] = value;
  }
  if (header_.code() != 0)
    return StatusFromWire(header_.code(), header_.message());
  if (!call->response->ParseFromArray(payload.data(),
                                      static_cast<int>(payload.size()))) {
    return CallError(absl::StatusCode::kInternal, call->method, target_,
                     absl::StrCat("response payload of ", payload.size(),
                                  " bytes does not parse as ",
                                  call->response->GetTypeName()));
  }
  return absl::OkStatus();
}

bool ClientConnection::TryLead() {
  std::lock_guard<std::mutex> lock(mu_);
  if (reading_ || broken_) return false;
  reading_ = true;
  return true;
}

void ClientConnection::ReleaseLeadershipLocked() {
  reading_ = false;
  PromoteLocked();
}

void ClientConnection::PromoteLocked() {
  if (reading_ || broken_) return;
  if (PendingCall* next = calls_.FindWaiting()) next->cv.notify_one();
}

void ClientConnection::Fail(const absl::Status& cause) {
  std::lock_guard<std::mutex> lock(mu_);
  FailLocked(cause);
}

void ClientConnection::FailLocked(const absl::Status& cause) {
  if (broken_) return;
  broken_ = true;
  broken_flag_.store(true, std::memory_order_release);
  for (PendingCall* call : calls_.TakeAll()) {
    call->status = CallError(cause, call->method, target_);
    call->state = State::kDone;
    call->cv.notify_one();
  }
  // Wakes a reader in poll and a writer waiting for room; the descriptor
  // itself stays open until the last call holding the connection is gone.
  ::shutdown(fd_.get(), SHUT_RDWR);
}

}  // namespace internal
}  // namespace framerpc
