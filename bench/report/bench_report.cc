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
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/report/cell_medians.h"
#include "bench/report/report_output.h"
#include "bench/report/targets.h"
#include "bench_result.pb.h"
#include "google/protobuf/util/json_util.h"

ABSL_FLAG(std::string, cells, "", "Input: one Cell JSON object per line");
ABSL_FLAG(std::string, json_out, "", "Where to write the Report as JSON");
ABSL_FLAG(std::string, plot_dir, "", "Where to write latency.dat, throughput.dat");
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

std::vector<Cell> ReadCells(const std::string& path) {
  std::ifstream in(path);
  if (!in) Fail(absl::StrCat("cannot open ", path));
  std::vector<Cell> cells;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Cell cell;
    auto status = google::protobuf::util::JsonStringToMessage(line, &cell);
    if (!status.ok()) {
      Fail(absl::StrCat(path, ":", number, ": ", status.ToString()));
    }
    cells.push_back(std::move(cell));
  }
  return cells;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "bench_report --cells FILE [--json_out FILE] [--plot_dir DIR] ...");
  absl::ParseCommandLine(argc, argv);
  const std::string cells_path = absl::GetFlag(FLAGS_cells);
  if (cells_path.empty()) Fail("--cells is required");

  Report report;
  for (Cell& cell : ReadCells(cells_path)) *report.add_cells() = std::move(cell);
  const std::vector<Cell> cells(report.cells().begin(), report.cells().end());
  const ResultSet results(cells);
  for (CellMedian& m : results.Medians()) *report.add_medians() = std::move(m);
  for (TargetCheck& c : CheckTargets(results)) *report.add_targets() = std::move(c);
  report.set_created(absl::FormatTime(absl::RFC3339_sec, absl::Now(),
                                      absl::UTCTimeZone()));
  report.set_git_commit(absl::GetFlag(FLAGS_git_commit));
  report.set_host(absl::GetFlag(FLAGS_host));
  report.set_mode(absl::GetFlag(FLAGS_mode));
  report.set_repeat(absl::GetFlag(FLAGS_repeat));

  std::printf("\nMedians over %zu run(s), measured window only:\n%s",
              results.runs().size(), FormatTable(results).c_str());
  const std::string failures = FormatFailures(cells);
  if (!failures.empty()) std::printf("\nFailed cells:\n%s", failures.c_str());
  std::printf("\nTargets (framerpc: handlers on workers; framerpc-inline: "
              "on the loop; framerpc-pool: on the loop, the Channel with "
              "max_connections 8; all TCP, one shared Channel; ratio per "
              "run, median of runs%s):\n%s",
              results.runs().size() < 3 ? "; fewer than 3 runs: indicative only"
                                        : "",
              FormatTargets({report.targets().begin(), report.targets().end()})
                  .c_str());

  const std::string json_out = absl::GetFlag(FLAGS_json_out);
  if (!json_out.empty()) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.always_print_primitive_fields = true;
    options.preserve_proto_field_names = true;
    std::string json;
    auto status = google::protobuf::util::MessageToJsonString(report, &json, options);
    if (!status.ok()) Fail(absl::StrCat("encode report: ", status.ToString()));
    std::ofstream out(json_out, std::ios::trunc);
    out << json;
    out.close();
    if (!out) Fail(absl::StrCat("write ", json_out));
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
