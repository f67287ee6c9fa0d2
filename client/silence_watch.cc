#include "client/silence_watch.h"

#include <chrono>

namespace framerpc {
namespace internal {
namespace {

// A duration the steady clock can add without overflow; anything past a
// century is never reached.
Deadline::Clock::duration ClockDuration(absl::Duration duration) {
  constexpr absl::Duration kForever = absl::Hours(24 * 365 * 100);
  return std::chrono::duration_cast<Deadline::Clock::duration>(
      absl::ToChronoNanoseconds(duration < kForever ? duration : kForever));
}

}  // namespace

SilenceWatch::SilenceWatch(absl::Duration keepalive_time,
                           absl::Duration keepalive_timeout)
    : enabled_(keepalive_time != absl::InfiniteDuration()),
      time_(ClockDuration(keepalive_time)),
      timeout_(ClockDuration(keepalive_timeout)) {}

SilenceWatch::Action SilenceWatch::Look(Deadline::Clock::time_point now,
                                        uint64_t bytes_read,
                                        uint64_t busy_epoch) {
  if (!enabled_) return Action::kNone;
  if (!started_ || bytes_read != bytes_read_ || busy_epoch != busy_epoch_) {
    // Bytes arrived, or calls came back in flight, since the last look:
    // silence begins now.
    started_ = true;
    bytes_read_ = bytes_read;
    busy_epoch_ = busy_epoch;
    silent_since_ = now;
    ping_sent_ = false;
    return Action::kNone;
  }
  if (!ping_sent_) {
    if (now - silent_since_ < time_) return Action::kNone;
    ping_sent_ = true;
    ping_sent_at_ = now;
    return Action::kPing;
  }
  return now - ping_sent_at_ < timeout_ ? Action::kNone : Action::kDead;
}

}  // namespace internal
}  // namespace framerpc
