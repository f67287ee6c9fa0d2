#include "server/completion_queue.h"

#include <utility>

namespace framerpc {
namespace internal {

void CompletionQueue::Push(CallResult result) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    results_.push_back(std::move(result));
    // The loop takes everything once awake, so one wakeup per sleep.
    wake = loop_sleeping_;
    loop_sleeping_ = false;
  }
  if (wake) wakeup_->Notify();
}

bool CompletionQueue::PrepareToSleep() {
  std::lock_guard<std::mutex> lock(mu_);
  loop_sleeping_ = results_.empty();
  return loop_sleeping_;
}

void CompletionQueue::Awake() {
  std::lock_guard<std::mutex> lock(mu_);
  loop_sleeping_ = false;
}

void CompletionQueue::TakeAll(std::vector<CallResult>* results) {
  results->clear();
  std::lock_guard<std::mutex> lock(mu_);
  results->swap(results_);
}

}  // namespace internal
}  // namespace framerpc
