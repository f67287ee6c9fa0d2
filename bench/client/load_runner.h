// The closed-loop load: `threads` threads, each making one synchronous call
// after another through its own EchoCaller, first for a warm-up (counted
// from every thread's first reply), then for a measured window. Only calls that
// complete inside the window count; their latencies (steady_clock, per thread,
// merged at the end) and the CPU time used by this process and, given its pid,
// the server's (read at the window's two edges) are what the run reports. Every
// reply is checked against its request, warm-up included.
#ifndef FRAMERPC_BENCH_CLIENT_LOAD_RUNNER_H_
#define FRAMERPC_BENCH_CLIENT_LOAD_RUNNER_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "bench/client/echo_caller.h"

namespace framerpc {
namespace bench {

struct LoadOptions {
  int threads = 1;
  size_t payload = 64;
  absl::Duration warmup = absl::Milliseconds(500);
  absl::Duration duration = absl::Seconds(2);
  pid_t server_pid = 0;  // 0: do not measure the server's CPU
  // How long the first call of every thread may take before the warm-up
  // starts anyway (the warm-up starts once all have returned).
  absl::Duration start_timeout = absl::Seconds(30);
  // How long after the window the threads may take to finish their last
  // call before the run is declared hung.
  absl::Duration drain_timeout = absl::Seconds(10);
  // When set, run on the thread that called RunClosedLoop right before the
  // window opens and right after it closes, beside the CPU clocks: for a
  // runner that reads counters of its own (bench_fleet counts the calls each
  // replica served in the window).
  std::function<void()> at_window_start;
  std::function<void()> at_window_end;
};

struct LoadResult {
  absl::Duration window;              // measured, from the steady clock
  std::vector<int64_t> latencies_ns;  // one per call completed in the window
  int64_t errors = 0;                 // failed calls (each ends its thread)
  int64_t mismatches = 0;             // replies not equal to their request
  std::string first_error;
  absl::Duration client_cpu;                  // this process, over the window
  absl::optional<absl::Duration> server_cpu;  // the server, over the window
};

// Makes one caller per thread (failing before any call if one cannot be
// made), runs the load and returns what was measured. If a thread is still
// inside a call `drain_timeout` after the window, this prints why on stderr
// and ends the process with status 3: the call may never return.
absl::StatusOr<LoadResult> RunClosedLoop(const LoadOptions& options,
                                         CallerFactory& factory);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_LOAD_RUNNER_H_
