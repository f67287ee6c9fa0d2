// internal: ClientConnection, one connected socket and the calls in flight on it.
// Many threads call at once; their requests are pipelined on the socket and
// the responses, in whatever order they come, go to the right callers by
// call id.
//
// There is no reader thread. The calling threads take turns reading
// (leader/follower): after sending, a caller becomes the reader if no one
// is, and reads until its own response arrives or its deadline passes,
// handing every other caller's response to that caller on the way. Then it
// passes the role to one caller still waiting and returns. A caller that
// finds a reader waits on its own condition variable until the reader
// completes its call, makes it the next reader, or its deadline passes. At
// concurrency 1 a call is thus a send, a poll and a read on the calling
// thread, with no thread switch.
//
// A response is handed over without copying it: the reader takes the
// waiter's slot out of the call table (so nobody else can complete it),
// parses the payload straight from the read buffer into the waiter's
// response message outside the lock, then marks the slot done and notifies.
//
// Any failure of the stream (end of stream, reset, a frame over the limit,
// a body that is not a Response, a call_id 0 error from the server, a
// request cut off mid-frame by its deadline) fails every call in flight and
// breaks the connection for good; the channel then opens a new one.
//
// Shared by the channel (until it breaks) and by each call running on it,
// so the descriptor is closed, and its number reusable, only after the last
// call returned. Thread-safe.
#ifndef FRAMERPC_CLIENT_CLIENT_CONNECTION_H_
#define FRAMERPC_CLIENT_CLIENT_CONNECTION_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/call_table.h"
#include "client/deadline.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"
#include "framing/unique_fd.h"
#include "google/protobuf/message.h"
#include "proto/wire.pb.h"

namespace framerpc {
namespace internal {

class ClientConnection {
 public:
  // Takes a connected, non-blocking socket. `target` names the server in
  // messages; `max_frame_size` bounds requests and responses.
  ClientConnection(UniqueFd fd, std::string target, size_t max_frame_size);
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // True once the connection has failed: it accepts no more calls.
  bool broken() const { return broken_flag_.load(std::memory_order_acquire); }

  // Runs one call on this connection and returns its outcome: sends
  // `request` as call->method with call->context's metadata and a timeout
  // from `deadline`, then waits for the response, parsed into
  // call->response (with the server's metadata added to call->context).
  // `budget` (the call's whole timeout) is quoted in DEADLINE_EXCEEDED
  // messages. When the connection was already broken, nothing is sent,
  // `*not_started` is set, and the caller may retry on a new connection.
  // `call` is unregistered again when this returns.
  absl::Status Call(const google::protobuf::Message& request, PendingCall* call,
                    const Deadline& deadline, absl::Duration budget,
                    bool* not_started);

 private:
  bool Register(PendingCall* call);

  // Writes the whole frame under write_mu_. On EAGAIN waits for room and,
  // if no one else is reading, takes the reader role meanwhile (`*leading`)
  // so that a peer blocked writing responses cannot block us. On failure
  // the call is already finished: returns its final status.
  absl::Status Send(absl::string_view frame, PendingCall* call,
                    const Deadline& deadline, absl::Duration budget,
                    bool* leading);

  // Waits for the response as leader or follower; returns the final status.
  absl::Status Await(PendingCall* call, const Deadline& deadline,
                     absl::Duration budget, bool leading);

  // Ends a call that failed before its request was sent whole: its status
  // if it was already finished (by Fail()), else `reason`. Gives up the
  // reader role if held.
  absl::Status Abandon(PendingCall* call, absl::Status reason, bool leading);

  // --- Reader-only (the thread holding the reader role) ---
  // Handles buffered frames, then waits for input until `deadline` and
  // reads once.
  void LeadStep(PendingCall* own, const Deadline& deadline);
  // One read into input_; false after failing the connection.
  bool ReadInput();
  // Delivers every whole frame in input_. True when `own` was completed or
  // the connection failed.
  bool DispatchFrames(PendingCall* own);
  // Hands header_ and `payload` to the call they answer; true if `own`.
  bool Deliver(PendingCall* own, absl::string_view payload);
  // Parses a response into `call`'s response and context.
  absl::Status Complete(PendingCall* call, absl::string_view payload);

  bool TryLead();
  void ReleaseLeadershipLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Wakes a waiting caller to become the reader if there is none.
  void PromoteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Breaks the connection: every registered call finishes with `cause`
  // (prefixed with its method and the target); the socket is shut down,
  // which wakes a reader in poll. Idempotent.
  void Fail(const absl::Status& cause);
  void FailLocked(const absl::Status& cause) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const UniqueFd fd_;
  const std::string target_;
  const size_t max_frame_size_;

  std::mutex mu_;
  uint64_t next_call_id_ ABSL_GUARDED_BY(mu_) = 1;
  CallTable calls_ ABSL_GUARDED_BY(mu_);
  bool reading_ ABSL_GUARDED_BY(mu_) = false;  // some thread is the reader
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> broken_flag_{false};  // broken_, readable without mu_

  // Held while a frame is written, so frames never interleave.
  std::timed_mutex write_mu_;

  // Used only by the thread holding the reader role; the role passes
  // between threads under mu_, which orders their accesses.
  Buffer input_;
  FrameDecoder decoder_;
  wire::Response header_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CLIENT_CONNECTION_H_
