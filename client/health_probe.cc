#include "client/health_probe.h"

#include "client/call_table.h"
#include "proto/health.pb.h"

namespace framerpc {
namespace internal {

absl::StatusOr<bool> AskServing(ClientConnection& connection,
                                const Deadline& deadline) {
  health::HealthCheckRequest request;  // service "": the whole server
  health::HealthCheckResponse response;
  PendingCall call("framerpc.health.Health/Check", &response,
                   /*context=*/nullptr);
  bool resend_safe = false;
  const absl::Status status = connection.Call(
      request, &call, deadline, deadline.Remaining(), &resend_safe);
  if (status.code() == absl::StatusCode::kUnimplemented) return true;
  if (!status.ok()) return status;
  return response.status() == health::HealthCheckResponse::SERVING;
}

}  // namespace internal
}  // namespace framerpc
