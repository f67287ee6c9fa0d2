// The three policies of ChannelOptions::load_balancing as LoadBalancer picks
// them, on candidate lists made up by the test (the Channel's choice of
// candidates is tested through real servers in tests/reliability).
#include "client/load_balancer.h"

#include <array>
#include <vector>

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

// Stand-ins for three endpoints: only their addresses matter.
std::array<int, 3> endpoints;

std::vector<LoadBalancer::Candidate> ThreeIdle() {
  return {{&endpoints[0], 0}, {&endpoints[1], 0}, {&endpoints[2], 0}};
}

TEST(LoadBalancer, RoundRobinTakesEachCandidateInTurn) {
  LoadBalancer balancer(LoadBalancing::kRoundRobin, /*seed=*/1);
  const std::vector<LoadBalancer::Candidate> candidates = ThreeIdle();
  std::array<int, 3> picks{};
  for (int i = 0; i < 300; ++i) ++picks[balancer.Pick(candidates)];
  EXPECT_EQ(picks, (std::array<int, 3>{100, 100, 100}));
}

TEST(LoadBalancer, PickFirstStaysOnItsEndpointWhileItIsACandidate) {
  LoadBalancer balancer(LoadBalancing::kPickFirst, /*seed=*/1);
  std::vector<LoadBalancer::Candidate> candidates = ThreeIdle();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(balancer.Pick(candidates), 0u);
  // The first fails: the next in order takes over ...
  candidates.erase(candidates.begin());
  EXPECT_EQ(candidates[balancer.Pick(candidates)].id, &endpoints[1]);
  // ... and keeps the calls when the first comes back.
  candidates = ThreeIdle();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(candidates[balancer.Pick(candidates)].id, &endpoints[1]);
  }
}

TEST(LoadBalancer, LeastLoadedTakesTheLessBusyOfTwo) {
  LoadBalancer balancer(LoadBalancing::kLeastLoaded, /*seed=*/3);
  // Of two, the one with fewer calls in flight, every time.
  const std::vector<LoadBalancer::Candidate> two = {{&endpoints[0], 5},
                                                    {&endpoints[1], 2}};
  for (int i = 0; i < 50; ++i) EXPECT_EQ(balancer.Pick(two), 1u);
  // Of three, the busiest loses every draw it is in: never chosen.
  const std::vector<LoadBalancer::Candidate> three = {
      {&endpoints[0], 1}, {&endpoints[1], 9}, {&endpoints[2], 1}};
  std::array<int, 3> picks{};
  for (int i = 0; i < 600; ++i) ++picks[balancer.Pick(three)];
  EXPECT_EQ(picks[1], 0);
  // The other two share the calls (each wins its draws against the busy
  // one and half of those between them): about 300 each.
  EXPECT_GT(picks[0], 200);
  EXPECT_GT(picks[2], 200);
}

TEST(LoadBalancer, LeastLoadedSpreadsEqualLoadsOverEveryCandidate) {
  LoadBalancer balancer(LoadBalancing::kLeastLoaded, /*seed=*/5);
  const std::vector<LoadBalancer::Candidate> candidates = ThreeIdle();
  std::array<int, 3> picks{};
  for (int i = 0; i < 3000; ++i) ++picks[balancer.Pick(candidates)];
  for (int count : picks) {
    EXPECT_GT(count, 800);
    EXPECT_LT(count, 1200);
  }
}

TEST(LoadBalancer, EveryPolicyTakesTheOnlyCandidate) {
  for (LoadBalancing policy :
       {LoadBalancing::kPickFirst, LoadBalancing::kRoundRobin,
        LoadBalancing::kLeastLoaded}) {
    LoadBalancer balancer(policy, /*seed=*/9);
    const std::vector<LoadBalancer::Candidate> one = {{&endpoints[2], 4}};
    for (int i = 0; i < 5; ++i) EXPECT_EQ(balancer.Pick(one), 0u);
  }
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
