// AdminService: framerpc.admin.Admin (proto/admin.proto), what a running
// server has been doing: Stats (per-method calls, status codes, latency
// and size histograms, connection counts, and the same as Prometheus
// text) and Connections (the open connections, with peer and age).
//
// A Server owns one and registers it with Server::EnableMetrics; Start
// attaches the counters it made for the registered methods (Attach).
// Before Attach, or with nothing attached, both methods answer
// FAILED_PRECONDITION.
//
// Borrows what it is attached to (the server owns it, and outlives every
// call). Thread-safe once attached; Attach itself is for Start, before
// serving.
#ifndef FRAMERPC_SERVER_ADMIN_SERVICE_H_
#define FRAMERPC_SERVER_ADMIN_SERVICE_H_

#include "absl/status/status.h"
#include "framerpc/server_context.h"
#include "framerpc/service.h"
#include "proto/admin.pb.h"
#include "server/connection_directory.h"
#include "server/server_metrics.h"

namespace framerpc {
namespace internal {

class AdminService final : public Service {
 public:
  static constexpr char kServiceName[] = "framerpc.admin.Admin";

  AdminService();

  void Attach(const ServerMetrics* metrics,
              const ConnectionDirectory* connections) {
    metrics_ = metrics;
    connections_ = connections;
  }

 private:
  absl::Status Stats(ServerContext& context, const admin::StatsRequest& request,
                     admin::StatsReply* reply);
  absl::Status Connections(ServerContext& context,
                           const admin::ConnectionsRequest& request,
                           admin::ConnectionsReply* reply);

  const ServerMetrics* metrics_ = nullptr;
  const ConnectionDirectory* connections_ = nullptr;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_ADMIN_SERVICE_H_
