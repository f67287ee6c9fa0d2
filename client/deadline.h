// Deadline, one call's (or one connect attempt's) end point on the
// monotonic clock, converted once from the caller's absl::Time so that every
// wait of the call (poll, futex, condition variable) measures the same
// instant and a wall-clock step cannot stretch or cut it.
//
// A plain value; thread-compatible.
#ifndef FRAMERPC_CLIENT_DEADLINE_H_
#define FRAMERPC_CLIENT_DEADLINE_H_

#include <chrono>
#include <cstdint>

#include "absl/time/time.h"

namespace framerpc {
namespace internal {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  // Never expires.
  static Deadline Infinite() { return Deadline(); }
  // `duration` from now; InfiniteDuration (or anything beyond a century,
  // which the steady clock cannot represent safely) never expires.
  static Deadline After(absl::Duration duration);
  static Deadline Earlier(const Deadline& a, const Deadline& b);

  bool infinite() const { return infinite_; }
  bool Expired() const { return !infinite_ && Clock::now() >= when_; }
  // Time left (negative once passed); InfiniteDuration when infinite.
  absl::Duration Remaining() const;
  // For poll(2): -1 when infinite, else the milliseconds left rounded up, so
  // a sub-millisecond remainder waits instead of spinning; 0 once passed.
  int PollTimeoutMs() const;
  // REQUIRES: !infinite().
  Clock::time_point steady() const { return when_; }

  // True when this deadline is the same instant as `other` or earlier.
  bool NotAfter(const Deadline& other) const;

 private:
  Deadline() = default;

  bool infinite_ = true;
  Clock::time_point when_{};
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_DEADLINE_H_
