// internal: CompletionQueue, how finished calls get back to the loop. Workers
// Push results; the loop takes the whole batch at once. The wakeup fd is
// written only when the loop sleeps in poll (or is about to) and only by
// the first Push since it went to sleep: while the loop is busy it takes the
// results on its next pass anyway, so a loop kept awake by traffic costs
// workers no eventfd write and the loop no eventfd read or extra poll.
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

  // Loop thread, just before poll: false when results are already queued
  // (then poll must not wait); otherwise the loop counts as asleep, and the
  // next Push writes the wakeup fd.
  bool PrepareToSleep();
  // Loop thread, once poll returned: Pushes stop writing the wakeup fd.
  void Awake();

 private:
  WakeupFd* const wakeup_;
  std::mutex mu_;
  std::vector<CallResult> results_ ABSL_GUARDED_BY(mu_);
  // The loop is in (or entering) poll and no Push has woken it yet.
  bool loop_sleeping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_COMPLETION_QUEUE_H_
