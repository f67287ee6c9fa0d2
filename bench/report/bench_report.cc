// bench_report: turns the cells bench/run.sh recorded (one Cell as JSON per
// line, see bench/proto/bench_result.proto) into the results: the table of
// medians and the target checks on stdout, the whole Report as JSON, and the
// data files the charts are drawn from. Exits 2 when the input cannot be
// read or parsed, or an output cannot be written; failed cells are reported,
// not fatal.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/report/results.h"
#include "bench_result.pb.h"
#include "google/protobuf/util/json_util.h"

ABSL_FLAG(std::string, cells, "", "Input: one Cell JSON object per line");
ABSL_FLAG(std::string, json_out, "", "Where to write the Report as JSON");
ABSL_FLAG(std::string, plot_dir, "",
          "Where to write latency.dat, throughput.dat");
ABSL_FLAG(std::string, mode, "full", "Recorded in the report: full or quick");
ABSL_FLAG(int, repeat, 0, "Recorded in the report: repetitions asked for");
ABSL_FLAG(std::string, git_commit, "", "Recorded in the report");
ABSL_FLAG(std::string, host, "", "Recorded in the report: CPUs, kernel");

namespace framerpc {
namespace bench {
namespace {

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "bench_report: %s\n", why.c_str());
  std::exit(2);
}

// Appends every cell in `path` to `report`; blank lines are skipped.
void ReadCells(const std::string& path, Report* report) {
  std::ifstream in(path);
  if (!in) Fail(absl::StrCat("cannot open ", path));
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto status =
        google::protobuf::util::JsonStringToMessage(line, report->add_cells());
    if (!status.ok()) {
      Fail(absl::StrCat(path, ":", number, ": ", status.ToString()));
    }
  }
}

struct Column {
  const char* group;  // title over a run of columns with the same group
  const char* header;
  const char* workload;
  const char* metric;
  int width;
  // When set, the figure is divided by the same metric's median under this
  // workload: what the column's workload costs relative to it.
  const char* relative_to = nullptr;
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
    {"conc-1, 10k idle conns", "p50 us", "c1_idle10k", "p50_us", 8},
    {"conc-1, 10k idle conns", "p99 us", "c1_idle10k", "p99_us", 8},
    {"conc-1, 10k idle conns", "p50/c1", "c1_idle10k", "p50_us", 7, "c1"},
    {"CPU us/call, conc-1", "client", "c1_pinned", "client_cpu_us_per_call", 7},
    {"CPU us/call, conc-1", "server", "c1_pinned", "server_cpu_us_per_call", 7},
    {"CPU us/call, conc-1", "total", "c1_pinned", "cpu_us_per_call", 7},
    {"CPU us/call, conc-1", "unpinned", "c1", "cpu_us_per_call", 8},
};
constexpr int kSystemWidth = 16;

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
  if (v && column.relative_to != nullptr) {
    const CellMedian* base = results.Median(system, column.relative_to);
    absl::optional<double> b =
        base == nullptr ? absl::nullopt : Metric(*base, column.metric);
    if (!b || *b <= 0) return "-";
    return absl::StrFormat("%.2f", *v / *b);
  }
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

// One row per system, grouped columns per workload: medians over the clean
// repetitions; "-" for a cell not run, "FAIL" for one with no clean run.
std::string FormatTable(const ResultSet& results) {
  std::string groups = absl::StrFormat("%-*s", kSystemWidth, "");
  std::string headers = absl::StrFormat("%-*s", kSystemWidth, "system");
  for (size_t i = 0; i < std::size(kColumns); ++i) {
    const Column& c = kColumns[i];
    const bool starts_group =
        i == 0 || std::string(kColumns[i - 1].group) != c.group;
    if (starts_group) {
      int span = 0;
      for (size_t j = i;
           j < std::size(kColumns) && std::string(kColumns[j].group) == c.group;
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
      absl::StrAppendFormat(&table, " %*s", c.width,
                            CellText(results, system, c));
    }
    absl::StrAppend(&table, "\n");
  }
  return table;
}

// The cells that failed or had errors, one line each; empty when none.
std::string FormatFailures(
    const google::protobuf::RepeatedPtrField<Cell>& cells) {
  std::string out;
  for (const Cell& cell : cells) {
    std::string why = cell.error();
    if (why.empty() && cell.has_result()) {
      const ClientResult& r = cell.result();
      if (r.errors() > 0 || r.mismatches() > 0) {
        why = absl::StrFormat("%.0f failed calls, %.0f mismatched replies%s%s",
                              r.errors(), r.mismatches(),
                              r.first_error().empty() ? "" : ": ",
                              r.first_error());
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

// One line per target: median ratio, limit, verdict, per-run ratios.
std::string FormatTargets(
    const google::protobuf::RepeatedPtrField<TargetCheck>& checks) {
  auto row = [](absl::string_view name, absl::string_view ratio,
                absl::string_view median, absl::string_view limit,
                absl::string_view verdict, absl::string_view runs) {
    return absl::StrFormat("%-50s %-30s %7s  %-8s %-7s %s\n", name, ratio,
                           median, limit, verdict, runs);
  };
  std::string out =
      row("target", "ratio", "median", "limit", "verdict", "per run");
  for (const TargetCheck& c : checks) {
    std::vector<std::string> runs;
    for (double r : c.run_ratios()) runs.push_back(absl::StrFormat("%.2f", r));
    absl::StrAppend(
        &out,
        row(c.name(),
            absl::StrCat(c.system(), "/", c.baseline(),
                         c.baseline_workload().empty()
                             ? ""
                             : absl::StrCat(" (", c.baseline_workload(), ")")),
            c.run_ratios().empty() ? "-"
                                   : absl::StrFormat("%.2f", c.median_ratio()),
            absl::StrCat(c.comparison(), " ", FormatValue(c.limit())),
            c.verdict(), absl::StrJoin(runs, " ")));
  }
  return out;
}

// Writes latency.dat (conc-1 p50/p99, pinned and not, in us) and
// throughput.dat (calls/s at 8 and 64 threads, 1 MiB MB/s) into `dir`, one
// quoted system name and its figures per line, "-" where missing: the data
// bench/plot.gp draws the charts from.
absl::Status WritePlotData(const ResultSet& results, absl::string_view dir) {
  std::string latency =
      "# system  c1_pinned_p50_us c1_pinned_p99_us c1_p50_us c1_p99_us\n";
  std::string throughput =
      "# system  t8_calls_per_sec t64_calls_per_sec 1mib_mb_per_sec\n";
  for (const std::string& system : results.systems()) {
    absl::StrAppend(&latency, "\"", system, "\"", " ",
                    PlotValue(results, system, "c1_pinned", "p50_us"), " ",
                    PlotValue(results, system, "c1_pinned", "p99_us"), " ",
                    PlotValue(results, system, "c1", "p50_us"), " ",
                    PlotValue(results, system, "c1", "p99_us"), "\n");
    absl::StrAppend(&throughput, "\"", system, "\"", " ",
                    PlotValue(results, system, "t8", "calls_per_sec"), " ",
                    PlotValue(results, system, "t64", "calls_per_sec"), " ",
                    PlotValue(results, system, "1mib", "mb_per_sec"), "\n");
  }
  absl::Status status = WriteFile(absl::StrCat(dir, "/latency.dat"), latency);
  if (!status.ok()) return status;
  return WriteFile(absl::StrCat(dir, "/throughput.dat"), throughput);
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "bench_report --cells FILE [--json_out FILE] [--plot_dir DIR] ...");
  absl::ParseCommandLine(argc, argv);
  const std::string cells_path = absl::GetFlag(FLAGS_cells);
  if (cells_path.empty()) Fail("--cells is required");

  Report report;
  ReadCells(cells_path, &report);
  const ResultSet results(report.cells());
  for (CellMedian& m : results.Medians()) *report.add_medians() = std::move(m);
  for (TargetCheck& c : CheckTargets(results))
    *report.add_targets() = std::move(c);
  report.set_created(
      absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()));
  report.set_git_commit(absl::GetFlag(FLAGS_git_commit));
  report.set_host(absl::GetFlag(FLAGS_host));
  report.set_mode(absl::GetFlag(FLAGS_mode));
  report.set_repeat(absl::GetFlag(FLAGS_repeat));

  std::printf("\nMedians over %zu run(s), measured window only:\n%s",
              results.runs().size(), FormatTable(results).c_str());
  const std::string failures = FormatFailures(report.cells());
  if (!failures.empty()) std::printf("\nFailed cells:\n%s", failures.c_str());
  std::printf(
      "\nTargets (framerpc: handlers on the loop, handed off when they "
      "block; framerpc-inline: on the loop, never handed off; "
      "framerpc-pool: inline, the Channel with "
      "max_connections 8; all TCP, one shared Channel; ratio per "
      "run, median of runs%s):\n%s",
      results.runs().size() < 3 ? "; fewer than 3 runs: indicative only" : "",
      FormatTargets(report.targets()).c_str());

  const std::string json_out = absl::GetFlag(FLAGS_json_out);
  if (!json_out.empty()) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.always_print_primitive_fields = true;
    options.preserve_proto_field_names = true;
    std::string json;
    auto status =
        google::protobuf::util::MessageToJsonString(report, &json, options);
    if (!status.ok()) Fail(absl::StrCat("encode report: ", status.ToString()));
    if (!WriteFile(json_out, json).ok()) Fail(absl::StrCat("write ", json_out));
  }
  const std::string plot_dir = absl::GetFlag(FLAGS_plot_dir);
  if (!plot_dir.empty()) {
    absl::Status status = WritePlotData(results, plot_dir);
    if (!status.ok()) Fail(status.ToString());
  }
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
