// What the benches that run cells of their own (bench_fleet, bench_fanout)
// check and compute alike: the --threads list, the bounds of --repeat,
// --payload, --duration and --warmup, a cell's failed calls, and the
// median of a cell's runs.
// Plain functions.
#ifndef FRAMERPC_BENCH_CLIENT_CELL_ARGS_H_
#define FRAMERPC_BENCH_CLIENT_CELL_ARGS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/client/load_runner.h"

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

// The median of one figure over a cell's runs, e.g.
// MedianOf(cell.runs, &CellFigures::p99_us). REQUIRES: runs is not empty.
template <typename Figures>
double MedianOf(const std::vector<Figures>& runs, double Figures::*field) {
  std::vector<double> values;
  values.reserve(runs.size());
  for (const Figures& figures : runs) values.push_back(figures.*field);
  return Median(std::move(values));
}

// When `result` counts failed calls or replies that differed from their
// request, prints them with the first error, as "PROGRAM: CELL: ..." on
// stderr, and ends the program with status 1: the cell's figures would
// mean nothing.
void ExitIfCallsFailed(absl::string_view program, absl::string_view cell,
                       const LoadResult& result);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_CELL_ARGS_H_
