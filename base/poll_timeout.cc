#include "base/poll_timeout.h"

#include <algorithm>
#include <climits>
#include <cstdint>

namespace framerpc {

int PollTimeoutMillis(absl::Duration left) {
  if (left == absl::InfiniteDuration()) return -1;
  if (left <= absl::ZeroDuration()) return 0;
  const int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)));
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

}  // namespace framerpc
