// How a call that ran ends: the AfterCalls of the interceptors whose
// BeforeCall ran, its end counted in the metrics, and the result to send.
// One place for both ways a call ends: its handler returning
// (call_runner.h) and its deferred answer given (deferred_call.h).
//
// Stateless; run by whichever thread ends the call.
#ifndef FRAMERPC_SERVER_CALL_ENDING_H_
#define FRAMERPC_SERVER_CALL_ENDING_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "framerpc/interceptor.h"
#include "framerpc/server_context.h"
#include "google/protobuf/message.h"
#include "rpc/call_metrics.h"
#include "server/call.h"

namespace framerpc {
namespace internal {

// What of a Call is still needed once its handler has run.
struct CallEnding {
  uint64_t connection_id = 0;
  uint64_t call_id = 0;
  // As Call::interceptors (null: none), and how many of them had their
  // BeforeCall called, so whose AfterCall is due.
  const std::vector<std::shared_ptr<ServerInterceptor>>* interceptors =
      nullptr;
  size_t intercepted = 0;
  // As Call::metrics and Call::received.
  CallMetrics* metrics = nullptr;
  absl::Time received;
  size_t request_bytes = 0;
};

// Calls the AfterCall of the first `called` interceptors, last first. What
// one throws is dropped: the call's answer is already decided, and the
// others' AfterCall must still run.
void RunAfterCalls(
    const std::vector<std::shared_ptr<ServerInterceptor>>& interceptors,
    size_t called, const ServerContext& context, const CallSummary& summary);

// The result answering the call with `status` (and with `response` when
// OK; dropped otherwise) and `context`'s response metadata, after the
// AfterCalls and the metrics have seen it.
CallResult EndCall(const CallEnding& ending, const ServerContext& context,
                   absl::Status status,
                   std::unique_ptr<google::protobuf::Message> response);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_CALL_ENDING_H_
