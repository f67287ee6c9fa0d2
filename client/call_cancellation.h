// internal: CallCancellation, the link between a ClientContext's
// TryCancel() and the call running with it. The call says, phase by phase,
// what a cancellation must do (wake it while it waits for a connection;
// take it off its connection once it is on one) by setting a hook, which
// TryCancel runs under the context's lock; the destructor clears it, so a
// hook never runs after the call returned. Cancelled state is an atomic
// flag the call's waits read without the lock.
//
// Borrows the context (which may be null: nothing to cancel) for one call.
// Used by the calling thread; TryCancel may run concurrently on any thread.
#ifndef FRAMERPC_CLIENT_CALL_CANCELLATION_H_
#define FRAMERPC_CLIENT_CALL_CANCELLATION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "framerpc/client_context.h"

namespace framerpc {
namespace internal {

class CallCancellation {
 public:
  using Hook = void (*)(void* arg);

  explicit CallCancellation(ClientContext* context) : context_(context) {}
  ~CallCancellation();
  CallCancellation(const CallCancellation&) = delete;
  CallCancellation& operator=(const CallCancellation&) = delete;

  // From now on TryCancel runs `hook(arg)` (after marking the context
  // cancelled). False, leaving no hook, when the context is cancelled
  // already: the hook would never run.
  bool Watch(Hook hook, void* arg);

  bool cancelled() const { return IsCancelled(context_); }
  // True when `context` (may be null) has been cancelled.
  static bool IsCancelled(const ClientContext* context) {
    return context != nullptr &&
           context->cancelled_.load(std::memory_order_acquire);
  }

 private:
  ClientContext* const context_;
};

// CANCELLED: "call <method> to <target>: cancelled by the caller
// (ClientContext::TryCancel)", with " <stage>" appended when given.
absl::Status CallCancelled(absl::string_view method, absl::string_view target,
                           absl::string_view stage = "");

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CALL_CANCELLATION_H_
