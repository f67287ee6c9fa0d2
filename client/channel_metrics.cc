#include "client/channel_metrics.h"

#include <algorithm>
#include <utility>

#include "rpc/prometheus_text.h"

namespace framerpc {
namespace internal {
namespace {

// The grpc_method label of the methods past ChannelMetrics::kMaxMethods.
constexpr char kOtherMethodLabel[] = "other";

}  // namespace

void MethodMetrics::RecordAttempt(const absl::Status& status,
                                  absl::Duration duration,
                                  const google::protobuf::Message& request,
                                  const google::protobuf::Message& response) {
  attempts.RecordFinish(status.code(), duration, request.ByteSizeLong(),
                        status.ok() ? response.ByteSizeLong() : 0);
}

ChannelMetrics::ChannelMetrics(std::string target)
    : target_(std::move(target)),
      other_(std::make_unique<MethodMetrics>(kOtherMethodLabel)) {
  auto empty = std::make_unique<const Table>();
  table_.store(empty.get(), std::memory_order_release);
  std::lock_guard<std::mutex> lock(mu_);
  tables_.push_back(std::move(empty));
}

ChannelMetrics::~ChannelMetrics() = default;

MethodMetrics* ChannelMetrics::ForMethod(absl::string_view method) {
  const Table* table = table_.load(std::memory_order_acquire);
  auto it = table->find(method);
  if (it != table->end()) return it->second;
  if (table->size() >= kMaxMethods) return other_.get();
  return AddMethod(method);
}

MethodMetrics* ChannelMetrics::AddMethod(absl::string_view method) {
  std::lock_guard<std::mutex> lock(mu_);
  // Another thread may have added it, or filled the table, meanwhile.
  const Table& current = *tables_.back();
  auto it = current.find(method);
  if (it != current.end()) return it->second;
  if (current.size() >= kMaxMethods) return other_.get();
  methods_.push_back(std::make_unique<MethodMetrics>(std::string(method)));
  MethodMetrics* const added = methods_.back().get();
  auto grown = std::make_unique<Table>(current);
  grown->emplace(added->name, added);
  table_.store(grown.get(), std::memory_order_release);
  tables_.push_back(std::move(grown));
  return added;
}

std::string ChannelMetrics::PrometheusText() const {
  // Snapshots first, so that the rows can borrow them.
  std::vector<std::pair<std::string, CallMetrics::Snapshot>> attempts;
  std::vector<std::pair<std::string, CallMetrics::Snapshot>> calls;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::unique_ptr<MethodMetrics>& method : methods_) {
      attempts.emplace_back(method->name, method->attempts.Read());
      calls.emplace_back(method->name, method->calls.Read());
    }
  }
  // "other" only once a call came to it: a channel that never had more
  // than kMaxMethods names has no such row.
  CallMetrics::Snapshot other_attempts = other_->attempts.Read();
  CallMetrics::Snapshot other_calls = other_->calls.Read();
  if (other_attempts.started > 0 || !other_calls.by_status.empty()) {
    attempts.emplace_back(other_->name, std::move(other_attempts));
    calls.emplace_back(other_->name, std::move(other_calls));
  }
  const auto by_name = [](const auto& a, const auto& b) {
    return a.first < b.first;
  };
  std::sort(attempts.begin(), attempts.end(), by_name);
  std::sort(calls.begin(), calls.end(), by_name);
  const auto rows_of = [this](const auto& snapshots) {
    std::vector<LabelledCalls> rows;
    rows.reserve(snapshots.size());
    for (const auto& [name, snapshot] : snapshots) {
      rows.push_back({{{"grpc_method", name}, {"grpc_target", target_}},
                      &snapshot});
    }
    return rows;
  };
  const std::vector<LabelledCalls> attempt_rows = rows_of(attempts);
  const std::vector<LabelledCalls> call_rows = rows_of(calls);
  std::string out;
  AppendStartedFamily("grpc_client_attempt_started_total",
                      "Call attempts started (handed to a connection), by "
                      "method and target.",
                      attempt_rows, &out);
  AppendStatusHistogramFamily(
      "grpc_client_attempt_duration_seconds",
      "Time from handing an attempt to a connection to its status, by "
      "method, target and status.",
      LatencyBucketBounds(), &CallMetrics::StatusSnapshot::latency_seconds,
      attempt_rows, &out);
  AppendStatusHistogramFamily(
      "grpc_client_attempt_sent_total_compressed_message_size_bytes",
      "Request message bytes sent per attempt, by method, target and status.",
      SizeBucketBounds(), &CallMetrics::StatusSnapshot::request_bytes,
      attempt_rows, &out);
  AppendStatusHistogramFamily(
      "grpc_client_attempt_rcvd_total_compressed_message_size_bytes",
      "Response message bytes received per attempt, by method, target and "
      "status.",
      SizeBucketBounds(), &CallMetrics::StatusSnapshot::response_bytes,
      attempt_rows, &out);
  AppendStatusHistogramFamily(
      "grpc_client_call_duration_seconds",
      "Time from the start of a call to its final status, resends "
      "included, by method, target and status.",
      LatencyBucketBounds(), &CallMetrics::StatusSnapshot::latency_seconds,
      call_rows, &out);
  return out;
}

}  // namespace internal
}  // namespace framerpc
