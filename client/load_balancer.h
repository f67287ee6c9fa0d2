// LoadBalancer, the choice of an endpoint for each call among those that can
// take it (docs/api.md §5.2, ChannelOptions::load_balancing):
//
// - kPickFirst stays on one endpoint while it is a candidate; when it is
//   not (its connect failed, it is not serving, it left the resolution), the
//   first candidate in the target's order becomes the one.
// - kRoundRobin takes the candidates in turn.
// - kLeastLoaded draws two distinct candidates at random and takes the one
//   with fewer calls in flight (the first drawn on a tie): with a slow
//   endpoint the calls pile up there and it is chosen less, without the
//   herd behaviour of always taking the global minimum, which every
//   client would chase at once (Mitzenmacher's "power of two choices").
//
// The ChannelCore decides which endpoints are candidates; this only picks.
// Not thread-safe: the channel calls it under its lock.
#ifndef FRAMERPC_CLIENT_LOAD_BALANCER_H_
#define FRAMERPC_CLIENT_LOAD_BALANCER_H_

#include <cstddef>
#include <cstdint>
#include <random>

#include "absl/types/span.h"
#include "framerpc/channel_options.h"

namespace framerpc {
namespace internal {

class LoadBalancer {
 public:
  // One endpoint that may take the call. `id` names it across picks (the
  // channel passes the endpoint's address in memory).
  struct Candidate {
    const void* id = nullptr;
    int calls_in_flight = 0;
  };

  LoadBalancer(LoadBalancing policy, uint64_t seed)
      : policy_(policy), random_(seed) {}

  // The index of the chosen candidate. REQUIRES: !candidates.empty().
  size_t Pick(absl::Span<const Candidate> candidates);

  LoadBalancing policy() const { return policy_; }

 private:
  const LoadBalancing policy_;
  std::minstd_rand random_;
  size_t next_ = 0;               // kRoundRobin: the turn
  const void* current_ = nullptr;  // kPickFirst: the one in use
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_LOAD_BALANCER_H_
