#include "bench/report/targets.h"

#include "absl/strings/str_cat.h"

namespace framerpc {
namespace bench {

const std::vector<TargetSpec>& IssueTargets() {
  static const auto* targets = [] {
    auto* all = new std::vector<TargetSpec>;
    // The default server (handlers on workers), then the same server with
    // the echo handler run on the loop thread: the mode meant for handlers
    // that do not block, which the echo is; then that server with the
    // shared Channel opening up to 8 connections (max_connections).
    for (const char* system :
         {"framerpc", "framerpc-inline", "framerpc-pool"}) {
      const std::vector<TargetSpec> rows = {
          {"conc-1 same-CPU p50 vs raw+pb", system, "raw+pb", "c1_pinned",
           "p50_us", true, 1.5},
          {"conc-1 same-CPU p50 vs grpc", system, "grpc", "c1_pinned",
           "p50_us", true, 0.25},
          {"8 threads calls/s vs pollref", system, "pollref", "t8",
           "calls_per_sec", false, 0.8},
          {"8 threads calls/s vs grpc", system, "grpc", "t8", "calls_per_sec",
           false, 5},
          {"64 threads calls/s vs pollref", system, "pollref", "t64",
           "calls_per_sec", false, 0.8},
          {"64 threads calls/s vs grpc", system, "grpc", "t64",
           "calls_per_sec", false, 5},
          {"1 MiB MB/s vs raw+pb", system, "raw+pb", "1mib", "mb_per_sec",
           false, 0.9},
          {"1 MiB MB/s vs grpc", system, "grpc", "1mib", "mb_per_sec", false,
           2},
          // Same CPU: where client and server run on two CPUs, every wakeup
          // may cost an inter-processor interrupt, which in a VM can cost
          // more than the call; pinned, the figure is the software's own
          // work.
          {"conc-1 same-CPU CPU/call (client+server) vs raw+pb", system,
           "raw+pb", "c1_pinned", "cpu_us_per_call", true, 1.5},
      };
      all->insert(all->end(), rows.begin(), rows.end());
    }
    return all;
  }();
  return *targets;
}

std::vector<TargetCheck> CheckTargets(const ResultSet& results) {
  std::vector<TargetCheck> checks;
  for (const TargetSpec& spec : IssueTargets()) {
    TargetCheck check;
    check.set_name(spec.name);
    check.set_system(spec.system);
    check.set_baseline(spec.baseline);
    check.set_workload(spec.workload);
    check.set_metric(spec.metric);
    check.set_comparison(spec.at_most ? "<=" : ">=");
    check.set_limit(spec.limit);
    std::vector<double> ratios;
    for (int run : results.runs()) {
      const ClientResult* ours = results.Find(spec.system, spec.workload, run);
      const ClientResult* theirs = results.Find(spec.baseline, spec.workload, run);
      if (ours == nullptr || theirs == nullptr) continue;
      const absl::optional<double> a = Metric(*ours, spec.metric);
      const absl::optional<double> b = Metric(*theirs, spec.metric);
      if (!a || !b || *b <= 0) continue;
      ratios.push_back(*a / *b);
      check.add_run_ratios(*a / *b);
    }
    if (ratios.empty()) {
      const bool has_ours = results.Median(spec.system, spec.workload) != nullptr;
      const bool has_theirs =
          results.Median(spec.baseline, spec.workload) != nullptr;
      std::string why = "no repetition with clean results for both";
      if (!has_ours) why = absl::StrCat(spec.system, " not run");
      else if (!has_theirs) why = absl::StrCat(spec.baseline, " not run");
      check.set_verdict(absl::StrCat("n/a (", why, ")"));
      checks.push_back(std::move(check));
      continue;
    }
    const double median = MedianOf(ratios);
    check.set_median_ratio(median);
    const bool pass = spec.at_most ? median <= spec.limit : median >= spec.limit;
    check.set_verdict(pass ? "PASS" : "FAIL");
    checks.push_back(std::move(check));
  }
  return checks;
}

}  // namespace bench
}  // namespace framerpc
