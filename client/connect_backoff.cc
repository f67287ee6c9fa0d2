#include "client/connect_backoff.h"

#include <algorithm>

namespace framerpc {
namespace internal {

absl::Duration ConnectBackoff::Failed() {
  delay_ = delay_ == absl::ZeroDuration()
               ? kInitial
               : std::min(delay_ * kMultiplier, kMax);
  std::uniform_real_distribution<double> jitter(1 - kJitter, 1 + kJitter);
  const absl::Duration wait = delay_ * jitter(random_);
  next_attempt_ = Deadline::After(wait);
  return wait;
}

void ConnectBackoff::Succeeded() {
  delay_ = absl::ZeroDuration();
  next_attempt_ = Deadline::After(absl::ZeroDuration());
}

}  // namespace internal
}  // namespace framerpc
