// Raising RLIMIT_NOFILE for bench processes; see file_limit.h.
#include "bench/common/file_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace framerpc {
namespace bench {

uint64_t RaiseFileLimit(uint64_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  const rlim_t target =
      limit.rlim_max == RLIM_INFINITY
          ? static_cast<rlim_t>(wanted)
          : std::min(static_cast<rlim_t>(wanted), limit.rlim_max);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < target) {
    limit.rlim_cur = target;
    // On failure the old limit stands; the caller sees it below.
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur == RLIM_INFINITY
             ? wanted
             : static_cast<uint64_t>(limit.rlim_cur);
}

}  // namespace bench
}  // namespace framerpc
