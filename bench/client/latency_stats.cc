#include "bench/client/latency_stats.h"

#include <algorithm>
#include <cmath>

namespace framerpc {
namespace bench {

int64_t NearestRank(const std::vector<int64_t>& sorted, double q) {
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

LatencySummary Summarize(std::vector<int64_t>* latencies_ns) {
  LatencySummary summary;
  if (latencies_ns->empty()) return summary;
  std::sort(latencies_ns->begin(), latencies_ns->end());
  summary.p50_us = NearestRank(*latencies_ns, 0.50) / 1e3;
  summary.p99_us = NearestRank(*latencies_ns, 0.99) / 1e3;
  summary.p999_us = NearestRank(*latencies_ns, 0.999) / 1e3;
  return summary;
}

}  // namespace bench
}  // namespace framerpc
