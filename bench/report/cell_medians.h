// ResultSet: every cell of one bench/run.sh run (all repetitions), indexed by
// system, workload and repetition, and the per-cell medians over the
// repetitions. Systems and workloads keep the order in which the runner
// first recorded them, which is the order of the table and the charts.
//
// A repetition of a cell counts only when it ran cleanly: a result, at least
// one call, no failed call and no mismatched reply.
#ifndef FRAMERPC_BENCH_REPORT_CELL_MEDIANS_H_
#define FRAMERPC_BENCH_REPORT_CELL_MEDIANS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "bench_result.pb.h"

namespace framerpc {
namespace bench {

// Metric names understood below: the ClientResult fields p50_us, p99_us,
// p999_us, calls_per_sec, mb_per_sec, client_cpu_us_per_call,
// server_cpu_us_per_call, and cpu_us_per_call (client + server).
absl::optional<double> Metric(const ClientResult& result, absl::string_view metric);
absl::optional<double> Metric(const CellMedian& median, absl::string_view metric);

// The median of `values` (the mean of the middle two for an even count).
// REQUIRES: not empty.
double MedianOf(std::vector<double> values);

class ResultSet {
 public:
  explicit ResultSet(const std::vector<Cell>& cells);

  const std::vector<std::string>& systems() const { return systems_; }
  const std::vector<std::string>& workloads() const { return workloads_; }
  const std::vector<int>& runs() const { return runs_; }

  // The clean result of one repetition of a cell; null when it did not run
  // cleanly (or at all).
  const ClientResult* Find(absl::string_view system, absl::string_view workload,
                           int run) const;

  // The medians of a cell; null when the cell was never recorded.
  const CellMedian* Median(absl::string_view system,
                           absl::string_view workload) const;

  // Every cell's medians, systems outer, workloads inner.
  std::vector<CellMedian> Medians() const;

 private:
  using Key = std::pair<std::string, std::string>;  // system, workload

  std::vector<std::string> systems_;
  std::vector<std::string> workloads_;
  std::vector<int> runs_;
  std::map<Key, std::map<int, ClientResult>> clean_;
  std::map<Key, CellMedian> medians_;
};

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_REPORT_CELL_MEDIANS_H_
