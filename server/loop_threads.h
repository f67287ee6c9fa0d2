// LoopThreads, internal: the threads that serve the server's loops. A loop
// is not tied to one thread: it runs handlers on whichever thread holds it,
// and when one of them blocks past the hand-off bound, the HandoffMonitor
// takes the loop from that thread and grants it here to another, which
// goes on serving it. The thread left behind finishes its handler, sends
// the response itself, and comes back here to wait for the next grant.
//
// Threads are made on demand, when a loop is granted and none is waiting,
// and kept: a server whose handlers never block has one per loop, one that
// blocks N handlers at once about N more (the loops cap that, see
// EventLoop). A grant that finds no thread and cannot make one (the system
// is out of threads) waits for the next thread to come back.
//
// Owns its threads; borrows the loops, which must outlive Shutdown. Grant
// and WaitUntilStopped are thread-safe; Shutdown is for the owner, never one
// of these threads.
#ifndef FRAMERPC_SERVER_LOOP_THREADS_H_
#define FRAMERPC_SERVER_LOOP_THREADS_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"

namespace framerpc {
namespace internal {

// What LoopThreads runs: an EventLoop, or a test's stand-in.
class ServedLoop {
 public:
  enum class Outcome {
    kStopped,    // the loop has finished for good
    kHandedOff,  // the loop went to another thread mid-handler
  };
  virtual ~ServedLoop() = default;
  // Serves the loop on the calling thread until one of the above.
  virtual Outcome Serve() = 0;
};

class LoopThreads {
 public:
  LoopThreads() = default;
  // Shutdown().
  ~LoopThreads();
  LoopThreads(const LoopThreads&) = delete;
  LoopThreads& operator=(const LoopThreads&) = delete;

  // Has a thread Serve `loop`: a waiting one, else a new one. Fails
  // RESOURCE_EXHAUSTED when no thread waits and none can be made; the loop
  // is then served by the next thread that comes back (with
  // `queue_if_no_thread`) or not at all (without: Start's case, where
  // nothing else would ever come back).
  absl::Status Grant(ServedLoop* loop, bool queue_if_no_thread);

  // Blocks until `loops` grants in all have ended kStopped.
  void WaitUntilStopped(int loops);

  // Joins every thread, once each has finished what it runs (a handler
  // that never returns blocks this forever). REQUIRES: every loop granted
  // has stopped. Idempotent.
  void Shutdown();

  // Threads made so far (for tests and diagnostics).
  int threads_made();

 private:
  void ThreadMain();

  std::mutex mu_;
  std::condition_variable work_;     // a loop granted, or shutting down
  std::condition_variable stopped_;  // a loop stopped
  std::deque<ServedLoop*> granted_ ABSL_GUARDED_BY(mu_);
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;  // threads with nothing to serve
  int stopped_loops_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_LOOP_THREADS_H_
