#include "bench/report/cell_medians.h"

#include <algorithm>

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

}  // namespace

absl::optional<double> Metric(const ClientResult& r, absl::string_view metric) {
  if (metric == "p50_us") return r.p50_us();
  if (metric == "p99_us") return r.p99_us();
  if (metric == "p999_us") return r.p999_us();
  if (metric == "calls_per_sec") return r.calls_per_sec();
  if (metric == "mb_per_sec") return r.mb_per_sec();
  if (metric == "client_cpu_us_per_call") return r.client_cpu_us_per_call();
  if (metric == "server_cpu_us_per_call" || metric == "cpu_us_per_call") {
    if (!r.has_server_cpu_us_per_call()) return absl::nullopt;
    if (metric == "server_cpu_us_per_call") return r.server_cpu_us_per_call();
    return r.client_cpu_us_per_call() + r.server_cpu_us_per_call();
  }
  return absl::nullopt;
}

absl::optional<double> Metric(const CellMedian& m, absl::string_view metric) {
  if (m.runs() == 0) return absl::nullopt;
  if (metric == "p50_us") return m.p50_us();
  if (metric == "p99_us") return m.p99_us();
  if (metric == "p999_us") return m.p999_us();
  if (metric == "calls_per_sec") return m.calls_per_sec();
  if (metric == "mb_per_sec") return m.mb_per_sec();
  if (metric == "client_cpu_us_per_call") return m.client_cpu_us_per_call();
  if (metric == "server_cpu_us_per_call" || metric == "cpu_us_per_call") {
    if (m.server_cpu_us_per_call() < 0) return absl::nullopt;
    if (metric == "server_cpu_us_per_call") return m.server_cpu_us_per_call();
    return m.client_cpu_us_per_call() + m.server_cpu_us_per_call();
  }
  return absl::nullopt;
}

double MedianOf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

ResultSet::ResultSet(const std::vector<Cell>& cells) {
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
          if (absl::optional<double> v = Metric(result, metric)) values.push_back(*v);
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

}  // namespace bench
}  // namespace framerpc
