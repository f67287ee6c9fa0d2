#include "client/deadline.h"

#include <algorithm>
#include <climits>

namespace framerpc {
namespace internal {
namespace {

// Beyond this a deadline is treated as none: the steady clock's epoch is
// arbitrary, and adding decades to it risks overflow.
constexpr absl::Duration kForever = absl::Hours(24 * 365 * 100);

}  // namespace

Deadline Deadline::After(absl::Duration duration) {
  Deadline deadline;
  if (duration >= kForever) return deadline;
  deadline.infinite_ = false;
  deadline.when_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      absl::ToChronoNanoseconds(duration));
  return deadline;
}

Deadline Deadline::Earlier(const Deadline& a, const Deadline& b) {
  return a.NotAfter(b) ? a : b;
}

bool Deadline::NotAfter(const Deadline& other) const {
  if (other.infinite_) return true;
  if (infinite_) return false;
  return when_ <= other.when_;
}

absl::Duration Deadline::Remaining() const {
  if (infinite_) return absl::InfiniteDuration();
  return absl::FromChrono(std::chrono::duration_cast<std::chrono::nanoseconds>(
      when_ - Clock::now()));
}

int Deadline::PollTimeoutMs() const {
  if (infinite_) return -1;
  const auto left = when_ - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

}  // namespace internal
}  // namespace framerpc
