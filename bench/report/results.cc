#include "bench/report/results.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace framerpc {
namespace bench {
namespace {

bool RanCleanly(const Cell& cell) {
  return cell.has_result() && cell.error().empty() &&
         cell.result().calls() > 0 && cell.result().errors() == 0 &&
         cell.result().mismatches() == 0;
}

void AddOnce(const std::string& name, std::vector<std::string>* names) {
  if (std::find(names->begin(), names->end(), name) == names->end()) {
    names->push_back(name);
  }
}

// The median of `values` (the mean of the middle two for an even count).
// REQUIRES: not empty.
double MedianOf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// ClientResult and CellMedian name their figures alike; they differ only in
// how a missing server figure shows.
template <typename Figures>
absl::optional<double> MetricOf(const Figures& f, bool has_server_cpu,
                                absl::string_view metric) {
  if (metric == "p50_us") return f.p50_us();
  if (metric == "p99_us") return f.p99_us();
  if (metric == "p999_us") return f.p999_us();
  if (metric == "calls_per_sec") return f.calls_per_sec();
  if (metric == "mb_per_sec") return f.mb_per_sec();
  if (metric == "client_cpu_us_per_call") return f.client_cpu_us_per_call();
  if (metric == "server_cpu_us_per_call" || metric == "cpu_us_per_call") {
    if (!has_server_cpu) return absl::nullopt;
    if (metric == "server_cpu_us_per_call") return f.server_cpu_us_per_call();
    return f.client_cpu_us_per_call() + f.server_cpu_us_per_call();
  }
  return absl::nullopt;
}

struct TargetSpec {
  std::string name;
  std::string system;    // the system under test
  std::string baseline;  // what it is divided by
  std::string workload;
  std::string metric;  // see Metric()
  bool at_most;        // true: ratio <= limit; false: ratio >= limit
  double limit;
  // The baseline's workload when it is not `workload` (a system compared
  // with itself under another load).
  std::string baseline_workload = "";
  // Set for a cost comparison: each side is first divided by its own
  // plain form (framerpc-tls by framerpc, grpc-tls by grpc), and the ratio
  // is of those quotients: what the feature costs us against what it
  // costs the baseline.
  std::string system_plain = "";
  std::string baseline_plain = "";
};

// The targets of the issue, in the order they are reported.
std::vector<TargetSpec> IssueTargets() {
  std::vector<TargetSpec> all;
  // The default server (handlers on the loop, handed off when they
  // block), then the same server with the echo handler never handed off:
  // the mode meant for handlers that do not block, which the echo is; then
  // that server with the
  // shared Channel opening up to 8 connections (max_connections).
  for (const char* system : {"framerpc", "framerpc-inline", "framerpc-pool"}) {
    const std::vector<TargetSpec> rows = {
        {"conc-1 same-CPU p50 vs raw+pb", system, "raw+pb", "c1_pinned",
         "p50_us", true, 1.25},
        {"conc-1 same-CPU p50 vs grpc", system, "grpc", "c1_pinned", "p50_us",
         true, 0.25},
        {"8 threads calls/s vs pollref", system, "pollref", "t8",
         "calls_per_sec", false, 1},
        {"8 threads calls/s vs raw+pb", system, "raw+pb", "t8",
         "calls_per_sec", false, 0.8},
        {"8 threads calls/s vs grpc", system, "grpc", "t8", "calls_per_sec",
         false, 5},
        {"64 threads calls/s vs pollref", system, "pollref", "t64",
         "calls_per_sec", false, 1},
        {"64 threads calls/s vs raw+pb", system, "raw+pb", "t64",
         "calls_per_sec", false, 0.8},
        {"64 threads calls/s vs grpc", system, "grpc", "t64", "calls_per_sec",
         false, 5},
        {"1 MiB MB/s vs raw+pb", system, "raw+pb", "1mib", "mb_per_sec", false,
         0.95},
        {"1 MiB MB/s vs grpc", system, "grpc", "1mib", "mb_per_sec", false, 2},
        // Same CPU: where client and server run on two CPUs, every wakeup
        // may cost an inter-processor interrupt, which in a VM can cost
        // more than the call; pinned, the figure is the software's own
        // work.
        {"conc-1 same-CPU CPU/call (client+server) vs raw+pb", system, "raw+pb",
         "c1_pinned", "cpu_us_per_call", true, 1.3},
    };
    all.insert(all.end(), rows.begin(), rows.end());
  }
  // The light peers: the default framerpc ahead of Cap'n Proto and of both
  // Thrift servers in every workload's headline figure.
  for (const char* peer : {"capnp", "thrift-nb", "thrift-threaded"}) {
    const std::vector<TargetSpec> rows = {
        {"conc-1 same-CPU p50 ahead of peer", "framerpc", peer, "c1_pinned",
         "p50_us", true, 1},
        {"conc-1 p50 ahead of peer", "framerpc", peer, "c1", "p50_us", true, 1},
        {"8 threads calls/s ahead of peer", "framerpc", peer, "t8",
         "calls_per_sec", false, 1},
        {"64 threads calls/s ahead of peer", "framerpc", peer, "t64",
         "calls_per_sec", false, 1},
        {"1 MiB MB/s ahead of peer", "framerpc", peer, "1mib", "mb_per_sec",
         false, 1},
        {"conc-1, 10k idle conns, p50 ahead of peer", "framerpc", peer,
         "c1_idle10k", "p50_us", true, 1},
    };
    all.insert(all.end(), rows.begin(), rows.end());
  }
  // What 10,000 idle connections cost one call: framerpc against itself.
  all.push_back({"conc-1 p50 with 10k idle conns vs without", "framerpc",
                 "framerpc", "c1_idle10k", "p50_us", true, 1.2, "c1"});
  // What TLS costs framerpc, as a ratio to its own plaintext, against what
  // it costs gRPC (issue: less).
  const std::vector<TargetSpec> tls_costs = {
      {"TLS cost vs grpc's: conc-1 p50", "framerpc-tls", "grpc-tls", "c1",
       "p50_us", true, 1, "", "framerpc", "grpc"},
      {"TLS cost vs grpc's: 8 threads calls/s", "framerpc-tls", "grpc-tls",
       "t8", "calls_per_sec", false, 1, "", "framerpc", "grpc"},
      {"TLS cost vs grpc's: 1 MiB MB/s", "framerpc-tls", "grpc-tls", "1mib",
       "mb_per_sec", false, 1, "", "framerpc", "grpc"},
  };
  all.insert(all.end(), tls_costs.begin(), tls_costs.end());
  // What metrics and one do-nothing interceptor cost the default server
  // (issue: under 3% of calls/s at 8 threads).
  all.push_back({"metrics on: 8 threads calls/s vs off", "framerpc-metrics",
                 "framerpc", "t8", "calls_per_sec", false, 0.97});
  all.push_back({"one interceptor: 8 threads calls/s vs none", "framerpc-icpt",
                 "framerpc", "t8", "calls_per_sec", false, 0.97});
  return all;
}

}  // namespace

absl::optional<double> Metric(const ClientResult& r, absl::string_view metric) {
  return MetricOf(r, r.has_server_cpu_us_per_call(), metric);
}

absl::optional<double> Metric(const CellMedian& m, absl::string_view metric) {
  if (m.runs() == 0) return absl::nullopt;
  // A CellMedian has no presence bit: -1 stands for "not measured".
  return MetricOf(m, m.server_cpu_us_per_call() >= 0, metric);
}

ResultSet::ResultSet(const google::protobuf::RepeatedPtrField<Cell>& cells) {
  std::map<Key, int> failed;
  for (const Cell& cell : cells) {
    AddOnce(cell.system(), &systems_);
    AddOnce(cell.workload(), &workloads_);
    if (std::find(runs_.begin(), runs_.end(), cell.run()) == runs_.end()) {
      runs_.push_back(cell.run());
    }
    const Key key(cell.system(), cell.workload());
    if (RanCleanly(cell)) {
      clean_[key][cell.run()] = cell.result();
    } else {
      ++failed[key];
    }
  }
  std::sort(runs_.begin(), runs_.end());

  for (const std::string& system : systems_) {
    for (const std::string& workload : workloads_) {
      const Key key(system, workload);
      const auto runs = clean_.find(key);
      const auto fails = failed.find(key);
      if (runs == clean_.end() && fails == failed.end()) continue;
      CellMedian& m = medians_[key];
      m.set_system(system);
      m.set_workload(workload);
      m.set_failed_runs(fails == failed.end() ? 0 : fails->second);
      m.set_server_cpu_us_per_call(-1);
      if (runs == clean_.end()) continue;
      m.set_runs(static_cast<int>(runs->second.size()));
      auto median = [&](absl::string_view metric) -> absl::optional<double> {
        std::vector<double> values;
        for (const auto& [run, result] : runs->second) {
          if (absl::optional<double> v = Metric(result, metric))
            values.push_back(*v);
        }
        if (values.empty()) return absl::nullopt;
        return MedianOf(std::move(values));
      };
      m.set_calls_per_sec(*median("calls_per_sec"));
      m.set_p50_us(*median("p50_us"));
      m.set_p99_us(*median("p99_us"));
      m.set_p999_us(*median("p999_us"));
      m.set_mb_per_sec(*median("mb_per_sec"));
      m.set_client_cpu_us_per_call(*median("client_cpu_us_per_call"));
      if (absl::optional<double> server = median("server_cpu_us_per_call")) {
        m.set_server_cpu_us_per_call(*server);
      }
    }
  }
}

const ClientResult* ResultSet::Find(absl::string_view system,
                                    absl::string_view workload, int run) const {
  const auto cell = clean_.find(Key(system, workload));
  if (cell == clean_.end()) return nullptr;
  const auto result = cell->second.find(run);
  return result == cell->second.end() ? nullptr : &result->second;
}

const CellMedian* ResultSet::Median(absl::string_view system,
                                    absl::string_view workload) const {
  const auto m = medians_.find(Key(system, workload));
  return m == medians_.end() ? nullptr : &m->second;
}

std::vector<CellMedian> ResultSet::Medians() const {
  std::vector<CellMedian> all;
  for (const std::string& system : systems_) {
    for (const std::string& workload : workloads_) {
      if (const CellMedian* m = Median(system, workload)) all.push_back(*m);
    }
  }
  return all;
}

std::vector<TargetCheck> CheckTargets(const ResultSet& results) {
  std::vector<TargetCheck> checks;
  for (const TargetSpec& spec : IssueTargets()) {
    const std::string& baseline_workload =
        spec.baseline_workload.empty() ? spec.workload : spec.baseline_workload;
    TargetCheck check;
    check.set_name(spec.name);
    check.set_system(spec.system);
    check.set_baseline(spec.baseline);
    check.set_workload(spec.workload);
    check.set_baseline_workload(spec.baseline_workload);
    check.set_metric(spec.metric);
    check.set_comparison(spec.at_most ? "<=" : ">=");
    check.set_limit(spec.limit);
    for (int run : results.runs()) {
      const ClientResult* ours = results.Find(spec.system, spec.workload, run);
      const ClientResult* theirs =
          results.Find(spec.baseline, baseline_workload, run);
      if (ours == nullptr || theirs == nullptr) continue;
      absl::optional<double> a = Metric(*ours, spec.metric);
      absl::optional<double> b = Metric(*theirs, spec.metric);
      if (!a || !b || *b <= 0) continue;
      if (!spec.system_plain.empty()) {
        const ClientResult* ours_plain =
            results.Find(spec.system_plain, spec.workload, run);
        const ClientResult* theirs_plain =
            results.Find(spec.baseline_plain, baseline_workload, run);
        if (ours_plain == nullptr || theirs_plain == nullptr) continue;
        const absl::optional<double> a_plain =
            Metric(*ours_plain, spec.metric);
        const absl::optional<double> b_plain =
            Metric(*theirs_plain, spec.metric);
        if (!a_plain || !b_plain || *a_plain <= 0 || *b_plain <= 0) continue;
        *a /= *a_plain;
        *b /= *b_plain;
      }
      check.add_run_ratios(*a / *b);
    }
    if (check.run_ratios().empty()) {
      const bool has_ours =
          results.Median(spec.system, spec.workload) != nullptr;
      const bool has_theirs =
          results.Median(spec.baseline, baseline_workload) != nullptr;
      std::string why = "no repetition with clean results for both";
      if (!has_ours)
        why = absl::StrCat(spec.system, " not run");
      else if (!has_theirs)
        why = absl::StrCat(spec.baseline, " ", baseline_workload, " not run");
      check.set_verdict(absl::StrCat("n/a (", why, ")"));
      checks.push_back(std::move(check));
      continue;
    }
    const double median =
        MedianOf({check.run_ratios().begin(), check.run_ratios().end()});
    check.set_median_ratio(median);
    const bool pass =
        spec.at_most ? median <= spec.limit : median >= spec.limit;
    check.set_verdict(pass ? "PASS" : "FAIL");
    checks.push_back(std::move(check));
  }
  return checks;
}

}  // namespace bench
}  // namespace framerpc
