// Connection, the loop's record of one accepted socket: its input
// buffer and frame decoder, its output buffer, how many of its calls are in
// flight and which (to cancel them), when it last made progress (see
// CloseDeadline), whether it is draining, and where it is in its life:
//
//   kOpen --peer EOF--> kReadClosed --calls answered, output sent--> closed
//     |
//     +--bad frame--> kFailing --error response sent, SHUT_WR--> kLingering
//     |                                     --peer EOF or deadline--> closed
//     +--draining, nothing left to answer, drain window over, SHUT_WR-->
//                                                                kLingering
//
// kLingering drains what the peer still sends before closing, so that the
// close does not turn into a reset that could destroy the responses in
// flight.
//
// Draining (docs/protocol.md, section 7): at shutdown or once idle, the
// loop sends the drain notice (StartDraining) and from then on answers
// every request it decodes UNAVAILABLE with not_processed; the calls
// already in flight finish as usual. The connection keeps reading for a
// short drain window, so that requests the peer sent before it read the
// notice get that answer rather than being dropped unanswered, and closes
// gracefully once nothing is left to answer and the window is over.
//
// Owns its descriptor and input buffer; shares its output
// (ConnectionOutput) with the workers running its calls, which append and
// send their responses there themselves. Not thread-safe: only the loop
// thread touches a Connection; workers know it by id() and its output.
#ifndef FRAMERPC_SERVER_CONNECTION_H_
#define FRAMERPC_SERVER_CONNECTION_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"
#include "framerpc/server_options.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"
#include "server/call.h"
#include "server/connection_output.h"
#include "server/lent_input.h"
#include "server/tls_transport.h"

namespace framerpc {
namespace internal {

class Connection {
 public:
  enum class State { kOpen, kReadClosed, kFailing, kLingering };

  // `id` is never reused within a server; `now` starts the idle clock.
  // `tls`, for a connection whose TLS handshake is done, carries its reads
  // and sends (null: plaintext).
  Connection(uint64_t id, UniqueFd fd, std::string peer, size_t max_frame_size,
             size_t max_pending_output_bytes, absl::Time now,
             std::shared_ptr<TlsTransport> tls = nullptr);
  // Closes the output's gate, then the TLS layer, before the descriptor,
  // so that no worker still holding the output can send on a reused
  // descriptor number.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uint64_t id() const { return id_; }
  int fd() const { return fd_.get(); }
  const std::string& peer() const { return peer_; }
  // The TLS client's verified certificate (TlsTransport::peer_identity),
  // "" on plaintext or when the client sent none.
  const std::string& peer_identity() const;
  State state() const { return state_; }

  Buffer& input() { return input_; }
  const Buffer& input() const { return input_; }
  ConnectionOutput& output() { return *output_; }
  const ConnectionOutput& output() const { return *output_; }
  // For a call handed to a worker, which sends its response through it.
  const std::shared_ptr<ConnectionOutput>& shared_output() const {
    return output_;
  }
  const FrameDecoder& decoder() const { return decoder_; }

  // Calls decoded whose end the loop has not yet seen (queued, running, or
  // waiting for output room). A call finishing counts as activity for the
  // idle clock.
  int calls_in_flight() const { return calls_in_flight_; }
  void AddCall() { ++calls_in_flight_; }
  void FinishCall(absl::Time now) {
    --calls_in_flight_;
    last_activity_ = now;
  }
  // Of those, the calls that wait for the peer to read enough of the output
  // before they run: they keep the idle clock running (a peer that never
  // reads must not hold its connection open forever through them).
  void AddCallWaitingForOutput() { ++calls_waiting_for_output_; }
  void FinishWaitingForOutput() { --calls_waiting_for_output_; }

  // Registers a call about to be queued to run (not an inline one) under
  // its call id, replacing an earlier call of that id, and returns the
  // flags it shares with this connection. The table holds only weak
  // references, so a finished call's entry is dead; dead entries are
  // dropped whenever they outnumber the calls in flight (and a few more),
  // so the table stays within about twice max_calls_per_connection.
  std::shared_ptr<CallCancellation> TrackCall(uint64_t call_id);
  // framerpc.Control/Cancel: marks call `call_id`, if it is still in
  // flight, cancelled by its caller (if running, its handler sees
  // IsCancelled()). Returns true when it had not started: it never will,
  // and the caller must answer it CANCELLED now (whoever dequeues it drops
  // it, CallCancellation::state).
  bool CancelCall(uint64_t call_id);
  // The connection is going away: every call in flight is marked cancelled
  // and, unless it has started, will not start.
  void CancelAllCalls();
  // Entries in the table, dead ones included (for tests).
  size_t tracked_calls() const { return calls_.size(); }

  // Sends the drain notice (ConnectionOutput::AppendDrainNotice) unless it
  // was sent already; requests decoded from now on are answered
  // UNAVAILABLE, not_processed (request_intake.h). The connection keeps
  // reading until `window_end` (and while calls are in flight).
  void StartDraining(absl::Time window_end);
  bool draining() const { return draining_; }
  // Whether a draining connection may now shut down its write side: no
  // call in flight, every response sent, and its window over.
  bool DrainFinished(absl::Time now) const {
    return draining_ && calls_in_flight_ == 0 && output_->empty() &&
           now >= drain_window_end_;
  }

  // The loop appended `bytes` of answers to control methods (a Ping's, a
  // Cancel's): sending them is not activity for the idle clock, so that
  // pings alone cannot keep an idle connection open forever.
  void NoteControlOutput(size_t bytes) { control_output_bytes_ += bytes; }

  // The events the poller watches for this connection (kept by the loop).
  short events() const { return events_; }
  void set_events(short events) { events_ = events; }

  // Whether the loop should read (and dispatch) more requests now: open,
  // not shutting down, and under both per-connection limits; draining
  // (to answer what comes) with output under its limit; or lingering.
  bool WantsInput(const ServerOptions& options, bool server_stopping) const;
  // Whether the loop may hand one more of its requests to a worker.
  bool CanStartCall(const ServerOptions& options) const;

  // Reads what the socket has into input(), first reserving what the
  // frame in progress still misses. Returns the byte count, 0 at end of
  // stream, or -1 with `*saved_errno` set (EAGAIN included). Bytes alone are
  // not activity for the idle clock: a whole request is (NoteRequest).
  ssize_t ReadInput(int* saved_errno);
  // Whether ReadInput has input to give without the socket becoming
  // readable (TLS: plaintext OpenSSL holds): the loop must then read again
  // rather than wait for readiness, which would not come for it.
  bool HasBufferedInput() const {
    return tls_ != nullptr && tls_->HasBufferedInput();
  }

  // Lends input(), whose first `frame_size` bytes are the request frame
  // holding `payload`, to that request's call, and reads on into the spare
  // (lent_input.h), which gets the input after the frame.
  LentInput LendInput(size_t frame_size, absl::string_view payload);

  // A whole request frame was taken from input(): activity for the idle
  // clock.
  void NoteRequest(absl::Time now) { last_activity_ = now; }

  // Sends output() until it is empty or the socket is full (MSG_NOSIGNAL).
  // Returns the bytes sent, or -1 with `*saved_errno` set on a socket error
  // (also one a worker met sending). Emptying the output (every queued
  // response written) is activity for the idle clock; a partial send is
  // not.
  ssize_t SendOutput(int* saved_errno, absl::Time now);

  // The peer finished sending (kOpen -> kReadClosed). The calls in flight
  // count as cancelled (IsCancelled()): framerpc clients never half-close
  // a connection they still read from. They still run and are answered.
  void MarkReadClosed();

  // Queues one call_id 0 Response carrying `status`, drops unread input and
  // stops reading requests (-> kFailing).
  void Fail(const absl::Status& status);

  // Once a failed connection's output is sent: shuts down the write side so
  // the peer sees the end, and drains input until `deadline` (-> kLingering).
  void StartLingering(absl::Time deadline);

  // Reads and drops what the socket has, raw (on TLS too: a lingering
  // connection reads only so that its close is no reset). Returns as
  // ReadInput.
  ssize_t DiscardInput(int* saved_errno);

  // When the loop should look at the connection again if nothing happens
  // meanwhile: the linger deadline; absl::InfiniteFuture() while a call is
  // in flight other than those waiting for output room; for a draining
  // connection, the end of its drain window once its output is sent (then
  // it starts lingering), or last activity plus `idle_timeout` while the
  // peer leaves output unread (then it is closed); otherwise last activity
  // plus `idle_timeout` (then it starts draining). Activity is progress in
  // whole messages: a whole request received, a call finished, or all
  // queued output written. Pieces do not count, so a peer that trickles a
  // frame in (or reads its responses) a few bytes at a time cannot keep a
  // connection open forever ("slow loris"); nor does pending output that
  // the peer does not read, nor a control method and its answer.
  absl::Time CloseDeadline(absl::Duration idle_timeout) const;

 private:
  // Sets every live call's `cancelled` flag, and `connection_closed` too
  // when the connection is going away.
  void MarkCallsCancelled(bool connection_closed);

  const uint64_t id_;
  UniqueFd fd_;
  const std::string peer_;
  const std::shared_ptr<TlsTransport> tls_;
  State state_ = State::kOpen;
  Buffer input_;
  const std::shared_ptr<SpareInput> spare_input_ =
      std::make_shared<SpareInput>();
  std::shared_ptr<ConnectionOutput> output_;
  FrameDecoder decoder_;
  int calls_in_flight_ = 0;
  int calls_waiting_for_output_ = 0;
  // Calls queued or running elsewhere, by call id (see TrackCall).
  std::unordered_map<uint64_t, std::weak_ptr<CallCancellation>> calls_;
  bool draining_ = false;
  absl::Time drain_window_end_ = absl::InfiniteFuture();
  // Control answers queued since the output was last seen empty.
  size_t control_output_bytes_ = 0;
  short events_ = 0;
  absl::Time last_activity_;
  absl::Time linger_deadline_ = absl::InfiniteFuture();
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_CONNECTION_H_
