// bench_fleet: load balancing over replicas. Starts three framerpc echo
// servers in this process, on 127.0.0.1, 127.0.0.2 and 127.0.0.3, the last
// one slow (its handler sleeps --slow_delay_ms per call), and drives them
// through one Channel whose target is the list of the three
// ("ipv4:127.0.0.1:P1,127.0.0.2:P2,127.0.0.3:P3"), as bench_client does a
// single server: closed-loop synchronous calls from --threads threads, a
// warm-up, then a measured window. Each run measures every thread count
// with every policy in --policies, one after the other, so the policies
// compared ran close in time; --repeat runs, then a table of medians.
//
// Per cell: p50 and p99 latency, calls/s, and the share of the window's
// calls the slow replica served (from the replicas' own counters). Exits 1
// when any call failed or any reply differed from its request, 2 on a bad
// command line or when a server cannot start.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "bench/client/cell_args.h"
#include "bench/client/framerpc_caller.h"
#include "bench/client/latency_stats.h"
#include "bench/client/load_runner.h"
#include "bench/fleet/replica.h"

ABSL_FLAG(std::string, threads, "8,32", "Client thread counts, comma list");
ABSL_FLAG(std::string, policies, "round_robin,least_loaded",
          "ChannelOptions::load_balancing values to compare: pick_first, "
          "round_robin, least_loaded");
ABSL_FLAG(double, slow_delay_ms, 5.0,
          "Milliseconds the slow replica's handler sleeps per call");
ABSL_FLAG(int, workers, 0,
          "ServerOptions::num_workers of every replica (0: the default)");
ABSL_FLAG(int, repeat, 3, "Runs of every cell; the table shows medians");
ABSL_FLAG(int64_t, payload, 64, "Payload bytes per request (and reply)");
ABSL_FLAG(double, duration, 2.0, "Seconds of each cell's measured window");
ABSL_FLAG(double, warmup, 0.5, "Seconds of calls before each window");

namespace framerpc {
namespace bench {
namespace {

constexpr const char* kHosts[] = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
constexpr size_t kSlow = 2;  // the index of the slow replica in kHosts

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "bench_fleet: %s (see --help)\n", why.c_str());
  std::exit(2);
}

// What one cell measured.
struct CellFigures {
  double p50_us = 0;
  double p99_us = 0;
  double calls_per_sec = 0;
  double slow_share = 0;  // of the calls the replicas served in the window
};

struct Cell {
  int threads = 0;
  LoadBalancing policy = LoadBalancing::kLeastLoaded;
  std::vector<CellFigures> runs;
};

// One measured cell; failed calls and mismatches end the program.
CellFigures RunCell(const std::vector<std::unique_ptr<Replica>>& replicas,
                    const std::string& target, int threads,
                    LoadBalancing policy, const LoadOptions& base) {
  // A fresh Channel per cell: no connection or in-flight count carries over.
  absl::StatusOr<std::unique_ptr<CallerFactory>> factory =
      NewFramerpcCallerFactory(target, /*channel_per_thread=*/false,
                               /*max_connections=*/1, policy,
                               /*tls_ca=*/"");
  if (!factory.ok()) Usage(factory.status().ToString());
  std::vector<int64_t> at_start(replicas.size()), at_end(replicas.size());
  LoadOptions options = base;
  options.threads = threads;
  options.at_window_start = [&] {
    for (size_t i = 0; i < replicas.size(); ++i)
      at_start[i] = replicas[i]->calls();
  };
  options.at_window_end = [&] {
    for (size_t i = 0; i < replicas.size(); ++i)
      at_end[i] = replicas[i]->calls();
  };
  absl::StatusOr<LoadResult> result = RunClosedLoop(options, **factory);
  if (!result.ok()) {
    std::fprintf(stderr, "bench_fleet: %s\n",
                 result.status().ToString().c_str());
    std::exit(2);
  }
  ExitIfCallsFailed(
      "bench_fleet",
      absl::StrCat(LoadBalancingName(policy), ", ", threads, " threads"),
      *result);
  int64_t served = 0;
  for (size_t i = 0; i < replicas.size(); ++i)
    served += at_end[i] - at_start[i];
  CellFigures figures;
  const LatencySummary latency = Summarize(&result->latencies_ns);
  figures.p50_us = latency.p50_us;
  figures.p99_us = latency.p99_us;
  figures.calls_per_sec = static_cast<double>(result->latencies_ns.size()) /
                          absl::ToDoubleSeconds(result->window);
  if (served > 0) {
    figures.slow_share =
        static_cast<double>(at_end[kSlow] - at_start[kSlow]) / served;
  }
  return figures;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "bench_fleet [--threads 8,32] [--policies round_robin,least_loaded] "
      "[--slow_delay_ms MS] [--workers N] [--repeat N] [--payload BYTES] "
      "[--duration S] [--warmup S]: one Channel over three local replicas, "
      "one of them slow");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  std::signal(SIGPIPE, SIG_IGN);  // a closed peer is an error, not a signal
  if (rest.size() > 1)
    Usage(absl::StrCat("unexpected argument '", rest[1], "'"));

  absl::StatusOr<std::vector<int>> thread_counts =
      ParseThreadCounts(absl::GetFlag(FLAGS_threads));
  if (!thread_counts.ok()) Usage(std::string(thread_counts.status().message()));
  std::vector<LoadBalancing> policies;
  for (absl::string_view item :
       absl::StrSplit(absl::GetFlag(FLAGS_policies), ',')) {
    absl::StatusOr<LoadBalancing> policy = ParseLoadBalancing(item);
    if (!policy.ok()) Usage(std::string(policy.status().message()));
    policies.push_back(*policy);
  }
  const double delay_ms = absl::GetFlag(FLAGS_slow_delay_ms);
  const int repeat = absl::GetFlag(FLAGS_repeat);
  const int64_t payload = absl::GetFlag(FLAGS_payload);
  const double duration = absl::GetFlag(FLAGS_duration);
  const double warmup = absl::GetFlag(FLAGS_warmup);
  if (!(delay_ms >= 0 && delay_ms <= 10000))
    Usage("--slow_delay_ms must be 0..10000");
  if (absl::Status checked = CheckRunFlags(repeat, payload, duration, warmup);
      !checked.ok()) {
    Usage(std::string(checked.message()));
  }

  std::vector<std::unique_ptr<Replica>> replicas;
  std::vector<std::string> addresses;
  for (size_t i = 0; i < std::size(kHosts); ++i) {
    const absl::Duration delay =
        i == kSlow ? absl::Milliseconds(delay_ms) : absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<Replica>> replica =
        Replica::Start(kHosts[i], delay, absl::GetFlag(FLAGS_workers));
    if (!replica.ok()) {
      std::fprintf(stderr, "bench_fleet: start the replica on %s: %s\n",
                   kHosts[i], replica.status().ToString().c_str());
      return 2;
    }
    addresses.push_back((*replica)->address());
    replicas.push_back(*std::move(replica));
  }
  const std::string target =
      absl::StrCat("ipv4:", absl::StrJoin(addresses, ","));
  std::printf("bench_fleet: target %s; %s is slow (%.1f ms per call)\n",
              target.c_str(), addresses[kSlow].c_str(), delay_ms);

  LoadOptions base;
  base.payload = static_cast<size_t>(payload);
  base.duration = absl::Seconds(duration);
  base.warmup = absl::Seconds(warmup);
  std::vector<Cell> cells;
  for (int threads : *thread_counts) {
    for (LoadBalancing policy : policies)
      cells.push_back({threads, policy, {}});
  }
  // Cells inside each run: the policies compared run close together in time.
  for (int run = 1; run <= repeat; ++run) {
    for (Cell& cell : cells) {
      const CellFigures figures =
          RunCell(replicas, target, cell.threads, cell.policy, base);
      cell.runs.push_back(figures);
      std::printf(
          "[run %d/%d] t%-3d %-13s p50 %8.1f us  p99 %8.1f us  %9.0f calls/s"
          "  slow replica %5.1f %%\n",
          run, repeat, cell.threads, LoadBalancingName(cell.policy),
          figures.p50_us, figures.p99_us, figures.calls_per_sec,
          100 * figures.slow_share);
      std::fflush(stdout);
    }
  }

  std::printf("\nMedians of %d run(s), each figure on its own:\n\n", repeat);
  std::printf(
      "| threads | policy | p50 (us) | p99 (us) | calls/s | "
      "slow replica's share |\n|---|---|---|---|---|---|\n");
  for (const Cell& cell : cells) {
    auto median = [&cell](double CellFigures::*field) {
      return MedianOf(cell.runs, field);
    };
    std::printf("| %d | %s | %.1f | %.1f | %.0f | %.1f %% |\n", cell.threads,
                LoadBalancingName(cell.policy), median(&CellFigures::p50_us),
                median(&CellFigures::p99_us),
                median(&CellFigures::calls_per_sec),
                100 * median(&CellFigures::slow_share));
  }
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
