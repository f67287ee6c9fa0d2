// bench_fanout: a frontend that fans each call out to --fanout backend
// calls, with blocking handlers (sync: a worker per call in flight) against
// deferred answers (async: ServerContext::Defer and the async stub).
//
// The backend is a framerpc echo server in this process (bench/fleet's
// Replica, answering at once or after --backend_delay_ms). For each cell
// (mode, client threads) a fresh bench_fanout_frontend process is started,
// so that its threads can be counted on their own (/proc/PID/task, at the
// end of the measured window) and its CPU time read; then closed-loop
// synchronous echo calls from --threads threads, as bench_client makes,
// a warm-up, and a measured window. --repeat runs of every cell, the cells
// of one run close together in time; then a table of medians.
//
// Per cell: p50 and p99 latency, calls/s, the frontend's threads and its
// CPU time per call. The sync frontend gets --sync_workers workers (0: as
// many as the cell has client threads, one per call in flight); the async
// one --async_workers (0: the default). Exits 1 when any call failed or any
// reply differed from its request, 2 on a bad command line or when a
// server cannot start.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "bench/client/cell_args.h"
#include "bench/client/framerpc_caller.h"
#include "bench/client/latency_stats.h"
#include "bench/client/load_runner.h"
#include "bench/fanout/frontend_process.h"
#include "bench/fleet/replica.h"

ABSL_FLAG(std::string, threads, "8,64", "Client thread counts, comma list");
ABSL_FLAG(std::string, modes, "sync,async", "Frontend forms: sync, async");
ABSL_FLAG(int, fanout, 4, "Backend calls per frontend call");
ABSL_FLAG(double, backend_delay_ms, 0,
          "Milliseconds the backend's handler sleeps per call");
ABSL_FLAG(int, backend_workers, 0,
          "The backend's ServerOptions::num_workers (0: the default)");
ABSL_FLAG(int, sync_workers, 0,
          "The sync frontend's num_workers (0: the cell's client threads)");
ABSL_FLAG(int, async_workers, 0,
          "The async frontend's num_workers (0: the default)");
ABSL_FLAG(std::string, frontend, "",
          "bench_fanout_frontend (empty: the one beside this binary)");
ABSL_FLAG(int, repeat, 3, "Runs of every cell; the table shows medians");
ABSL_FLAG(int64_t, payload, 64, "Payload bytes per request (and reply)");
ABSL_FLAG(double, duration, 2.0, "Seconds of each cell's measured window");
ABSL_FLAG(double, warmup, 0.5, "Seconds of calls before each window");

namespace framerpc {
namespace bench {
namespace {

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "bench_fanout: %s (see --help)\n", why.c_str());
  std::exit(2);
}

struct CellFigures {
  double p50_us = 0;
  double p99_us = 0;
  double calls_per_sec = 0;
  double threads = 0;          // the frontend's, at the window's end
  double cpu_us_per_call = 0;  // the frontend's
};

struct Cell {
  std::string mode;
  int threads = 0;
  std::vector<CellFigures> runs;
};

// The bench_fanout_frontend beside this binary.
std::string FrontendBeside() {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) Usage("cannot read /proc/self/exe; pass --frontend");
  const std::string path(self, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + "bench_fanout_frontend";
}

// One measured cell, against a frontend started for it; failed calls and
// mismatches end the program.
CellFigures RunCell(const std::string& frontend_binary,
                    const std::string& backend, const Cell& cell,
                    const LoadOptions& base) {
  int workers = absl::GetFlag(FLAGS_async_workers);
  if (cell.mode == "sync") {
    workers = absl::GetFlag(FLAGS_sync_workers);
    if (workers == 0) workers = cell.threads;
  }
  absl::StatusOr<std::unique_ptr<FrontendProcess>> frontend =
      FrontendProcess::Start(
          frontend_binary,
          {"--listen=127.0.0.1:0", absl::StrCat("--backend=", backend),
           absl::StrCat("--mode=", cell.mode),
           absl::StrCat("--fanout=", absl::GetFlag(FLAGS_fanout)),
           absl::StrCat("--workers=", workers)});
  if (!frontend.ok()) {
    std::fprintf(stderr, "bench_fanout: %s\n",
                 frontend.status().ToString().c_str());
    std::exit(2);
  }
  absl::StatusOr<std::unique_ptr<CallerFactory>> factory =
      NewFramerpcCallerFactory((*frontend)->address(),
                               /*channel_per_thread=*/false,
                               /*max_connections=*/1,
                               LoadBalancing::kLeastLoaded, /*tls_ca=*/"");
  if (!factory.ok()) Usage(factory.status().ToString());
  LoadOptions options = base;
  options.threads = cell.threads;
  options.server_pid = (*frontend)->pid();
  int threads_at_end = 0;
  options.at_window_end = [&] { threads_at_end = (*frontend)->CountThreads(); };
  absl::StatusOr<LoadResult> result = RunClosedLoop(options, **factory);
  if (!result.ok()) {
    std::fprintf(stderr, "bench_fanout: %s\n",
                 result.status().ToString().c_str());
    std::exit(2);
  }
  ExitIfCallsFailed("bench_fanout",
                    absl::StrCat(cell.mode, ", ", cell.threads, " threads"),
                    *result);
  CellFigures figures;
  const size_t calls = result->latencies_ns.size();
  const LatencySummary latency = Summarize(&result->latencies_ns);
  figures.p50_us = latency.p50_us;
  figures.p99_us = latency.p99_us;
  figures.calls_per_sec =
      static_cast<double>(calls) / absl::ToDoubleSeconds(result->window);
  figures.threads = threads_at_end;
  if (result->server_cpu.has_value() && calls > 0) {
    figures.cpu_us_per_call =
        absl::ToDoubleMicroseconds(*result->server_cpu) / calls;
  }
  return figures;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "bench_fanout [--threads 8,64] [--modes sync,async] [--fanout N] "
      "[--backend_delay_ms MS] [--repeat N] [--payload BYTES] "
      "[--duration S] [--warmup S]: a frontend calling a backend N times "
      "per call, blocking handlers against deferred answers");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  std::signal(SIGPIPE, SIG_IGN);  // a closed peer is an error, not a signal
  if (rest.size() > 1)
    Usage(absl::StrCat("unexpected argument '", rest[1], "'"));

  absl::StatusOr<std::vector<int>> thread_counts =
      ParseThreadCounts(absl::GetFlag(FLAGS_threads));
  if (!thread_counts.ok()) Usage(std::string(thread_counts.status().message()));
  std::vector<std::string> modes;
  for (absl::string_view item :
       absl::StrSplit(absl::GetFlag(FLAGS_modes), ',')) {
    if (item != "sync" && item != "async")
      Usage(absl::StrCat("--modes takes sync and async, not '", item, "'"));
    modes.emplace_back(item);
  }
  const double delay_ms = absl::GetFlag(FLAGS_backend_delay_ms);
  const int repeat = absl::GetFlag(FLAGS_repeat);
  const int64_t payload = absl::GetFlag(FLAGS_payload);
  const double duration = absl::GetFlag(FLAGS_duration);
  const double warmup = absl::GetFlag(FLAGS_warmup);
  if (!(delay_ms >= 0 && delay_ms <= 10000))
    Usage("--backend_delay_ms must be 0..10000");
  if (absl::Status checked = CheckRunFlags(repeat, payload, duration, warmup);
      !checked.ok()) {
    Usage(std::string(checked.message()));
  }
  std::string frontend_binary = absl::GetFlag(FLAGS_frontend);
  if (frontend_binary.empty()) frontend_binary = FrontendBeside();

  absl::StatusOr<std::unique_ptr<Replica>> backend =
      Replica::Start("127.0.0.1", absl::Milliseconds(delay_ms),
                     absl::GetFlag(FLAGS_backend_workers));
  if (!backend.ok()) {
    std::fprintf(stderr, "bench_fanout: start the backend: %s\n",
                 backend.status().ToString().c_str());
    return 2;
  }
  std::printf("bench_fanout: backend %s (%.1f ms per call), fan-out %d\n",
              (*backend)->address().c_str(), delay_ms,
              absl::GetFlag(FLAGS_fanout));

  LoadOptions base;
  base.payload = static_cast<size_t>(payload);
  base.duration = absl::Seconds(duration);
  base.warmup = absl::Seconds(warmup);
  std::vector<Cell> cells;
  for (int threads : *thread_counts) {
    for (const std::string& mode : modes) cells.push_back({mode, threads, {}});
  }
  for (int run = 1; run <= repeat; ++run) {
    for (Cell& cell : cells) {
      const CellFigures figures =
          RunCell(frontend_binary, (*backend)->address(), cell, base);
      cell.runs.push_back(figures);
      std::printf(
          "[run %d/%d] t%-3d %-5s p50 %8.1f us  p99 %8.1f us  %8.0f calls/s"
          "  frontend: %3.0f threads, %6.1f us CPU/call\n",
          run, repeat, cell.threads, cell.mode.c_str(), figures.p50_us,
          figures.p99_us, figures.calls_per_sec, figures.threads,
          figures.cpu_us_per_call);
      std::fflush(stdout);
    }
  }

  std::printf("\nMedians of %d run(s), each figure on its own:\n\n", repeat);
  std::printf(
      "| client threads | frontend | calls/s | p50 (us) | p99 (us) | "
      "frontend threads | frontend CPU/call (us) |\n"
      "|---|---|---|---|---|---|---|\n");
  for (const Cell& cell : cells) {
    auto median = [&cell](double CellFigures::*field) {
      return MedianOf(cell.runs, field);
    };
    std::printf(
        "| %d | %s | %.0f | %.1f | %.1f | %.0f | %.1f |\n", cell.threads,
        cell.mode.c_str(), median(&CellFigures::calls_per_sec),
        median(&CellFigures::p50_us), median(&CellFigures::p99_us),
        median(&CellFigures::threads), median(&CellFigures::cpu_us_per_call));
  }
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
