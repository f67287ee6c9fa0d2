// The issue's performance targets for framerpc, each a ratio of framerpc's
// figure to a baseline's in the same run: computed per repetition and
// judged on the median of those ratios.
#ifndef FRAMERPC_BENCH_REPORT_TARGETS_H_
#define FRAMERPC_BENCH_REPORT_TARGETS_H_

#include <string>
#include <vector>

#include "bench/report/cell_medians.h"
#include "bench_result.pb.h"

namespace framerpc {
namespace bench {

struct TargetSpec {
  std::string name;
  std::string system;    // the system under test
  std::string baseline;  // what it is divided by
  std::string workload;
  std::string metric;    // see Metric() in cell_medians.h
  bool at_most;          // true: ratio <= limit; false: ratio >= limit
  double limit;
};

// The targets of the issue, in the order they are reported.
const std::vector<TargetSpec>& IssueTargets();

// Checks every target against `results`. A target is "n/a" (with the
// reason) when no repetition has clean results for both systems.
std::vector<TargetCheck> CheckTargets(const ResultSet& results);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_REPORT_TARGETS_H_
