// internal: WorkerPool, a fixed set of threads that run tasks from one FIFO
// queue (std::mutex + std::condition_variable). Handlers run here, never on
// the loop thread, so a handler may block.
//
// A task that has not started can be cancelled instead of run: the server
// answers such calls UNAVAILABLE when its shutdown grace runs out.
//
// Owns its threads and its queued tasks. Submit and CancelPending are
// thread-safe. Shutdown (and so the destructor) is for the owner's thread
// only, never a worker.
#ifndef FRAMERPC_SERVER_WORKER_POOL_H_
#define FRAMERPC_SERVER_WORKER_POOL_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace framerpc {
namespace internal {

class WorkerTask {
 public:
  virtual ~WorkerTask() = default;
  // Runs on a worker thread.
  virtual void Run() = 0;
  // Called instead of Run when the task is dropped before it started; runs
  // on the thread that cancels (CancelPending, Shutdown or a late Submit).
  virtual void Cancel() = 0;
};

class WorkerPool {
 public:
  // Starts `num_threads` threads. REQUIRES: num_threads >= 1.
  explicit WorkerPool(int num_threads);
  // Shutdown().
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task` for the next free worker. After Shutdown the task is
  // cancelled at once, on the calling thread.
  void Submit(std::unique_ptr<WorkerTask> task);

  // Cancels every task not yet started; returns how many. Running tasks
  // are unaffected.
  size_t CancelPending();

  // From now on no task starts: cancels the ones not yet started, waits for
  // running ones to return and joins the threads. A task that never returns
  // blocks this forever. Idempotent.
  void Shutdown();

  int num_threads() const { return static_cast<int>(threads_.size()); }

 private:
  void WorkerMain();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<WorkerTask>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Written in the constructor and by Shutdown (which joins) only.
  std::vector<std::thread> threads_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_WORKER_POOL_H_
