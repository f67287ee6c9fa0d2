#include "client/call_table.h"

#include <cassert>

namespace framerpc {
namespace internal {

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

PendingCall* CallTable::FindWaiting() const {
  for (const auto& entry : calls_) {
    if (entry.second->state == PendingCall::State::kWaiting)
      return entry.second;
  }
  return nullptr;
}

}  // namespace internal
}  // namespace framerpc
