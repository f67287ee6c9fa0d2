#include "client/call_table.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cassert>
#include <chrono>
#include <climits>

namespace framerpc {
namespace internal {

static_assert(sizeof(std::atomic<PendingCall::State>) == sizeof(uint32_t) &&
                  std::atomic<PendingCall::State>::is_always_lock_free,
              "the state must be usable as a futex word");

namespace {

uint32_t* FutexAddress(const std::atomic<PendingCall::State>* state) {
  return reinterpret_cast<uint32_t*>(
      const_cast<std::atomic<PendingCall::State>*>(state));
}

}  // namespace

void PendingCall::SleepWhile(State seen, const Deadline& deadline) const {
  if (deadline.infinite()) {
    // Returns at once if the state has changed already (EAGAIN), so a wake
    // between the caller's check and this call is not lost.
    syscall(SYS_futex, FutexAddress(&state), FUTEX_WAIT_PRIVATE,
            static_cast<uint32_t>(seen), nullptr, nullptr, 0);
    return;
  }
  // An absolute CLOCK_MONOTONIC time, which is what steady_clock reads.
  const auto since_epoch = deadline.steady().time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  timespec until{};
  until.tv_sec = static_cast<time_t>(seconds.count());
  until.tv_nsec = static_cast<long>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds)
          .count());
  syscall(SYS_futex, FutexAddress(&state), FUTEX_WAIT_BITSET_PRIVATE,
          static_cast<uint32_t>(seen), &until, nullptr, FUTEX_BITSET_MATCH_ANY);
}

void PendingCall::SetAndWake(PendingCall* call, State next) {
  uint32_t* const address = FutexAddress(&call->state);
  call->state.store(next);
  syscall(SYS_futex, address, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

void CallTable::Insert(PendingCall* call) {
  const bool inserted = calls_.emplace(call->call_id, call).second;
  assert(inserted);
  (void)inserted;
}

PendingCall* CallTable::Take(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return nullptr;
  PendingCall* call = it->second;
  calls_.erase(it);
  return call;
}

bool CallTable::Remove(const PendingCall* call) {
  auto it = calls_.find(call->call_id);
  if (it == calls_.end() || it->second != call) return false;
  calls_.erase(it);
  return true;
}

std::vector<PendingCall*> CallTable::TakeAll() {
  std::vector<PendingCall*> all;
  all.reserve(calls_.size());
  for (const auto& entry : calls_) all.push_back(entry.second);
  calls_.clear();
  return all;
}

PendingCall* CallTable::FindWaiting(const PendingCall* except) const {
  for (const auto& entry : calls_) {
    if (entry.second != except &&
        entry.second->state == PendingCall::State::kWaiting)
      return entry.second;
  }
  return nullptr;
}

}  // namespace internal
}  // namespace framerpc
