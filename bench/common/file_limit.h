// RLIMIT_NOFILE for the idle-connections workload: the client holds 10,000
// idle sockets and every server accepts them, both past the usual soft limit
// of 1024 descriptors.
//
// Plain function; call it before starting threads that open files.
#ifndef FRAMERPC_BENCH_COMMON_FILE_LIMIT_H_
#define FRAMERPC_BENCH_COMMON_FILE_LIMIT_H_

#include <cstdint>

namespace framerpc {
namespace bench {

// Raises the soft RLIMIT_NOFILE towards `wanted`, never past the hard limit
// (and never lowers it). Returns the soft limit in force afterwards, which is
// below `wanted` when the hard limit is.
uint64_t RaiseFileLimit(uint64_t wanted);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_COMMON_FILE_LIMIT_H_
