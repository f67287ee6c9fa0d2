// CompletionQueue, how the loop hears that calls finished.
// Workers send their responses themselves (ConnectionOutput); what they
// Push here is only the connection id of each finished call, for the
// loop's counts (calls in flight per connection and overall) and to have
// it take over a send that filled the socket or failed. The loop takes the
// whole batch at once.
//
// The wakeup fd is written only when the loop sleeps in poll (or is about
// to), only by the first Push since it went to sleep that needs it, and a
// Push needs it only when the loop must act on it: the worker left output
// for the loop or saw the socket fail (`urgent`), or the loop is waiting on
// that connection's calls (ConnectionOutput::loop_waits: reading paused by
// the per-connection limits, read-closed, stopping). Any other finished
// call is counted on the loop's next pass, with no thread hop: at
// concurrency 1 a worker's call then costs one hand-off (loop -> worker),
// not two. (Calls run on the loop itself come here only when their loop
// was handed off mid-handler.)
//
// Borrows the WakeupFd, which must outlive it. Push is thread-safe; the
// rest is for the loop thread.
#ifndef FRAMERPC_SERVER_COMPLETION_QUEUE_H_
#define FRAMERPC_SERVER_COMPLETION_QUEUE_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "server/wakeup_fd.h"

namespace framerpc {
namespace internal {

class CompletionQueue {
 public:
  explicit CompletionQueue(WakeupFd* wakeup) : wakeup_(wakeup) {}
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  // A call of connection `connection_id` finished. `loop_waits` is read
  // under the queue's lock, which orders it with PrepareToSleep: a loop
  // that set it before going to sleep is always woken.
  void Push(uint64_t connection_id, bool urgent,
            const std::atomic<bool>& loop_waits);

  // Moves every queued connection id (one per finished call) into `*ids`
  // (cleared first).
  void TakeAll(std::vector<uint64_t>* ids);

  // Loop thread, just before poll: false when finished calls are already
  // queued (then poll must not wait); otherwise the loop counts as asleep,
  // and the next Push that needs the loop writes the wakeup fd.
  bool PrepareToSleep();
  // Loop thread, once poll returned: Pushes stop writing the wakeup fd.
  void Awake();

 private:
  WakeupFd* const wakeup_;
  std::mutex mu_;
  std::vector<uint64_t> finished_ ABSL_GUARDED_BY(mu_);
  // The loop is in (or entering) poll and no Push has woken it yet.
  bool loop_sleeping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_COMPLETION_QUEUE_H_
