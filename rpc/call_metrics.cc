#include "rpc/call_metrics.h"

#include <cstdint>
#include <iterator>
#include <mutex>
#include <vector>

namespace framerpc {
namespace internal {
namespace {

// gRFC A66's boundaries as integers (nanoseconds, bytes): a call's path
// compares integers, and the readers' doubles are made from these.
constexpr int64_t kLatencyBoundNanos[] = {
    0,          10000,      50000,      100000,     300000,     600000,
    800000,     1000000,    2000000,    3000000,    4000000,    5000000,
    6000000,    8000000,    10000000,   13000000,   16000000,   20000000,
    25000000,   30000000,   40000000,   50000000,   65000000,   80000000,
    100000000,  130000000,  160000000,  200000000,  250000000,  300000000,
    400000000,  500000000,  650000000,  800000000,  1000000000, 2000000000,
    5000000000, 10000000000, 20000000000, 50000000000, 100000000000};
constexpr uint64_t kSizeBounds[] = {
    0,        1024,      2048,      4096,       16384,     65536,
    262144,   1048576,   4194304,   16777216,   67108864,  268435456,
    1073741824, 4294967296};
constexpr size_t kLatencyBuckets =
    sizeof(kLatencyBoundNanos) / sizeof(kLatencyBoundNanos[0]);
constexpr size_t kSizeBuckets = sizeof(kSizeBounds) / sizeof(kSizeBounds[0]);
static_assert(kLatencyBuckets == 41 && kSizeBuckets == 14,
              "A66 boundaries: 41 for latency, 14 for sizes");

// Which bucket `value` falls in: the first bound >= value (the bounds are
// inclusive upper limits), or N for +Inf. A scan from the low end: most
// values fall in the first few buckets, and the branch is predictable.
template <typename T, size_t N>
size_t BucketIndex(const T (&bounds)[N], T value) {
  size_t i = 0;
  while (i < N && bounds[i] < value) ++i;
  return i;
}

// Adds `n` to `cell`. A thread that writes its shard alone needs no
// read-modify-write instruction (a locked one costs 20-30 ns on the test
// machine): a load and a store suffice, and readers still see every value
// whole. A shared shard takes fetch_add.
inline void Add(std::atomic<uint64_t>& cell, uint64_t n, bool exclusive) {
  constexpr auto relaxed = std::memory_order_relaxed;
  if (exclusive) {
    cell.store(cell.load(relaxed) + n, relaxed);
  } else {
    cell.fetch_add(n, relaxed);
  }
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

// The exclusive shards not held by a live thread. Leaked: threads may
// end after static destructors ran.
struct FreeShards {
  std::mutex mu;
  std::vector<int> indexes;
};

FreeShards& TheFreeShards() {
  static FreeShards* const free = [] {
    auto* made = new FreeShards();
    // Popped from the back: the lowest index first.
    for (int i = kMetricShards - 2; i >= 0; --i) made->indexes.push_back(i);
    return made;
  }();
  return *free;
}

// A thread's claim on a shard, given back when the thread ends. The mutex
// orders the last writes of one holder before the first of the next.
struct ShardClaim {
  ShardClaim() {
    FreeShards& free = TheFreeShards();
    std::lock_guard<std::mutex> lock(free.mu);
    if (!free.indexes.empty()) {
      shard = {free.indexes.back(), true};
      free.indexes.pop_back();
    }
  }
  ~ShardClaim() {
    if (!shard.exclusive) return;
    FreeShards& free = TheFreeShards();
    std::lock_guard<std::mutex> lock(free.mu);
    free.indexes.push_back(shard.index);
    // A metric written later in this thread's exit goes to the shared one.
    shard = {kMetricShards - 1, false};
  }
  MetricShard shard{kMetricShards - 1, false};
};

}  // namespace

const std::vector<double>& LatencyBucketBounds() {
  static const std::vector<double>* const bounds = [] {
    auto* made = new std::vector<double>();
    // n / 1e9 is the double nearest to the decimal bound: the same as
    // writing the bound out in seconds.
    for (int64_t nanos : kLatencyBoundNanos) {
      made->push_back(static_cast<double>(nanos) / 1e9);
    }
    return made;
  }();
  return *bounds;
}

const std::vector<double>& SizeBucketBounds() {
  static const std::vector<double>* const bounds = new std::vector<double>(
      std::begin(kSizeBounds), std::end(kSizeBounds));
  return *bounds;
}

MetricShard ThisThreadMetricShard() {
  thread_local ShardClaim claim;
  return claim.shard;
}

// One code's histograms in one shard. The sums are kept as integers
// (nanoseconds, bytes) so that they can be atomic adds.
// Aligned so that no other allocation shares its first or last line.
struct alignas(64) CallMetrics::StatusCells {
  std::atomic<uint64_t> latency[kLatencyBuckets + 1] = {};
  std::atomic<uint64_t> latency_sum_nanos{0};
  std::atomic<uint64_t> request[kSizeBuckets + 1] = {};
  std::atomic<uint64_t> request_sum{0};
  std::atomic<uint64_t> response[kSizeBuckets + 1] = {};
  std::atomic<uint64_t> response_sum{0};
};

CallMetrics::CallMetrics() = default;

CallMetrics::~CallMetrics() {
  for (Shard& shard : shards_) {
    for (std::atomic<StatusCells*>& cells : shard.cells) {
      delete cells.load(std::memory_order_acquire);
    }
  }
}

void CallMetrics::RecordStart() {
  const MetricShard shard = ThisThreadMetricShard();
  Add(shards_[shard.index].started, 1, shard.exclusive);
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
                                                  absl::Duration latency,
                                                  bool* exclusive) {
  int index = static_cast<int>(code);
  if (index < 0 || index >= kNumStatusCodes) {
    index = static_cast<int>(absl::StatusCode::kUnknown);
  }
  const MetricShard shard = ThisThreadMetricShard();
  *exclusive = shard.exclusive;
  StatusCells* cells = CellsFor(shards_[shard.index], index);
  int64_t nanos = absl::ToInt64Nanoseconds(latency);
  if (nanos < 0) nanos = 0;
  Add(cells->latency[BucketIndex(kLatencyBoundNanos, nanos)], 1,
      shard.exclusive);
  Add(cells->latency_sum_nanos, static_cast<uint64_t>(nanos), shard.exclusive);
  return cells;
}

void CallMetrics::RecordLatency(absl::StatusCode code, absl::Duration latency) {
  bool exclusive;
  AddLatency(code, latency, &exclusive);
}

void CallMetrics::RecordFinish(absl::StatusCode code, absl::Duration latency,
                               size_t request_bytes, size_t response_bytes) {
  bool exclusive;
  StatusCells* const cells = AddLatency(code, latency, &exclusive);
  const uint64_t request = request_bytes;
  const uint64_t response = response_bytes;
  Add(cells->request[BucketIndex(kSizeBounds, request)], 1, exclusive);
  Add(cells->request_sum, request, exclusive);
  Add(cells->response[BucketIndex(kSizeBounds, response)], 1, exclusive);
  Add(cells->response_sum, response, exclusive);
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
