// ChannelUpkeep, a Channel's own thread ("framerpc-chan") for the work no
// caller should wait for: resolving the target again (every refresh
// interval, and soon when asked after a connection failed, but never
// sooner than kMinRefreshSpacing after the last time, so a fleet of
// failing connections cannot flood the DNS server), connecting endpoints in
// the background (Post), and checking their health on a timer.
//
// The jobs are the ChannelCore's; they run one at a time on the thread, so
// a slow one (a DNS server that does not answer, a connect to a host that
// drops packets) delays the others, never a call.
//
// Owned by its ChannelCore. Thread-safe; the destructor lets the job in
// progress finish, drops those posted, and joins the thread.
#ifndef FRAMERPC_CLIENT_CHANNEL_UPKEEP_H_
#define FRAMERPC_CLIENT_CHANNEL_UPKEEP_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace framerpc {
namespace internal {

class ChannelUpkeep {
 public:
  static constexpr absl::Duration kMinRefreshSpacing = absl::Seconds(1);

  struct Jobs {
    // Resolves the target again; null when there is nothing to resolve.
    std::function<void()> refresh;
    absl::Duration refresh_interval = absl::InfiniteDuration();
    // Checks every endpoint's health; null without health checking.
    std::function<void()> check_health;
    absl::Duration health_interval = absl::InfiniteDuration();
  };

  // Starts the thread. The first timed refresh comes one interval after
  // this (the target was just resolved by the caller that made us).
  explicit ChannelUpkeep(Jobs jobs);
  ~ChannelUpkeep();
  ChannelUpkeep(const ChannelUpkeep&) = delete;
  ChannelUpkeep& operator=(const ChannelUpkeep&) = delete;

  // Resolve again soon: now, or kMinRefreshSpacing after the last time.
  void RequestRefresh();
  // Runs `task` on the thread, after those posted before.
  void Post(std::function<void()> task);

 private:
  using Clock = std::chrono::steady_clock;

  void Run();

  const Jobs jobs_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool refresh_requested_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  Clock::time_point last_refresh_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CHANNEL_UPKEEP_H_
