#include "server/completion_queue.h"

#include <utility>

namespace framerpc {
namespace internal {

void CompletionQueue::Push(CallResult result) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_empty = results_.empty();
    results_.push_back(std::move(result));
  }
  // The loop takes everything after draining the wakeup fd, so one wakeup
  // per batch suffices.
  if (was_empty) wakeup_->Notify();
}

void CompletionQueue::TakeAll(std::vector<CallResult>* results) {
  results->clear();
  std::lock_guard<std::mutex> lock(mu_);
  results->swap(results_);
}

}  // namespace internal
}  // namespace framerpc
