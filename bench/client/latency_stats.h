// Latency percentiles of the calls in a measured window.
#ifndef FRAMERPC_BENCH_CLIENT_LATENCY_STATS_H_
#define FRAMERPC_BENCH_CLIENT_LATENCY_STATS_H_

#include <cstdint>
#include <vector>

namespace framerpc {
namespace bench {

struct LatencySummary {
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
};

// Sorts `latencies_ns` in place and reads the 50th, 99th and 99.9th
// percentiles by nearest rank (the smallest sample with at least q of all
// samples at or below it). All zero when there are no samples.
LatencySummary Summarize(std::vector<int64_t>* latencies_ns);

// The nearest-rank percentile `q` (0 < q <= 1) of sorted, non-empty samples.
int64_t NearestRank(const std::vector<int64_t>& sorted, double q);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_LATENCY_STATS_H_
