#include "server/loop_ownership.h"

#include "base/futex.h"

namespace framerpc {
namespace internal {

uint64_t LoopOwnership::BeginHandler(Clock::time_point since) {
  began_.store(since.time_since_epoch().count(), std::memory_order_relaxed);
  const uint64_t begun = (word_.load(std::memory_order_relaxed) >> kPhaseBits);
  const uint64_t token = ((begun + 1) << kPhaseBits) | kInHandler;
  // seq_cst, paired with the monitor's store to its doorbell before it
  // looks at the loops one last time: either it sees this handler, or this
  // thread sees it asleep and wakes it.
  word_.store(token, std::memory_order_seq_cst);
  if (monitor_asleep_->load(std::memory_order_seq_cst) != 0 &&
      monitor_asleep_->exchange(0, std::memory_order_seq_cst) != 0) {
    FutexWake(*monitor_asleep_, 1);
  }
  return token;
}

bool LoopOwnership::EndHandler(uint64_t token) {
  // The word still holds the token unless a monitor took the loop: to
  // kTaken, and then on, as the next holder resumes and begins handlers.
  uint64_t expected = token;
  const uint64_t idle = (token & ~kPhaseMask) | kIdle;
  return word_.compare_exchange_strong(expected, idle,
                                       std::memory_order_acq_rel,
                                       std::memory_order_acquire);
}

bool LoopOwnership::TakeIfOverdue(Clock::time_point now,
                                  Clock::duration bound) {
  uint64_t word = word_.load(std::memory_order_acquire);
  if ((word & kPhaseMask) != kInHandler) return false;
  const Clock::time_point began{
      Clock::duration{began_.load(std::memory_order_relaxed)}};
  // `began` may belong to a later handler than `word` names; that one is
  // younger, and the swap below fails anyway if the word moved on.
  if (now - began < bound) return false;
  const uint64_t taken = (word & ~kPhaseMask) | kTaken;
  return word_.compare_exchange_strong(word, taken, std::memory_order_acq_rel,
                                       std::memory_order_acquire);
}

void LoopOwnership::Resume() {
  const uint64_t word = word_.load(std::memory_order_acquire);
  word_.store((word & ~kPhaseMask) | kIdle, std::memory_order_release);
}

}  // namespace internal
}  // namespace framerpc
