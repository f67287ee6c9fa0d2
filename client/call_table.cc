#include "client/call_table.h"

#include <time.h>

#include <cassert>
#include <chrono>
#include <climits>

#include "base/futex.h"

namespace framerpc {
namespace internal {

void PendingCall::SleepWhile(State seen, const Deadline& deadline) const {
  if (deadline.infinite()) {
    FutexWait(state, seen);
    return;
  }
  // An absolute CLOCK_MONOTONIC time, which is what steady_clock reads.
  const auto since_epoch = deadline.steady().time_since_epoch();
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  timespec until{};
  until.tv_sec = static_cast<time_t>(seconds.count());
  until.tv_nsec =
      static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            since_epoch - seconds)
                            .count());
  FutexWait(state, seen, &until);
}

void PendingCall::SetAndWake(PendingCall* call, State next) {
  // The address is taken first: once `next` is stored the caller may return
  // and its slot be gone; a wake on the stale address is harmless.
  const void* const address = &call->state;
  call->state.store(next);
  FutexWakeRaw(address, INT_MAX);
}

void PendingCall::Finish(PendingCall* call) {
  if (call->on_finished == nullptr) {
    SetAndWake(call, State::kDone);
    return;
  }
  call->state.store(State::kDone);
  call->on_finished(call);
}

void CallTable::Insert(PendingCall* call) {
  const bool inserted = calls_.emplace(call->call_id, call).second;
  assert(inserted);
  (void)inserted;
  if (call->is_async()) ++async_calls_;
}

PendingCall* CallTable::Take(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return nullptr;
  PendingCall* call = it->second;
  calls_.erase(it);
  if (call->is_async()) --async_calls_;
  return call;
}

bool CallTable::Remove(const PendingCall* call) {
  auto it = calls_.find(call->call_id);
  if (it == calls_.end() || it->second != call) return false;
  calls_.erase(it);
  if (call->is_async()) --async_calls_;
  return true;
}

std::vector<PendingCall*> CallTable::TakeAll() {
  std::vector<PendingCall*> all;
  all.reserve(calls_.size());
  for (const auto& entry : calls_) all.push_back(entry.second);
  calls_.clear();
  async_calls_ = 0;
  return all;
}

PendingCall* CallTable::FindWaiting(const PendingCall* except) const {
  for (const auto& entry : calls_) {
    if (entry.second != except && !entry.second->is_async() &&
        entry.second->state == PendingCall::State::kWaiting)
      return entry.second;
  }
  return nullptr;
}

std::vector<PendingCall*> CallTable::TakeExpiredAsync() {
  std::vector<PendingCall*> expired;
  if (async_calls_ == 0) return expired;
  for (const auto& entry : calls_) {
    const PendingCall* call = entry.second;
    if (call->is_async() && call->state == PendingCall::State::kWaiting &&
        call->deadline.Expired()) {
      expired.push_back(entry.second);
    }
  }
  for (PendingCall* call : expired) Remove(call);
  return expired;
}

}  // namespace internal
}  // namespace framerpc
