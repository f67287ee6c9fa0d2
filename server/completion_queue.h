// internal: CompletionQueue, how finished calls get back to the loop. Workers
// Push results; the push that makes the queue non-empty writes the wakeup
// fd, so the loop's poll returns and it takes the whole batch at once.
//
// Owns the queued results; borrows the WakeupFd, which must outlive it.
// Push is thread-safe; TakeAll is for the loop thread.
#ifndef FRAMERPC_SERVER_COMPLETION_QUEUE_H_
#define FRAMERPC_SERVER_COMPLETION_QUEUE_H_

#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "server/call.h"
#include "server/wakeup_fd.h"

namespace framerpc {
namespace internal {

class CompletionQueue {
 public:
  explicit CompletionQueue(WakeupFd* wakeup) : wakeup_(wakeup) {}
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  void Push(CallResult result);

  // Moves every queued result into `*results` (cleared first).
  void TakeAll(std::vector<CallResult>* results);

 private:
  WakeupFd* const wakeup_;
  std::mutex mu_;
  std::vector<CallResult> results_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_COMPLETION_QUEUE_H_
