// ConnectionOutput, the bytes waiting to go out on one accepted
// socket, shared by the loop and the workers running that connection's
// calls, so that a worker can send its own response instead of handing it
// back to the loop (a thread hop per call, the costliest part of a call on
// the machines this was measured on; docs/performance.md).
//
// Who sends: whoever appends to an empty buffer. A worker that finds
// bytes already waiting leaves its response behind them: the thread that
// put them there sends them all. A send that fills the socket leaves the
// rest to the loop, which waits for POLLOUT; the worker must then tell the
// loop at once (SendOutcome::kLeftForLoop), as it must when the socket
// failed (kFailed). Frames are appended whole under the mutex, so
// responses never interleave.
//
// The loop must never wait on a worker's O(message) work (a stall of every
// connection, docs/reliability.md), so the mutex covers O(1) steps, copies
// of at most 64 KiB, and sends, which take only what the socket has room
// for: a response is serialized outside it, into a buffer of the
// appending thread's own, and handed over as one chunk by swapping buffers;
// a small one is copied onto the last chunk instead, so that pipelined
// small responses still go out in one send. Queued bytes are a list of
// chunks, each its own size, never one buffer that doubles: what is held
// is what is queued (plus one kept idle chunk, Buffer::kMaxIdleCapacity at
// most), and no growth copies megabytes under the mutex.
//
// The queue's bound: a finished call's response that finds
// `max_queued_bytes` or more already queued (the peer has fallen that far
// behind in reading) is not queued; its call is answered
// RESOURCE_EXHAUSTED instead, naming the sizes. So the queue holds at most
// the limit plus one response (and the small status frames of calls then in
// flight), whatever the responses weigh; the loop's admission
// (Connection::CanStartCall) keeps well-behaved peers from ever meeting
// this.
//
// Life: accepting results while the connection serves; Fail() queues the
// connection error and stops accepting results (they are dropped from then
// on); Close(), called by the Connection before its descriptor is closed,
// stops every send. Sends happen under the mutex, so none can race with the
// descriptor being closed and its number reused.
//
// Owned jointly (shared_ptr) by the Connection and its calls in flight;
// borrows the descriptor, which the Connection closes only after Close().
// Thread-safe.
#ifndef FRAMERPC_SERVER_CONNECTION_OUTPUT_H_
#define FRAMERPC_SERVER_CONNECTION_OUTPUT_H_

#include <sys/types.h>
#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "framing/buffer.h"
#include "server/call.h"
#include "server/tls_transport.h"

namespace framerpc {
namespace internal {

class ConnectionOutput {
 public:
  // With `tls` (a TLS connection), sends go through it instead of
  // sendmsg, with the same partial-send rules (tls_transport.h).
  ConnectionOutput(int fd, size_t max_queued_bytes,
                   std::shared_ptr<TlsTransport> tls = nullptr);
  ConnectionOutput(const ConnectionOutput&) = delete;
  ConnectionOutput& operator=(const ConnectionOutput&) = delete;

  // Appends a finished call's Response frame, unless the connection no
  // longer takes results (failed or closed: dropped), or a RESOURCE_EXHAUSTED
  // one in its place when the queue is already at its bound. Returns
  // whether the buffer was empty before, which makes the caller the one to
  // send it. A result already_answered appends nothing (returns false).
  bool AppendResult(const CallResult& result);
  // Appends a Response carrying only `status` and `not_processed` (unknown
  // method, stopping, a control method's answer). Returns the frame's size.
  size_t AppendStatus(uint64_t call_id, const absl::Status& status,
                      bool not_processed = false);
  // Appends the drain notice (call_id 0, draining); results are still
  // taken after it.
  void AppendDrainNotice();
  // Appends the connection error (call_id 0) and stops taking results.
  void Fail(const absl::Status& status);

  enum class SendOutcome {
    kSent,         // the buffer is empty (or the connection is closed)
    kLeftForLoop,  // the socket is full; the rest waits for POLLOUT
    kFailed,       // the socket failed: the connection must be closed
  };
  // Sends until the buffer is empty or the socket is full (MSG_NOSIGNAL).
  // `*bytes_sent` (may be null) gets the count; after a failure,
  // `*saved_errno` (may be null) gets the error, and later calls report
  // kFailed again without sending.
  SendOutcome Send(size_t* bytes_sent = nullptr, int* saved_errno = nullptr);

  // Closes the gate before the descriptor goes: nothing is sent or queued
  // any more.
  void Close();

  // Bytes queued or being sent. Lock-free, so that the loop's checks never
  // wait for a worker's send.
  size_t readable_bytes() const {
    return pending_bytes_.load(std::memory_order_acquire);
  }
  bool empty() const { return readable_bytes() == 0; }
  // Whether bytes wait with nobody sending them: the loop's to send (and
  // then to wait for POLLOUT). Bytes a worker is sending are the worker's:
  // it tells the loop if it leaves any behind.
  bool NeedsLoopSend() const {
    return !empty() && !sending_.load(std::memory_order_acquire);
  }
  bool failed() const { return failed_.load(std::memory_order_acquire); }

  // The largest response frame appended so far (0 before the first): what
  // the loop expects each call in flight to add when it decides whether
  // another call fits under max_pending_output_bytes. Lock-free.
  size_t largest_response() const {
    return largest_response_.load(std::memory_order_relaxed);
  }

  // Moves the queued bytes out, unsent (tests and the fuzz target, which
  // play the peer without a socket).
  std::string TakeAll();

  // Whether the loop wants to hear of every finished call at once (it is
  // waiting on this connection's calls: not reading because of its limits,
  // read-closed, or stopping), rather than on its next natural wakeup. Set
  // by the loop; read by workers through the CompletionQueue.
  void set_loop_waits(bool waits) {
    loop_waits_.store(waits, std::memory_order_relaxed);
  }
  const std::atomic<bool>& loop_waits() const { return loop_waits_; }

 private:
  // Hands over the frames in `*frames` (serialized by the caller outside
  // the lock), leaving it empty, maybe with another chunk's storage to
  // reuse. `result`, when set, is the call whose response `*frames` holds:
  // taken only while the connection takes results, and replaced as
  // AppendResult says when the queue is at its bound. Returns as
  // AppendResult; false if nothing was taken.
  bool AppendFrames(Buffer* frames, const CallResult* result);
  size_t QueuedBytes() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // sendmsg(2) of `iov` (MSG_NOSIGNAL), or the TLS transport's Writev:
  // the bytes sent, or -1 with `*saved_errno`.
  ssize_t SendIov(const iovec* iov, int count, int* saved_errno)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops every queued byte, keeping one empty chunk.
  void DropQueued() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NoteQueued() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    pending_bytes_.store(QueuedBytes(), std::memory_order_release);
  }

  const int fd_;
  const size_t max_queued_bytes_;
  const std::shared_ptr<TlsTransport> tls_;
  mutable std::mutex mu_;
  // Never empty: the first chunk stays, emptied, once everything is sent,
  // so that its storage serves the next responses. Only the front chunks
  // are ever partly sent; appends go to the back.
  std::deque<Buffer> chunks_ ABSL_GUARDED_BY(mu_);
  bool taking_results_ ABSL_GUARDED_BY(mu_) = true;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int send_error_ ABSL_GUARDED_BY(mu_) = 0;
  // buffer_'s size, and whether a Send is under way: written under mu_,
  // read without it.
  std::atomic<size_t> pending_bytes_{0};
  std::atomic<bool> sending_{false};
  std::atomic<bool> failed_{false};
  std::atomic<size_t> largest_response_{0};
  std::atomic<bool> loop_waits_{false};
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_CONNECTION_OUTPUT_H_
