// CPU time consumed by a process (user + system, all threads, exited ones
// included), for the CPU-per-call figures: this process's own through
// getrusage(2) (microsecond resolution), another's through /proc/PID/stat
// (clock-tick resolution, usually 10 ms: measure windows of seconds).
//
// Plain functions; thread-safe.
#ifndef FRAMERPC_BENCH_COMMON_CPU_TIME_H_
#define FRAMERPC_BENCH_COMMON_CPU_TIME_H_

#include <sys/types.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace framerpc {
namespace bench {

// getrusage(RUSAGE_SELF): user + system time of every thread so far.
absl::Duration SelfCpuTime();

// utime + stime of process `pid` from /proc/PID/stat. NOT_FOUND when the
// process is gone; INTERNAL when the file does not parse.
absl::StatusOr<absl::Duration> ProcessCpuTime(pid_t pid);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_COMMON_CPU_TIME_H_
