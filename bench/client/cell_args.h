// What the benches that run cells of their own (bench_fleet, bench_fanout)
// check and compute alike: the --threads list, the bounds of --repeat,
// --payload, --duration and --warmup, and the median of a cell's runs.
// Plain functions.
#ifndef FRAMERPC_BENCH_CLIENT_CELL_ARGS_H_
#define FRAMERPC_BENCH_CLIENT_CELL_ARGS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace framerpc {
namespace bench {

// The counts of a comma list such as "8,64", each 1..4096; INVALID_ARGUMENT
// naming the first item that is not.
absl::StatusOr<std::vector<int>> ParseThreadCounts(absl::string_view list);

// OK when --repeat is 1..100, --payload 0..8 MiB, --duration in (0, 3600]
// and --warmup in [0, 3600] seconds; else INVALID_ARGUMENT naming the first
// flag out of range.
absl::Status CheckRunFlags(int repeat, int64_t payload, double duration,
                           double warmup);

// The median of `values` (the mean of the middle two for an even count).
// REQUIRES: values is not empty.
double Median(std::vector<double> values);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_CELL_ARGS_H_
