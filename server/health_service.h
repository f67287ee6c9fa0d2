// HealthService: framerpc.health.Health, the serving status of the server
// and of each of its services, as the application sets it.
//
// A Server owns one (Server::EnableHealthCheck registers it,
// Server::SetServingStatus forwards to it), but it is an ordinary Service
// and may be used on its own. Check answers UNKNOWN_SERVICE for a name
// never set, and fails INVALID_ARGUMENT for one that cannot be a service's
// full name (rpc/proto_name.h: identifiers joined by dots, at most
// kMaxProtoNameSize bytes; "" is the whole server). After Shutdown() every name
// reads NOT_SERVING and later sets are ignored, so a server going away never
// reports SERVING again.
//
// Thread-safe: the application may set statuses while calls are served.
#ifndef FRAMERPC_SERVER_HEALTH_SERVICE_H_
#define FRAMERPC_SERVER_HEALTH_SERVICE_H_

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "framerpc/server_context.h"
#include "framerpc/service.h"
#include "framerpc/serving_status.h"
#include "proto/health.pb.h"

namespace framerpc {

class HealthService final : public Service {
 public:
  // "framerpc.health.Health".
  static constexpr char kServiceName[] = "framerpc.health.Health";

  HealthService();

  // Sets the status of `service` (a full name; "" is the whole server).
  // Ignored after Shutdown().
  void SetServingStatus(absl::string_view service, ServingStatus status);

  // Sets `service` to SERVING unless a status is already set for it.
  void SetServingIfUnset(absl::string_view service);

  // The status Check reports for `service`.
  ServingStatus GetServingStatus(absl::string_view service) const;

  // Every known name becomes NOT_SERVING, for good.
  void Shutdown();

 private:
  absl::Status Check(ServerContext& context,
                     const health::HealthCheckRequest& request,
                     health::HealthCheckResponse* response);

  mutable std::mutex mu_;
  std::map<std::string, ServingStatus, std::less<>> statuses_
      ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace framerpc

#endif  // FRAMERPC_SERVER_HEALTH_SERVICE_H_
