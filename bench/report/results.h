// What bench_report computes from the cells of one bench/run.sh run (all
// repetitions): ResultSet indexes them by system, workload and repetition
// and holds each cell's medians over the repetitions; CheckTargets judges
// the performance targets against it. Systems keep the order in
// which the runner first recorded them, which is the order of the table and
// the charts.
//
// A repetition of a cell counts only when it ran cleanly: a result, at least
// one call, no failed call and no mismatched reply.
//
// ResultSet copies what it keeps from the cells; returned pointers live as
// long as it does. Single-threaded tool: nothing here is synchronized.
#ifndef FRAMERPC_BENCH_REPORT_RESULTS_H_
#define FRAMERPC_BENCH_REPORT_RESULTS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "bench_result.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace framerpc {
namespace bench {

// Metric names understood below: the ClientResult fields p50_us, p99_us,
// p999_us, calls_per_sec, mb_per_sec, client_cpu_us_per_call,
// server_cpu_us_per_call, and cpu_us_per_call (client + server). Empty for
// an unknown name, a server figure that was not measured, or a median of no
// clean repetition.
absl::optional<double> Metric(const ClientResult& result,
                              absl::string_view metric);
absl::optional<double> Metric(const CellMedian& median,
                              absl::string_view metric);

class ResultSet {
 public:
  explicit ResultSet(const google::protobuf::RepeatedPtrField<Cell>& cells);

  const std::vector<std::string>& systems() const { return systems_; }
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

// Every target of the issue, in the order they are reported: a ratio of a
// framerpc system's figure to a baseline's, computed per repetition and
// judged on the median of those ratios. A target is "n/a" (with the reason)
// when no repetition has clean results for both systems.
std::vector<TargetCheck> CheckTargets(const ResultSet& results);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_REPORT_RESULTS_H_
