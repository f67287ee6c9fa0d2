#include "server/call_ending.h"

#include <utility>

#include "absl/time/clock.h"

namespace framerpc {
namespace internal {

void RunAfterCalls(
    const std::vector<std::shared_ptr<ServerInterceptor>>& interceptors,
    size_t called, const ServerContext& context, const CallSummary& summary) {
  for (size_t i = called; i > 0; --i) {
    try {
      interceptors[i - 1]->AfterCall(context, summary);
    } catch (...) {
      // Documented: a throwing AfterCall is ignored (framerpc/interceptor.h).
    }
  }
}

CallResult EndCall(const CallEnding& ending, const ServerContext& context,
                   absl::Status status,
                   std::unique_ptr<google::protobuf::Message> response) {
  CallResult result;
  result.connection_id = ending.connection_id;
  result.call_id = ending.call_id;
  if (status.ok()) result.response = std::move(response);
  result.status = std::move(status);
  if (ending.interceptors != nullptr || ending.metrics != nullptr) {
    // Measured once for both: sizing a response walks the message.
    const absl::Duration duration = absl::Now() - ending.received;
    const size_t response_bytes =
        result.response != nullptr ? result.response->ByteSizeLong() : 0;
    if (ending.interceptors != nullptr) {
      CallSummary summary;
      summary.status = result.status;
      summary.duration = duration;
      summary.request_bytes = ending.request_bytes;
      summary.response_bytes = response_bytes;
      RunAfterCalls(*ending.interceptors, ending.intercepted, context, summary);
    }
    if (ending.metrics != nullptr) {
      ending.metrics->RecordFinish(result.status.code(), duration,
                                   ending.request_bytes, response_bytes);
    }
  }
  result.metadata = context.response_metadata();
  result.method = context.method();
  return result;
}

}  // namespace internal
}  // namespace framerpc
