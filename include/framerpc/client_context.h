// ClientContext: per-call options for the caller (deadline, metadata) and what
// comes back besides the response (the server's metadata).
//
// Owned by the caller, borrowed by the Channel for the duration of one call.
// Use one context per call at a time; not thread-safe, except TryCancel(),
// which any thread may call at any time. It may be reused for a later call:
// response_metadata() is then replaced.
#ifndef FRAMERPC_CLIENT_CONTEXT_H_
#define FRAMERPC_CLIENT_CONTEXT_H_

#include <atomic>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "framerpc/metadata.h"

namespace framerpc {

namespace internal {
class CallCancellation;
}  // namespace internal

class ClientContext {
 public:
  ClientContext() = default;
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  // A deadline relative to the start of the call that uses this context.
  void set_timeout(absl::Duration timeout) { timeout_ = timeout; }
  absl::Duration timeout() const { return timeout_; }
  // An absolute deadline. With both set, the earlier one wins.
  void set_deadline(absl::Time deadline) { deadline_ = deadline; }
  absl::Time deadline() const { return deadline_; }
  // The deadline of a call starting at `start`: absl::InfiniteFuture() when
  // neither a timeout nor a deadline is set.
  absl::Time DeadlineFrom(absl::Time start) const;

  // What a call does when no connection to the server can be opened
  // (docs/api.md §5.3). false (the default), fail fast: the call tries to
  // connect once, itself, and fails UNAVAILABLE at once if that fails. true:
  // the call keeps trying, spaced by the channel's reconnect backoff (20 ms
  // after a failure, growing 1.6 times per failure to at most 1 s, ±20 %
  // jitter), until a connection opens or its deadline passes
  // (DEADLINE_EXCEEDED, naming the last failure); without a deadline it
  // waits for as long as it takes.
  void set_wait_for_ready(bool wait) { wait_for_ready_ = wait; }
  bool wait_for_ready() const { return wait_for_ready_; }

  // Cancels the call running with this context, from any thread: the call
  // returns CANCELLED at once (within about 10 ms, wherever it waits: for
  // its answer, its turn to read, or the server to be ready; a connect
  // attempt in progress ends first, and a request whose sending has begun
  // is sent whole first), and if any of its request may have reached the
  // server, a framerpc.Control/Cancel request naming it follows on the same
  // connection, so that the handler sees ServerContext::IsCancelled() or
  // never runs (docs/protocol.md). An answer that arrives later is dropped.
  // Before the call starts, the call returns CANCELLED without sending
  // anything; after it finished, its outcome stands. The context stays
  // cancelled: later calls with it return CANCELLED too.
  void TryCancel();

  // Adds (or replaces) a key sent to the server with the request.
  void AddMetadata(absl::string_view key, absl::string_view value);
  const Metadata& metadata() const { return metadata_; }

  // The server's metadata from the last call made with this context; empty
  // when the call failed before a response arrived.
  const Metadata& response_metadata() const { return response_metadata_; }
  Metadata* mutable_response_metadata() { return &response_metadata_; }

 private:
  absl::Duration timeout_ = absl::InfiniteDuration();
  absl::Time deadline_ = absl::InfiniteFuture();
  bool wait_for_ready_ = false;
  Metadata metadata_;
  Metadata response_metadata_;

  // How TryCancel reaches the running call: set and cleared by the channel
  // (client/call_cancellation.h), read by TryCancel, under cancel_mu_, so
  // a hook never runs after the call cleared it.
  friend class internal::CallCancellation;
  std::mutex cancel_mu_;
  std::atomic<bool> cancelled_{false};
  void (*cancel_hook_)(void*) = nullptr;  // guarded by cancel_mu_
  void* cancel_hook_arg_ = nullptr;       // guarded by cancel_mu_
};

}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CONTEXT_H_
