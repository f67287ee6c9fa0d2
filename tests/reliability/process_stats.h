// Small helpers for the reliability tests: a process's resident memory,
// threads and open descriptors (read from /proc), and a bounded wait for a condition.
#ifndef FRAMERPC_TESTS_RELIABILITY_PROCESS_STATS_H_
#define FRAMERPC_TESTS_RELIABILITY_PROCESS_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>

#include "absl/time/time.h"

namespace framerpc {
namespace reliability {

// VmRSS of process `pid` (0: this process) in KiB; -1 if unreadable.
int64_t ResidentKib(pid_t pid = 0);

// Extra RSS to allow in a memory bound: ASan keeps up to 256 MiB of freed
// memory in quarantine (quarantine_size_mb), which is not growth. That
// limit counts the bytes asked for; each chunk also holds its header and
// redzones, so for the small allocations of an RPC server the quarantine's
// RSS is up to about twice the limit (the local soak, 1.6M calls: 361 MiB
// grown with the default quarantine, 15 MiB with quarantine_size_mb=0).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr int64_t kAllocatorSlackKib = 512 << 10;
#else
inline constexpr int64_t kAllocatorSlackKib = 0;
#endif

// Threads of process `pid` (0: this process); -1 if unreadable.
int ThreadCount(pid_t pid = 0);

// Entries in /proc/<pid>/fd (0: this process); -1 if unreadable.
int OpenFds(pid_t pid = 0);

// Polls `condition` every 10 ms until it holds or `timeout` passes; returns
// its last value. For conditions another thread or process brings about
// (a server closing its side of a socket), never as a fixed sleep.
bool Eventually(const std::function<bool()>& condition, absl::Duration timeout);

}  // namespace reliability
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_RELIABILITY_PROCESS_STATS_H_
