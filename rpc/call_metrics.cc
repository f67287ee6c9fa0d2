#include "rpc/call_metrics.h"

#include <algorithm>

namespace framerpc {
namespace internal {
namespace {

constexpr size_t kLatencyBuckets = 41;  // bounds; +Inf is one more
constexpr size_t kSizeBuckets = 14;

// Which bucket `value` falls in: the first bound >= value (the bounds are
// inclusive upper limits), or bounds.size() for +Inf.
size_t BucketIndex(const std::vector<double>& bounds, double value) {
  return static_cast<size_t>(
      std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin());
}

template <size_t N>
HistogramSnapshot ReadCells(const std::atomic<uint64_t> (&cells)[N],
                            double sum) {
  HistogramSnapshot snapshot;
  snapshot.counts.resize(N);
  for (size_t i = 0; i < N; ++i) {
    snapshot.counts[i] = cells[i].load(std::memory_order_relaxed);
    snapshot.count += snapshot.counts[i];
  }
  snapshot.sum = sum;
  return snapshot;
}

void AddInto(const HistogramSnapshot& from, HistogramSnapshot* to) {
  if (to->counts.empty()) to->counts.resize(from.counts.size());
  for (size_t i = 0; i < from.counts.size(); ++i) to->counts[i] += from.counts[i];
  to->count += from.count;
  to->sum += from.sum;
}

}  // namespace

const std::vector<double>& LatencyBucketBounds() {
  static const std::vector<double>* const bounds = new std::vector<double>{
      0,     0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002,
      0.003, 0.004,   0.005,   0.006,  0.008,  0.01,   0.013,  0.016, 0.02,
      0.025, 0.03,    0.04,    0.05,   0.065,  0.08,   0.1,    0.13,  0.16,
      0.2,   0.25,    0.3,     0.4,    0.5,    0.65,   0.8,    1,     2,
      5,     10,      20,      50,     100};
  return *bounds;
}

const std::vector<double>& SizeBucketBounds() {
  static const std::vector<double>* const bounds = new std::vector<double>{
      0,        1024,      2048,      4096,       16384,     65536,
      262144,   1048576,   4194304,   16777216,   67108864,  268435456,
      1073741824, 4294967296};
  return *bounds;
}

int MetricShardIndex() {
  static std::atomic<int> next{0};
  thread_local const int index =
      next.fetch_add(1, std::memory_order_relaxed) % kMetricShards;
  return index;
}

// One code's histograms in one shard. The sums are kept as integers
// (nanoseconds, bytes) so that they can be atomic adds.
struct CallMetrics::StatusCells {
  std::atomic<uint64_t> latency[kLatencyBuckets + 1] = {};
  std::atomic<uint64_t> latency_sum_nanos{0};
  std::atomic<uint64_t> request[kSizeBuckets + 1] = {};
  std::atomic<uint64_t> request_sum{0};
  std::atomic<uint64_t> response[kSizeBuckets + 1] = {};
  std::atomic<uint64_t> response_sum{0};
};

CallMetrics::CallMetrics() {
  // The tables above must match the cells' sizes.
  static_assert(kLatencyBuckets == 41 && kSizeBuckets == 14,
                "A66 boundaries: 41 for latency, 14 for sizes");
}

CallMetrics::~CallMetrics() {
  for (Shard& shard : shards_) {
    for (std::atomic<StatusCells*>& cells : shard.cells) {
      delete cells.load(std::memory_order_acquire);
    }
  }
}

void CallMetrics::RecordStart() {
  shards_[MetricShardIndex()].started.fetch_add(1, std::memory_order_relaxed);
}

CallMetrics::StatusCells* CallMetrics::CellsFor(Shard& shard, int code) {
  StatusCells* cells = shard.cells[code].load(std::memory_order_acquire);
  if (cells != nullptr) return cells;
  auto* made = new StatusCells();
  if (shard.cells[code].compare_exchange_strong(cells, made,
                                                std::memory_order_acq_rel)) {
    return made;
  }
  delete made;  // another thread of this shard was first; `cells` is its
  return cells;
}

CallMetrics::StatusCells* CallMetrics::AddLatency(absl::StatusCode code,
                                                  absl::Duration latency) {
  int index = static_cast<int>(code);
  if (index < 0 || index >= kNumStatusCodes) {
    index = static_cast<int>(absl::StatusCode::kUnknown);
  }
  StatusCells* cells = CellsFor(shards_[MetricShardIndex()], index);
  if (latency < absl::ZeroDuration()) latency = absl::ZeroDuration();
  constexpr auto relaxed = std::memory_order_relaxed;
  cells->latency[BucketIndex(LatencyBucketBounds(),
                             absl::ToDoubleSeconds(latency))]
      .fetch_add(1, relaxed);
  cells->latency_sum_nanos.fetch_add(
      static_cast<uint64_t>(absl::ToInt64Nanoseconds(latency)), relaxed);
  return cells;
}

void CallMetrics::RecordLatency(absl::StatusCode code, absl::Duration latency) {
  AddLatency(code, latency);
}

void CallMetrics::RecordFinish(absl::StatusCode code, absl::Duration latency,
                               size_t request_bytes, size_t response_bytes) {
  StatusCells* const cells = AddLatency(code, latency);
  constexpr auto relaxed = std::memory_order_relaxed;
  cells->request[BucketIndex(SizeBucketBounds(),
                             static_cast<double>(request_bytes))]
      .fetch_add(1, relaxed);
  cells->request_sum.fetch_add(request_bytes, relaxed);
  cells->response[BucketIndex(SizeBucketBounds(),
                              static_cast<double>(response_bytes))]
      .fetch_add(1, relaxed);
  cells->response_sum.fetch_add(response_bytes, relaxed);
}

CallMetrics::Snapshot CallMetrics::Read() const {
  Snapshot snapshot;
  for (const Shard& shard : shards_) {
    snapshot.started += shard.started.load(std::memory_order_relaxed);
  }
  for (int code = 0; code < kNumStatusCodes; ++code) {
    StatusSnapshot status;
    status.code = static_cast<absl::StatusCode>(code);
    bool seen = false;
    for (const Shard& shard : shards_) {
      const StatusCells* cells =
          shard.cells[code].load(std::memory_order_acquire);
      if (cells == nullptr) continue;
      seen = true;
      constexpr auto relaxed = std::memory_order_relaxed;
      AddInto(ReadCells(cells->latency,
                        static_cast<double>(
                            cells->latency_sum_nanos.load(relaxed)) /
                            1e9),
              &status.latency_seconds);
      AddInto(ReadCells(cells->request, static_cast<double>(
                                            cells->request_sum.load(relaxed))),
              &status.request_bytes);
      AddInto(ReadCells(cells->response,
                        static_cast<double>(cells->response_sum.load(relaxed))),
              &status.response_bytes);
    }
    if (seen) snapshot.by_status.push_back(std::move(status));
  }
  return snapshot;
}

}  // namespace internal
}  // namespace framerpc
