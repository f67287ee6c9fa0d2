// ClientConnection, one connected socket and the calls in flight on it.
// Many threads call at once; their requests are pipelined on the socket and
// the responses, in whatever order they come, go to the right callers by
// call id.
//
// There is no I/O thread. The calling threads take two roles in turn:
//
// - The writer. A caller that finds nobody writing sends its own frame
//   straight from its encoding buffer, then sends whatever other callers
//   queued meanwhile. A caller that finds a writer appends its frame to the
//   output queue and goes to wait: it never blocks on a write lock, and
//   frames queued during one send leave together in the next (coalesced).
// - The reader (leader/follower). A caller becomes the reader if no one is,
//   and reads until its own response arrives or its deadline passes,
//   handing every other caller's response to that caller on the way. Then
//   it passes the role to one caller still waiting and returns. A caller
//   that finds a reader sleeps on its own slot (a futex) until the reader
//   completes its call, hands it a role, or its deadline passes; a caller
//   woken with its response returns without taking the connection's lock.
//
// At concurrency 1 a call is thus a send, a poll and a read on the calling
// thread, with no thread switch.
//
// This class is the hand-off of the two roles. What the reader reads with,
// its buffer and frame loop, is a ResponseReader (client/response_reader.h);
// requests are encoded and responses decoded by rpc/call_codec.h.
//
// A writer whose deadline passes while the socket is full gives the role
// to a waiting caller if no byte of the queued frames it holds has left;
// otherwise half a frame is on the wire and the connection is failed (as
// when its own frame is cut off).
//
// A response is handed over without copying it: the reader takes the
// waiter's slot out of the call table (so nobody else can complete it),
// parses the payload straight from the read buffer into the waiter's
// response message outside the lock, then marks the slot done and wakes it.
//
// Any failure of the stream (end of stream, reset, a frame over the limit,
// a body that is not a Response, a call_id 0 error from the server, a
// request cut off mid-frame by its deadline) fails every call in flight and
// breaks the connection for good; the channel then opens a new one.
//
// Protocol version 2 (docs/protocol.md): a drain notice, or an answer
// marked not_processed, makes the connection take no new calls while those
// in flight go on (accepts_calls()). A call's outcome says whether it may
// be sent again elsewhere (resend_safe): the server answered not_processed;
// no byte of it was sent before the connection failed; or the server
// closed the connection after its drain notice without answering it (the
// server answers everything it read before the notice, so it never ran).
//
// Cancel() (ClientContext::TryCancel, from any thread) finishes a call
// CANCELLED wherever its thread waits: asleep on its slot it is woken; as
// the reader it sees its slot done when its bounded wait in recv or poll
// ends (kRecheckMs). A framerpc.Control/Cancel request naming the call then
// goes out behind the call's own request, sent by the cancelling thread
// itself when nobody else is writing.
//
// Asynchronous calls (StartAsync) have no thread of their own: their slot
// is queued for the writer (sent at once when nobody writes and the socket
// takes it, else by the next writer), and whoever holds the reader role
// finishes it, which hands it to the slot's owner (PendingCall::Finish)
// instead of waking a thread. When only asynchronous calls are in flight,
// no caller reads: the channel's AsyncDriver (client/async_driver.h) takes
// the reader role then (TryLeadForAsync ... EndAsyncLead), sends stranded
// output, and fails asynchronous calls whose deadline passed
// (ExpireAsyncCalls). With a synchronous call in flight, its thread reads
// as ever and delivers the asynchronous answers on the way.
//
// Keepalive (docs/api.md §5.3): the reader asks its SilenceWatch
// (client/silence_watch.h) whenever a bounded wait for input ends empty
// (every kRecheckMs of silence, never on the path of a call whose answer
// comes): with calls in flight and no byte received for `keepalive.time`,
// it sends a framerpc.Control/Ping; with still no byte `keepalive.timeout`
// after that, it fails the connection UNAVAILABLE.
//
// With TLS (ChannelOptions::tls), bytes go through a ConnectionIo
// (client/connection_io.h) that encrypts them; the roles and loops are the
// same, except that the reader always polls before it reads (TLS reads
// take a lock the writer needs, so none may block in recv), and a writer
// that leaves bytes inside TLS half sent counts them as sent.
//
// Shared by the channel (until it breaks) and by each call running on it,
// so the descriptor is closed, and its number reusable, only after the last
// call returned. Thread-safe.
#ifndef FRAMERPC_CLIENT_CLIENT_CONNECTION_H_
#define FRAMERPC_CLIENT_CLIENT_CONNECTION_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"
#include "client/call_table.h"
#include "client/client_tls.h"
#include "client/connection_io.h"
#include "client/deadline.h"
#include "client/response_reader.h"
#include "client/silence_watch.h"
#include "framing/buffer.h"
#include "google/protobuf/message.h"
#include "rpc/call_codec.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace internal {

// ChannelOptions::keepalive_time and keepalive_timeout, for one connection.
struct KeepaliveOptions {
  absl::Duration time = absl::InfiniteDuration();  // infinite: no pings
  absl::Duration timeout = absl::InfiniteDuration();
};

class ClientConnection {
 public:
  // Takes a connected, non-blocking socket. `target` names the server in
  // messages; `max_frame_size` bounds requests and responses;
  // `metadata_limits` bounds each response's metadata. With `tls` (its
  // handshake done), every byte goes through it, and sessions the server
  // sends later go to `tls_sessions`.
  ClientConnection(UniqueFd fd, std::string target, size_t max_frame_size,
                   const MetadataLimits& metadata_limits = {},
                   const KeepaliveOptions& keepalive = {},
                   std::unique_ptr<TlsStream> tls = nullptr,
                   std::shared_ptr<TlsSessionCache> tls_sessions = nullptr);
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // True once the connection has failed.
  bool broken() const { return broken_flag_.load(std::memory_order_acquire); }
  // False once the connection has failed, drains, or answered a call
  // not_processed: it takes no new calls.
  bool accepts_calls() const {
    return !closing_flag_.load(std::memory_order_acquire);
  }

  // Runs one call on this connection and returns its outcome: sends
  // `request` as call->method with call->context's metadata and a timeout
  // from `deadline`, then waits for the response, parsed into
  // call->response (with the server's metadata added to call->context).
  // `budget` (the call's whole timeout) is quoted in DEADLINE_EXCEEDED
  // messages. `*resend_safe` is set when the server never processed the
  // call (see above; also when the connection took no new calls and
  // nothing was sent): the caller may send it again on another connection.
  // `call` is unregistered again when this returns.
  absl::Status Call(const google::protobuf::Message& request, PendingCall* call,
                    const Deadline& deadline, absl::Duration budget,
                    bool* resend_safe);

  // Starts an asynchronous call: `call` (heap-allocated, with on_finished
  // set, call->deadline and call->budget filled) is registered and its
  // request queued or sent without ever waiting for room. OK: the call is
  // in flight and its outcome comes once through call->on_finished (the
  // connection no longer touches `call` after that). Otherwise the call
  // was never registered, the status is its outcome, and `*resend_safe`
  // says whether it may go elsewhere.
  absl::Status StartAsync(const google::protobuf::Message& request,
                          PendingCall* call, bool* resend_safe);

  // --- For the AsyncDriver (client/async_driver.h) ---
  // Whether asynchronous calls are in flight here.
  bool has_async_calls();
  // Takes the reader role when nobody holds it, asynchronous calls are in
  // flight and no synchronous one is (a synchronous caller reads for
  // itself and delivers the others on the way). REQUIRES on true: the
  // caller ends with EndAsyncLead.
  bool TryLeadForAsync();
  // Holding the role from TryLeadForAsync: whether input is waiting that
  // poll would not report (decrypted TLS bytes, whole frames buffered).
  bool HasBufferedInput() const;
  // Holding the role: delivers buffered frames, reads once when
  // `readable` (poll said so), or else looks at the keepalive silence.
  void ReadForAsync(bool readable);
  // Gives the role back, waking a synchronous caller if one waits.
  void EndAsyncLead();
  // Sends queued frames that no writer is sending, without waiting for
  // room.
  void SendStrandedOutput();
  // Fails DEADLINE_EXCEEDED the asynchronous calls whose deadline passed
  // and that are not being answered.
  void ExpireAsyncCalls();
  int fd() const { return fd_.get(); }

  // What a cancellation of a call on this connection needs; lives on the
  // calling thread's stack while the call runs here.
  struct CancelTarget {
    ClientConnection* connection;
    PendingCall* call;
  };
  // A CallCancellation hook: `arg` is a CancelTarget; runs Cancel.
  static void CancelHook(void* arg);
  // Finishes `call` CANCELLED if it is registered (not yet answered) and
  // queues a framerpc.Control/Cancel for it, sending it now if no other
  // thread is writing (never waiting for room). Does nothing for a call
  // that is not registered: one whose Call() then sees the context
  // cancelled and sends nothing, or one already answered or failed.
  void Cancel(PendingCall* call);

 private:
  // Takes the call id and encodes `request` for `call` into `*frame`;
  // fails DEADLINE_EXCEEDED once `deadline` passed, RESOURCE_EXHAUSTED
  // over the frame limit.
  absl::Status EncodeCall(const google::protobuf::Message& request,
                          PendingCall* call, const Deadline& deadline,
                          absl::Duration budget, Buffer* frame);
  // Whether `call` may be registered now: not while the connection closes
  // (resend-safe) or once its context is cancelled.
  absl::Status AdmitLocked(const PendingCall* call, bool* resend_safe)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // --- Writer role (writing_) ---
  // Sends `frame` (the caller's own, not queued) while holding the writer
  // role. On EAGAIN waits for room and, if no one else is reading, takes
  // the reader role meanwhile (`*leading`) so that a peer blocked writing
  // responses cannot block us. On failure the call is already finished and
  // the writer role given up: returns its final status.
  absl::Status SendOwnFrame(absl::string_view frame, PendingCall* call,
                            const Deadline& deadline, absl::Duration budget,
                            bool* leading);
  // Sends the queued frames until none is left, then gives up the writer
  // role. Returns early (role given up) when the connection fails, when
  // `own`'s deadline passes with the socket full, or, once `own` is done,
  // to let a waiting caller carry on.
  void FlushQueued(PendingCall* own, const Deadline& deadline, bool* leading);
  // Waits until the socket takes more bytes (reading meanwhile if leading).
  // False when the deadline passed, the connection failed (`*failed`), or,
  // with `stop_when_done`, `own` was finished meanwhile (cancelled).
  bool WaitWritable(PendingCall* own, const Deadline& deadline, bool* leading,
                    bool* failed, bool stop_when_done = false);
  // Holding the writer role: sends queued frames while the socket takes
  // them, then gives up the role; what the socket does not take is left
  // for the next writer (a waiting caller is woken for it).
  void SendQueuedWithoutWaiting();
  // The writer's steps, shared by the two above. With batch_ sent: true,
  // and the writer role given up, when nothing is queued or the connection
  // broke.
  bool StopWritingIfNothingQueuedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // With batch_ sent: the queued frames become the next batch.
  void TakeQueuedBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One non-blocking send of what is left of batch_. False, with *error
  // set, when the stream took nothing.
  bool SendSomeOfBatch(int* error);
  // The send failed with `error`: the connection fails UNAVAILABLE.
  void FailSendingBatch(int error);
  // After a failed write: drops what is left and gives up the writer role.
  void DropBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseWriterLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queued bytes that no writer is sending.
  bool OutputStrandedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Waits for the response as leader or follower; returns the final status.
  absl::Status Await(PendingCall* call, const Deadline& deadline,
                     absl::Duration budget, bool leading);

  // Ends a call that failed before its request was sent whole: its status
  // if it was already finished (by Fail()), else `reason`. Gives up the
  // reader and writer roles if held.
  // When `fail_connection` is not OK, the connection is failed with it
  // (after the call is finished, so the call keeps `reason`).
  absl::Status Abandon(PendingCall* call, absl::Status reason, bool leading,
                       bool writing,
                       const absl::Status& fail_connection = absl::OkStatus());

  // --- Reader-only (the thread holding the reader role) ---
  // Handles buffered frames, then waits for input until `deadline` and
  // reads once.
  // The wait is bounded (kRecheckMs) so that output a writer strands
  // meanwhile is not left waiting for a response that may need it: the
  // reader is in poll, not asleep on its slot, so it cannot be woken to
  // send it.
  void LeadStep(PendingCall* own, const Deadline& deadline);
  // One read by reader_; false after failing the connection.
  bool ReadInput();
  // After a wait for input that ended with nothing read: pings or fails the
  // connection as the keepalive rules above say.
  void CheckSilence();
  // Delivers every whole frame reader_ holds. True when `own` was completed
  // or the connection failed.
  bool DispatchFrames(PendingCall* own);
  // Hands `response` to the call it answers; true if `own`.
  bool Deliver(PendingCall* own, const DecodedResponse& response);
  // Parses `response` into `call`'s response and context.
  absl::Status Complete(PendingCall* call, const DecodedResponse& response);

  // Waits, with `lock` released, until a reader parsing a response into
  // `call` has finished it.
  void WaitWhileClaimed(PendingCall* call, std::unique_lock<std::mutex>& lock)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool TryLead(const PendingCall* own);
  void ReleaseLeadershipLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Wakes a waiting caller when the reader role is free, or queued output
  // has no writer.
  void PromoteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Breaks the connection: every registered call finishes with `cause`
  // (prefixed with its method and the target); the socket is shut down,
  // which wakes a reader in poll or recv and a writer. Idempotent.
  // `peer_closed`: the stream ended or a read or send failed (rather than
  // our own decision to close it), which after a drain notice means the
  // unanswered calls never ran.
  void Fail(const absl::Status& cause, bool peer_closed = false);
  void FailLocked(const absl::Status& cause, bool peer_closed = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The connection takes no new calls; those in flight go on.
  void StopAcceptingLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const UniqueFd fd_;
  // Whether the socket blocks on receive (up to kRecheckMs) while sends
  // stay non-blocking: the reader then waits in recv itself rather than
  // in poll followed by recv, one system call fewer per call. Never with
  // TLS, whose reads hold a lock the writer needs.
  const bool blocking_reads_;
  // The bytes' way in and out: the socket, or TLS over it.
  ConnectionIo io_;
  const std::string target_;
  const size_t max_frame_size_;

  std::atomic<uint64_t> next_call_id_{1};

  std::mutex mu_;
  CallTable calls_ ABSL_GUARDED_BY(mu_);
  bool reading_ ABSL_GUARDED_BY(mu_) = false;  // some thread is the reader
  // The call whose thread holds the reader role, while one does. It waits
  // in poll, not on its slot, so it is never the one promoted.
  const PendingCall* reader_call_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;  // some thread is the writer
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> broken_flag_{false};  // broken_, readable without mu_
  // Takes no new calls (broken, draining or answered not_processed).
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> closing_flag_{false};  // closing_, readable without mu_
  // The server sent its drain notice.
  bool drain_announced_ ABSL_GUARDED_BY(mu_) = false;
  // How many batches writers have taken out of queued_: a queued call's
  // frame has not been sent while this still equals its
  // queued_before_batch.
  uint64_t batches_taken_ ABSL_GUARDED_BY(mu_) = 0;
  // Whole frames waiting for the writer, in the order they were queued.
  Buffer queued_ ABSL_GUARDED_BY(mu_);

  // The writer's batch: queued frames taken out of queued_ in one swap,
  // being sent. Used only by the thread holding the writer role (or, while
  // nobody holds it, under mu_); it is then empty, an untouched batch
  // (starting on a frame boundary), or the rest of a batch that a writer
  // which never waits for room (sending a Cancel or a ping) left when the
  // socket was full. New frames always queue behind it.
  Buffer batch_;

  // Used only by the thread holding the reader role; the role passes
  // between threads under mu_, which orders their accesses.
  ResponseReader reader_;

  // Keepalive. The options are constant; silence_ is the reader's, like
  // reader_.
  const KeepaliveOptions keepalive_;
  SilenceWatch silence_;
  // Counts the times calls came in flight when none were.
  uint64_t busy_epoch_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CLIENT_CONNECTION_H_
