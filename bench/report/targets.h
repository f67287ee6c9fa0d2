// The issue's performance targets, each a ratio of a framerpc
// configuration's figure to a baseline's (raw+pb, pollref or grpc) in the
// same repetition, judged on the median of those ratios. Every target is
// checked for three of the configurations bench/run.sh measures:
// framerpc (handlers on workers), framerpc-inline (the echo handler on the
// loop thread) and framerpc-pool (framerpc-inline with a shared Channel of
// up to 8 connections).
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

// The targets of the issue, in the order they are reported: every target
// of framerpc, then of framerpc-inline, then of framerpc-pool.
const std::vector<TargetSpec>& IssueTargets();

// Checks every target against `results`, repetition by repetition: a
// repetition counts only when both systems ran it cleanly. A target with
// no such repetition is "n/a", with the reason (which system was not run,
// or that none had clean results for both).
std::vector<TargetCheck> CheckTargets(const ResultSet& results);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_REPORT_TARGETS_H_
