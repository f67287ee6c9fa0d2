// internal. CallMetrics: the counters of one method (gRFC A66's per-call
// metrics): calls started, and per final status code the latency and the
// request and response sizes as histograms, with A66's bucket boundaries.
//
// Written on every call's path, from every thread that starts or finishes
// one, so nothing here takes a lock: the counters are split into
// kMetricShards cache-line-aligned shards of relaxed atomics, and each
// thread writes the shard it holds (ThisThreadMetricShard). The first
// kMetricShards - 1 threads alive at once hold one each, alone, and add
// to it with a plain load and store (no locked instruction); a thread
// that finds none free shares the last shard, with fetch_add. A status
// code's histograms are allocated the first time a call ends with it (a
// compare-and-swap; the loser frees its copy), so a method that only ever
// answers OK costs one set. Read() sums the shards: a reader racing calls
// may see a call started but not yet finished, never a torn histogram
// bucket, and every count only grows.
//
// Thread-safe. Not copyable (the atomics live here).
#ifndef FRAMERPC_RPC_CALL_METRICS_H_
#define FRAMERPC_RPC_CALL_METRICS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace framerpc {
namespace internal {

// gRFC A66's latency boundaries, in seconds (the buckets' upper bounds,
// inclusive; one more bucket, +Inf, follows).
extern const std::vector<double>& LatencyBucketBounds();
// gRFC A66's message size boundaries, in bytes.
extern const std::vector<double>& SizeBucketBounds();

// absl::StatusCode values 0..16, the codes the wire carries.
constexpr int kNumStatusCodes = 17;
constexpr int kMetricShards = 16;

// The shard the calling thread writes, and whether it is the only thread
// writing it: claimed on the thread's first call and given back when the
// thread ends, so that up to kMetricShards - 1 threads never share a cache
// line nor need a locked instruction; later threads share the last shard.
struct MetricShard {
  int index;
  bool exclusive;
};
MetricShard ThisThreadMetricShard();

// One histogram read back: counts per bucket (not cumulative; one per
// bound, then +Inf), their total and the sum of the values observed.
struct HistogramSnapshot {
  std::vector<uint64_t> counts;
  uint64_t count = 0;
  double sum = 0;
};

class CallMetrics {
 public:
  CallMetrics();
  ~CallMetrics();
  CallMetrics(const CallMetrics&) = delete;
  CallMetrics& operator=(const CallMetrics&) = delete;

  // A call of this method began (its request was read).
  void RecordStart();
  // A call ended with `code` after `latency`, having received
  // `request_bytes` and sent `response_bytes` of serialized message. A
  // code outside 0..16 is counted as UNKNOWN.
  void RecordFinish(absl::StatusCode code, absl::Duration latency,
                    size_t request_bytes, size_t response_bytes);
  // A call ended with `code` after `latency`, its sizes not counted (their
  // histograms stay empty): for a client's whole calls, whose bytes are
  // counted per attempt instead.
  void RecordLatency(absl::StatusCode code, absl::Duration latency);

  // The calls that ended with one code.
  struct StatusSnapshot {
    absl::StatusCode code = absl::StatusCode::kOk;
    HistogramSnapshot latency_seconds;
    HistogramSnapshot request_bytes;
    HistogramSnapshot response_bytes;
  };
  struct Snapshot {
    uint64_t started = 0;
    // Only the codes some call ended with, in code order.
    std::vector<StatusSnapshot> by_status;
  };
  Snapshot Read() const;

 private:
  struct StatusCells;
  struct alignas(64) Shard {
    std::atomic<uint64_t> started{0};
    std::atomic<StatusCells*> cells[kNumStatusCodes] = {};
  };

  StatusCells* CellsFor(Shard& shard, int code);
  // This thread's cells for `code` (UNKNOWN for a code outside 0..16),
  // with `latency` (negative: 0) counted; `*exclusive` tells whether this
  // thread writes them alone.
  StatusCells* AddLatency(absl::StatusCode code, absl::Duration latency,
                          bool* exclusive);

  Shard shards_[kMetricShards];
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_RPC_CALL_METRICS_H_
