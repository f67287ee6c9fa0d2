// ChannelUpkeep's refresh timing: a refresh asked for after a failure
// comes soon but never within kMinRefreshSpacing of the last one, and
// never later than the timed refresh would have come.
#include "client/channel_upkeep.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/types/optional.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

// Starts an upkeep thread refreshing every `interval`, asks it for a
// refresh at once, and returns how long the first refresh took to come;
// InfiniteDuration if it did not come within 10 s.
absl::Duration TimeToRequestedRefresh(absl::Duration interval) {
  std::mutex mu;
  std::condition_variable ran;
  absl::optional<absl::Time> first;
  ChannelUpkeep::Jobs jobs;
  jobs.refresh = [&] {
    std::lock_guard<std::mutex> lock(mu);
    if (!first.has_value()) first = absl::Now();
    ran.notify_all();
  };
  jobs.refresh_interval = interval;
  const absl::Time start = absl::Now();
  ChannelUpkeep upkeep(jobs);  // joined before what its job uses goes
  upkeep.RequestRefresh();
  std::unique_lock<std::mutex> lock(mu);
  ran.wait_for(lock, std::chrono::seconds(10),
               [&] { return first.has_value(); });
  return first.has_value() ? *first - start : absl::InfiniteDuration();
}

TEST(ChannelUpkeep, ARequestedRefreshComesNoLaterThanTheTimedOne) {
  // An interval shorter than the spacing: asking must not put it off. The
  // bound is 100 ms with room for a slow (sanitized) machine, well short
  // of the spacing of 1 s it used to wait.
  EXPECT_LT(TimeToRequestedRefresh(absl::Milliseconds(100)),
            ChannelUpkeep::kMinRefreshSpacing / 2);
}

TEST(ChannelUpkeep, ARequestedRefreshWaitsOutTheSpacing) {
  const absl::Duration waited = TimeToRequestedRefresh(absl::Seconds(30));
  EXPECT_GE(waited, ChannelUpkeep::kMinRefreshSpacing);
  EXPECT_LT(waited, absl::Seconds(5));  // not the 30 s interval
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
