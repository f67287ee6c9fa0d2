// What bench_report writes: the table of medians and the target checks for
// stdout, and the data files bench/plot.gp draws the charts from.
#ifndef FRAMERPC_BENCH_REPORT_REPORT_OUTPUT_H_
#define FRAMERPC_BENCH_REPORT_REPORT_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "bench/report/cell_medians.h"
#include "bench_result.pb.h"

namespace framerpc {
namespace bench {

// One row per system, grouped columns per workload: medians over the clean
// repetitions; "-" for a cell not run, "FAIL" for one with no clean run.
std::string FormatTable(const ResultSet& results);

// The cells that failed or had errors, one line each; empty when none.
std::string FormatFailures(const std::vector<Cell>& cells);

// One line per target: median ratio, limit, verdict, per-run ratios.
std::string FormatTargets(const std::vector<TargetCheck>& checks);

// Writes latency.dat (conc-1 p50/p99, pinned and not, in us) and
// throughput.dat (calls/s at 8 and 64 threads, 1 MiB MB/s) into `dir`, one
// quoted system name and its figures per line, "-" where missing.
absl::Status WritePlotData(const ResultSet& results, absl::string_view dir);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_REPORT_REPORT_OUTPUT_H_
