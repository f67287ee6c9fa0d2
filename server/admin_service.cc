#include "server/admin_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace framerpc {
namespace internal {
namespace {

void ToProto(const HistogramSnapshot& histogram, admin::Histogram* out) {
  for (uint64_t count : histogram.counts) out->add_counts(count);
  out->set_count(histogram.count);
  out->set_sum(histogram.sum);
}

absl::Status NotAttached(absl::string_view method) {
  return absl::FailedPreconditionError(
      absl::StrCat(AdminService::kServiceName, "/", method,
                   ": the server has not started counting (Server::Start "
                   "attaches the metrics EnableMetrics asked for)"));
}

// `snapshot` as the Stats answer, apart from the bounds and the text.
void SnapshotToStatsReply(const ServerMetrics::Snapshot& snapshot,
                          admin::StatsReply* reply) {
  for (const ServerMetrics::MethodSnapshot& method : snapshot.methods) {
    admin::MethodStats* stats = reply->add_methods();
    stats->set_method(method.method);
    stats->set_started(method.calls.started);
    for (const CallMetrics::StatusSnapshot& status : method.calls.by_status) {
      admin::StatusStats* by_status = stats->add_statuses();
      by_status->set_code(absl::StatusCodeToString(status.code));
      ToProto(status.latency_seconds, by_status->mutable_latency_seconds());
      ToProto(status.request_bytes, by_status->mutable_request_bytes());
      ToProto(status.response_bytes, by_status->mutable_response_bytes());
    }
  }
  reply->set_connections_open(snapshot.connections_open);
  reply->set_connections_accepted(snapshot.connections_accepted);
}

}  // namespace

AdminService::AdminService() : Service(kServiceName) {
  AddUnaryMethod("Stats", &AdminService::Stats);
  AddUnaryMethod("Connections", &AdminService::Connections);
}

absl::Status AdminService::Stats(ServerContext& /*context*/,
                                 const admin::StatsRequest& /*request*/,
                                 admin::StatsReply* reply) {
  if (metrics_ == nullptr) return NotAttached("Stats");
  const ServerMetrics::Snapshot snapshot = metrics_->Read();
  SnapshotToStatsReply(snapshot, reply);
  for (double bound : LatencyBucketBounds()) {
    reply->add_latency_bounds_seconds(bound);
  }
  for (double bound : SizeBucketBounds()) reply->add_size_bounds_bytes(bound);
  reply->set_prometheus_text(metrics_->PrometheusText(snapshot));
  return absl::OkStatus();
}

absl::Status AdminService::Connections(
    ServerContext& /*context*/, const admin::ConnectionsRequest& /*request*/,
    admin::ConnectionsReply* reply) {
  if (connections_ == nullptr) return NotAttached("Connections");
  const absl::Time now = absl::Now();
  for (const ConnectionDirectory::Entry& entry : connections_->List()) {
    admin::Connection* connection = reply->add_connections();
    connection->set_id(entry.id);
    connection->set_peer(entry.peer);
    connection->set_age_seconds(absl::ToDoubleSeconds(now - entry.accepted));
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace framerpc
