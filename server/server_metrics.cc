#include "server/server_metrics.h"

#include <utility>

#include "absl/status/status.h"
#include "rpc/prometheus_text.h"

namespace framerpc {
namespace internal {

ServerMetrics::ServerMetrics(const std::vector<std::string>& methods,
                             const LoopGroupState* group,
                             std::vector<Source> sources)
    : group_(group),
      other_(std::make_unique<CallMetrics>()),
      sources_(std::move(sources)) {
  for (const std::string& method : methods) {
    methods_.emplace(method, std::make_unique<CallMetrics>());
  }
}

CallMetrics* ServerMetrics::ForMethod(absl::string_view method) const {
  auto it = methods_.find(method);
  return it == methods_.end() ? other_.get() : it->second.get();
}

ServerMetrics::Snapshot ServerMetrics::Read() const {
  Snapshot snapshot;
  for (const auto& [name, metrics] : methods_) {
    snapshot.methods.push_back(MethodSnapshot{name, metrics->Read()});
  }
  snapshot.methods.push_back(MethodSnapshot{kOtherMethodLabel, other_->Read()});
  snapshot.connections_open =
      group_->open_connections.load(std::memory_order_relaxed);
  snapshot.connections_accepted =
      group_->accepted_connections.load(std::memory_order_relaxed);
  return snapshot;
}

std::string ServerMetrics::PrometheusText(const Snapshot& snapshot) const {
  std::string text = RenderPrometheusText(snapshot);
  for (const Source& source : sources_) {
    text += source();
    // A source's last line may lack its line feed; the format needs one.
    if (!text.empty() && text.back() != '\n') text.push_back('\n');
  }
  return text;
}

std::string RenderPrometheusText(const ServerMetrics::Snapshot& snapshot) {
  std::vector<LabelledCalls> rows;
  rows.reserve(snapshot.methods.size());
  for (const auto& method : snapshot.methods) {
    rows.push_back({{{"grpc_method", method.method}}, &method.calls});
  }
  std::string out;
  AppendStartedFamily("grpc_server_call_started_total",
                      "Calls started, by method.", rows, &out);
  AppendStatusHistogramFamily(
      "grpc_server_call_duration_seconds",
      "Time from reading a call's request to its final status, by method "
      "and status.",
      LatencyBucketBounds(), &CallMetrics::StatusSnapshot::latency_seconds,
      rows, &out);
  AppendStatusHistogramFamily(
      "grpc_server_call_rcvd_total_compressed_message_size_bytes",
      "Request message bytes received per call, by method and status.",
      SizeBucketBounds(), &CallMetrics::StatusSnapshot::request_bytes, rows,
      &out);
  AppendStatusHistogramFamily(
      "grpc_server_call_sent_total_compressed_message_size_bytes",
      "Response message bytes sent per call, by method and status.",
      SizeBucketBounds(), &CallMetrics::StatusSnapshot::response_bytes, rows,
      &out);
  AppendFamilyHeader("framerpc_server_connections_open", "gauge",
                     "Connections accepted and not yet closed.", &out);
  AppendSample("framerpc_server_connections_open", {},
               static_cast<double>(snapshot.connections_open), &out);
  AppendFamilyHeader("framerpc_server_connections_accepted_total", "counter",
                     "Connections accepted since the server started.", &out);
  AppendSample("framerpc_server_connections_accepted_total", {},
               static_cast<double>(snapshot.connections_accepted), &out);
  return out;
}

}  // namespace internal
}  // namespace framerpc
