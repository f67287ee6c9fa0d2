// PollTimeoutMillis: the one conversion from a time left to poll(2)'s
// millisecond timeout. Stateless.
#ifndef FRAMERPC_BASE_POLL_TIMEOUT_H_
#define FRAMERPC_BASE_POLL_TIMEOUT_H_

#include "absl/time/time.h"

namespace framerpc {

// -1 for absl::InfiniteDuration() (no limit), 0 once `left` is zero or
// negative, else `left` rounded up to whole milliseconds (capped at
// INT_MAX), so that a sub-millisecond remainder waits instead of spinning.
int PollTimeoutMillis(absl::Duration left);

}  // namespace framerpc

#endif  // FRAMERPC_BASE_POLL_TIMEOUT_H_
