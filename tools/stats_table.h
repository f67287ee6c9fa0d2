// What `framerpc_cli stats` prints by default: a framerpc.admin Stats
// answer (proto/admin.proto) as a table, one row per method that has seen
// a call, with its calls, errors by code, latency percentiles estimated
// from the histogram, and bytes. Stateless functions.
#ifndef FRAMERPC_TOOLS_STATS_TABLE_H_
#define FRAMERPC_TOOLS_STATS_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/optional.h"
#include "proto/admin.pb.h"

namespace framerpc {
namespace cli {

// The q-quantile (0 < q <= 1) of a histogram with `counts` per bucket
// (one per bound, then +Inf) and inclusive upper `bounds`, as Prometheus's
// histogram_quantile estimates it: linear within the bucket it falls in.
// A quantile in the +Inf bucket is the last bound (a floor: "more than").
// nullopt for an empty histogram or mismatched sizes.
absl::optional<double> EstimateQuantile(const std::vector<double>& bounds,
                                        const std::vector<uint64_t>& counts,
                                        double q);

// "850us", "12.5ms", "2.10s".
std::string FormatSeconds(double seconds);

// The whole table, header first, then "connections: N open, M accepted".
std::string FormatStatsTable(const admin::StatsReply& stats);

}  // namespace cli
}  // namespace framerpc

#endif  // FRAMERPC_TOOLS_STATS_TABLE_H_
