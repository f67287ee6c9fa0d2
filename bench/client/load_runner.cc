#include "bench/client/load_runner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/common/cpu_time.h"

namespace framerpc {
namespace bench {
namespace {

enum Phase : int { kWarmup, kMeasuring, kStopped };

// What one load thread saw; written only by that thread until it is done.
struct ThreadStats {
  std::vector<int64_t> latencies_ns;
  int64_t errors = 0;
  int64_t mismatches = 0;
  std::string first_error;
};

// `first_call_done` runs once, after the thread's first call (whatever its
// outcome).
void RunThread(EchoCaller* caller, const std::atomic<int>& phase,
               ThreadStats* stats,
               const std::function<void()>& first_call_done) {
  stats->latencies_ns.reserve(1 << 16);
  uint64_t sequence = 0;
  while (phase.load(std::memory_order_acquire) != kStopped) {
    bool matches = false;
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = caller->Call(++sequence, &matches);
    const auto end = std::chrono::steady_clock::now();
    if (sequence == 1) first_call_done();
    if (!status.ok()) {
      ++stats->errors;
      stats->first_error = status.ToString();
      return;
    }
    if (!matches) ++stats->mismatches;
    if (phase.load(std::memory_order_acquire) == kMeasuring) {
      stats->latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(end - start)
              .count());
    }
  }
}

// The server's CPU time, or nullopt (with a warning) when it cannot be read.
absl::optional<absl::Duration> ServerCpu(pid_t pid) {
  if (pid == 0) return absl::nullopt;
  absl::StatusOr<absl::Duration> cpu = ProcessCpuTime(pid);
  if (!cpu.ok()) {
    std::fprintf(stderr, "bench_client: server CPU time: %s\n",
                 cpu.status().ToString().c_str());
    return absl::nullopt;
  }
  return *cpu;
}

}  // namespace

absl::StatusOr<LoadResult> RunClosedLoop(const LoadOptions& options,
                                         CallerFactory& factory) {
  std::vector<std::unique_ptr<EchoCaller>> callers;
  for (int i = 0; i < options.threads; ++i) {
    absl::StatusOr<std::unique_ptr<EchoCaller>> caller =
        factory.NewCaller(i, options.payload);
    if (!caller.ok()) return caller.status();
    callers.push_back(*std::move(caller));
  }

  std::atomic<int> phase{kWarmup};
  std::vector<ThreadStats> stats(options.threads);
  std::mutex mu;
  std::condition_variable all_done;
  int done = 0;
  std::condition_variable all_started;
  int started = 0;  // threads whose first call has returned
  const auto first_call_done = [&] {
    std::lock_guard<std::mutex> lock(mu);
    ++started;
    all_started.notify_one();
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < options.threads; ++i) {
    threads.emplace_back([&, i] {
      RunThread(callers[i].get(), phase, &stats[i], first_call_done);
      callers[i]->FinishOnThread();
      std::lock_guard<std::mutex> lock(mu);
      ++done;
      all_done.notify_one();
    });
  }

  // The warm-up counts from every thread's first reply, not from the start:
  // a server still accepting (10,000 idle connections queued before the
  // load's own) or a client connecting lazily must not eat into it. A thread
  // that never got a first reply is left to the drain timeout below.
  {
    std::unique_lock<std::mutex> lock(mu);
    all_started.wait_for(lock, absl::ToChronoNanoseconds(options.start_timeout),
                         [&] { return started == options.threads; });
  }
  absl::SleepFor(options.warmup);
  const absl::optional<absl::Duration> server_start =
      ServerCpu(options.server_pid);
  const absl::Duration client_start = SelfCpuTime();
  if (options.at_window_start) options.at_window_start();
  const auto window_start = std::chrono::steady_clock::now();
  phase.store(kMeasuring, std::memory_order_release);

  absl::SleepFor(options.duration);
  const auto window_end = std::chrono::steady_clock::now();
  phase.store(kStopped, std::memory_order_release);
  if (options.at_window_end) options.at_window_end();
  const absl::Duration client_end = SelfCpuTime();
  const absl::optional<absl::Duration> server_end =
      ServerCpu(options.server_pid);

  {
    std::unique_lock<std::mutex> lock(mu);
    const bool drained = all_done.wait_for(
        lock, absl::ToChronoNanoseconds(options.drain_timeout),
        [&] { return done == options.threads; });
    if (!drained) {
      std::fprintf(stderr,
                   "bench_client: %d of %d threads still inside a call %s "
                   "after the measured window; giving up\n",
                   options.threads - done, options.threads,
                   absl::FormatDuration(options.drain_timeout).c_str());
      std::fflush(stdout);
      std::_Exit(3);
    }
  }
  for (std::thread& thread : threads) thread.join();

  LoadResult result;
  result.window = absl::FromChrono(window_end - window_start);
  result.client_cpu = client_end - client_start;
  if (server_start && server_end)
    result.server_cpu = *server_end - *server_start;
  for (ThreadStats& s : stats) {
    result.latencies_ns.insert(result.latencies_ns.end(),
                               s.latencies_ns.begin(), s.latencies_ns.end());
    result.errors += s.errors;
    result.mismatches += s.mismatches;
    if (result.first_error.empty()) result.first_error = s.first_error;
  }
  return result;
}

}  // namespace bench
}  // namespace framerpc
