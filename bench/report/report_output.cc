#include "bench/report/report_output.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace framerpc {
namespace bench {
namespace {

struct Column {
  const char* group;     // title over a run of columns with the same group
  const char* header;
  const char* workload;
  const char* metric;
  int width;
};

const Column kColumns[] = {
    {"conc-1, same CPU (us)", "p50", "c1_pinned", "p50_us", 8},
    {"conc-1, same CPU (us)", "p99", "c1_pinned", "p99_us", 8},
    {"conc-1, same CPU (us)", "p99.9", "c1_pinned", "p999_us", 8},
    {"conc-1 (us)", "p50", "c1", "p50_us", 8},
    {"conc-1 (us)", "p99", "c1", "p99_us", 8},
    {"conc-1 (us)", "p99.9", "c1", "p999_us", 8},
    {"8 threads", "calls/s", "t8", "calls_per_sec", 10},
    {"8 threads", "p99 us", "t8", "p99_us", 8},
    {"64 threads", "calls/s", "t64", "calls_per_sec", 10},
    {"64 threads", "p99 us", "t64", "p99_us", 8},
    {"1 MiB echo", "MB/s", "1mib", "mb_per_sec", 8},
    {"1 MiB echo", "p50 us", "1mib", "p50_us", 8},
    {"CPU us/call, conc-1", "client", "c1_pinned", "client_cpu_us_per_call", 7},
    {"CPU us/call, conc-1", "server", "c1_pinned", "server_cpu_us_per_call", 7},
    {"CPU us/call, conc-1", "total", "c1_pinned", "cpu_us_per_call", 7},
    {"CPU us/call, conc-1", "unpinned", "c1", "cpu_us_per_call", 8},
};
constexpr int kSystemWidth = 15;

std::string FormatValue(double v) {
  if (v >= 1000) return absl::StrFormat("%.0f", v);
  if (v >= 100) return absl::StrFormat("%.1f", v);
  return absl::StrFormat("%.2f", v);
}

std::string CellText(const ResultSet& results, const std::string& system,
                 const Column& column) {
  const CellMedian* m = results.Median(system, column.workload);
  if (m == nullptr) return "-";
  if (m->runs() == 0) return "FAIL";
  absl::optional<double> v = Metric(*m, column.metric);
  return v ? FormatValue(*v) : "-";
}

std::string PlotValue(const ResultSet& results, const std::string& system,
                      absl::string_view workload, absl::string_view metric) {
  const CellMedian* m = results.Median(system, workload);
  if (m == nullptr) return "-";
  absl::optional<double> v = Metric(*m, metric);
  return v ? absl::StrFormat("%.3f", *v) : "-";
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("write ", path));
  return absl::OkStatus();
}

}  // namespace

std::string FormatTable(const ResultSet& results) {
  std::string groups = absl::StrFormat("%-*s", kSystemWidth, "");
  std::string headers = absl::StrFormat("%-*s", kSystemWidth, "system");
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    const Column& c = kColumns[i];
    const bool starts_group =
        i == 0 || std::string(kColumns[i - 1].group) != c.group;
    if (starts_group) {
      int span = 0;
      for (size_t j = i; j < std::size(kColumns) &&
                         std::string(kColumns[j].group) == c.group;
           ++j) {
        span += kColumns[j].width + 1;
      }
      absl::StrAppendFormat(&groups, " | %-*.*s", span - 1, span - 1, c.group);
      absl::StrAppend(&headers, " |");
    }
    absl::StrAppendFormat(&headers, " %*s", c.width, c.header);
  }
  std::string table = absl::StrCat(groups, "\n", headers, "\n");
  for (const std::string& system : results.systems()) {
    absl::StrAppendFormat(&table, "%-*s", kSystemWidth, system);
    for (size_t i = 0; i < std::size(kColumns); ++i) {
      const Column& c = kColumns[i];
      if (i == 0 || std::string(kColumns[i - 1].group) != c.group) {
        absl::StrAppend(&table, " |");
      }
      absl::StrAppendFormat(&table, " %*s", c.width, CellText(results, system, c));
    }
    absl::StrAppend(&table, "\n");
  }
  return table;
}

std::string FormatFailures(const std::vector<Cell>& cells) {
  std::string out;
  for (const Cell& cell : cells) {
    std::string why = cell.error();
    if (why.empty() && cell.has_result()) {
      const ClientResult& r = cell.result();
      if (r.errors() > 0 || r.mismatches() > 0) {
        why = absl::StrFormat("%.0f failed calls, %.0f mismatched replies%s%s",
                              r.errors(), r.mismatches(),
                              r.first_error().empty() ? "" : ": ", r.first_error());
      } else if (r.calls() == 0) {
        why = "no call completed in the measured window";
      }
    }
    if (why.empty() && !cell.has_result()) why = "no result";
    if (!why.empty()) {
      absl::StrAppendFormat(&out, "  %s / %s, run %d: %s\n", cell.system(),
                            cell.workload(), cell.run(), why);
    }
  }
  return out;
}

std::string FormatTargets(const std::vector<TargetCheck>& checks) {
  auto row = [](absl::string_view name, absl::string_view ratio,
                absl::string_view median, absl::string_view limit,
                absl::string_view verdict, absl::string_view runs) {
    return absl::StrFormat("%-50s %-24s %7s  %-8s %-7s %s\n", name, ratio,
                           median, limit, verdict, runs);
  };
  std::string out =
      row("target", "ratio", "median", "limit", "verdict", "per run");
  for (const TargetCheck& c : checks) {
    std::vector<std::string> runs;
    for (double r : c.run_ratios()) runs.push_back(absl::StrFormat("%.2f", r));
    absl::StrAppend(
        &out,
        row(c.name(), absl::StrCat(c.system(), "/", c.baseline()),
            c.run_ratios().empty() ? "-" : absl::StrFormat("%.2f", c.median_ratio()),
            absl::StrCat(c.comparison(), " ", FormatValue(c.limit())),
            c.verdict(), absl::StrJoin(runs, " ")));
  }
  return out;
}

absl::Status WritePlotData(const ResultSet& results, absl::string_view dir) {
  std::string latency =
      "# system  c1_pinned_p50_us c1_pinned_p99_us c1_p50_us c1_p99_us\n";
  std::string throughput =
      "# system  t8_calls_per_sec t64_calls_per_sec 1mib_mb_per_sec\n";
  for (const std::string& system : results.systems()) {
    absl::StrAppend(&latency, "\"", system, "\"",
                    " ", PlotValue(results, system, "c1_pinned", "p50_us"),
                    " ", PlotValue(results, system, "c1_pinned", "p99_us"),
                    " ", PlotValue(results, system, "c1", "p50_us"),
                    " ", PlotValue(results, system, "c1", "p99_us"), "\n");
    absl::StrAppend(&throughput, "\"", system, "\"",
                    " ", PlotValue(results, system, "t8", "calls_per_sec"),
                    " ", PlotValue(results, system, "t64", "calls_per_sec"),
                    " ", PlotValue(results, system, "1mib", "mb_per_sec"), "\n");
  }
  absl::Status status = WriteFile(absl::StrCat(dir, "/latency.dat"), latency);
  if (!status.ok()) return status;
  return WriteFile(absl::StrCat(dir, "/throughput.dat"), throughput);
}

}  // namespace bench
}  // namespace framerpc
