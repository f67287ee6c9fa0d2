#include "server/completion_queue.h"

namespace framerpc {
namespace internal {

void CompletionQueue::Push(uint64_t connection_id, bool urgent,
                           const std::atomic<bool>& loop_waits) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished_.push_back(connection_id);
    // The loop takes everything once awake, so one wakeup per sleep.
    if (loop_sleeping_ &&
        (urgent || loop_waits.load(std::memory_order_relaxed))) {
      wake = true;
      loop_sleeping_ = false;
    }
  }
  if (wake) wakeup_->Notify();
}

bool CompletionQueue::PrepareToSleep() {
  std::lock_guard<std::mutex> lock(mu_);
  loop_sleeping_ = finished_.empty();
  return loop_sleeping_;
}

void CompletionQueue::Awake() {
  std::lock_guard<std::mutex> lock(mu_);
  loop_sleeping_ = false;
}

void CompletionQueue::TakeAll(std::vector<uint64_t>* ids) {
  ids->clear();
  std::lock_guard<std::mutex> lock(mu_);
  ids->swap(finished_);
}

}  // namespace internal
}  // namespace framerpc
