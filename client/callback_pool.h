// internal: CallbackPool, a few named threads that run posted tasks in the
// order posted, for a Channel's asynchronous calls: the starting of calls
// whose connect or lookup may block ("framerpc-astart", one thread) and
// the done callbacks ("framerpc-done", a few threads).
//
// The threads start with the first Post, so a Channel that never calls
// asynchronously has none. A task that blocks holds up the tasks behind
// it only when every thread of the pool is busy.
//
// Owned by the ChannelCore. Thread-safe. The destructor drops tasks not yet
// started and joins the threads, except the one it runs on (a task may
// drop the last reference to the Channel): that one is detached and ends
// as soon as its task returns, touching only state it shares.
#ifndef FRAMERPC_CLIENT_CALLBACK_POOL_H_
#define FRAMERPC_CLIENT_CALLBACK_POOL_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"

namespace framerpc {
namespace internal {

class CallbackPool {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  // `threads` (at least 1) named `name` (at most 15 characters).
  CallbackPool(std::string name, int threads);
  ~CallbackPool();
  CallbackPool(const CallbackPool&) = delete;
  CallbackPool& operator=(const CallbackPool&) = delete;

  // Runs `task` on one of the pool's threads, never on the caller's.
  // Never blocks on a task; may be called under any lock that no task takes.
  void Post(Task task);

 private:
  struct Shared {
    std::mutex mu;
    std::condition_variable wake;
    std::deque<Task> tasks ABSL_GUARDED_BY(mu);
    bool stopping ABSL_GUARDED_BY(mu) = false;
  };
  static void Run(std::shared_ptr<Shared> shared);

  const std::string name_;
  const int max_threads_;
  const std::shared_ptr<Shared> shared_;
  std::mutex threads_mu_;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(threads_mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CALLBACK_POOL_H_
