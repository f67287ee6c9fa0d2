#include "client/channel_upkeep.h"

#include <algorithm>
#include <utility>

#include "base/thread_name.h"

namespace framerpc {
namespace internal {
namespace {

// absl::Duration to a steady-clock step; "never" as a step so large that
// adding it to now cannot overflow.
std::chrono::steady_clock::duration Step(absl::Duration duration) {
  if (duration == absl::InfiniteDuration()) return std::chrono::hours(24 * 365);
  return absl::ToChronoNanoseconds(duration);
}

}  // namespace

ChannelUpkeep::ChannelUpkeep(Jobs jobs)
    : jobs_(std::move(jobs)), last_refresh_(Clock::now()) {
  thread_ = std::thread([this] { Run(); });
}

ChannelUpkeep::~ChannelUpkeep() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  thread_.join();
}

void ChannelUpkeep::RequestRefresh() {
  if (!jobs_.refresh) return;
  std::lock_guard<std::mutex> lock(mu_);
  refresh_requested_ = true;
  wake_.notify_all();
}

void ChannelUpkeep::Post(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mu_);
  tasks_.push_back(std::move(task));
  wake_.notify_all();
}

void ChannelUpkeep::Run() {
  NameThisThread("framerpc-chan");
  Clock::time_point next_health = Clock::now() + Step(jobs_.health_interval);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const Clock::time_point now = Clock::now();
    // A request brings the refresh forward to the spacing, never puts it
    // off past the interval.
    const Clock::time_point refresh_at =
        jobs_.refresh == nullptr
            ? now + Step(absl::InfiniteDuration())
            : last_refresh_ + Step(refresh_requested_
                                       ? std::min(kMinRefreshSpacing,
                                                  jobs_.refresh_interval)
                                       : jobs_.refresh_interval);
    if (!tasks_.empty()) {
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    } else if (refresh_at <= now) {
      refresh_requested_ = false;
      last_refresh_ = now;
      lock.unlock();
      jobs_.refresh();
      lock.lock();
    } else if (jobs_.check_health != nullptr && next_health <= now) {
      lock.unlock();
      jobs_.check_health();
      lock.lock();
      next_health = Clock::now() + Step(jobs_.health_interval);
    } else {
      Clock::time_point until = refresh_at;
      if (jobs_.check_health != nullptr && next_health < until) {
        until = next_health;
      }
      wake_.wait_until(lock, until);
    }
  }
}

}  // namespace internal
}  // namespace framerpc
