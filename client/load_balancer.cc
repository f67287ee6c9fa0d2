#include "client/load_balancer.h"

namespace framerpc {
namespace internal {

size_t LoadBalancer::Pick(absl::Span<const Candidate> candidates) {
  const size_t n = candidates.size();
  switch (policy_) {
    case LoadBalancing::kPickFirst:
      for (size_t i = 0; i < n; ++i) {
        if (candidates[i].id == current_) return i;
      }
      current_ = candidates[0].id;
      return 0;
    case LoadBalancing::kRoundRobin:
      return next_++ % n;
    case LoadBalancing::kLeastLoaded:
      break;
  }
  if (n == 1) return 0;
  const size_t first = std::uniform_int_distribution<size_t>(0, n - 1)(random_);
  // A second, distinct one: one of the other n - 1, shifted past `first`.
  size_t second = std::uniform_int_distribution<size_t>(0, n - 2)(random_);
  if (second >= first) ++second;
  return candidates[second].calls_in_flight < candidates[first].calls_in_flight
             ? second
             : first;
}

}  // namespace internal
}  // namespace framerpc
