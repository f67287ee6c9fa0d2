#include "client/deadline.h"

#include "base/poll_timeout.h"

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

int Deadline::PollTimeoutMs() const { return PollTimeoutMillis(Remaining()); }

}  // namespace internal
}  // namespace framerpc
