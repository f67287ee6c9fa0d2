// WorkerPool, a fixed set of threads that run tasks queued under a
// std::mutex. The server's calls come here only while as many handlers as
// it has workers are blocked after their loops were handed off
// (event_loop.h, "Handlers on the loop"), so that blocked handlers do not
// multiply threads; a task may block.
//
// Each task is queued in a lane (the server uses one per connection):
// FIFO within a lane, and free workers serve the lanes with queued tasks
// in turn, one task each. A connection that pipelines a hundred slow calls
// so takes one turn per free worker like any other: another connection's
// call starts once a worker is free and the lanes queued before it have
// had their turn, not after the whole backlog. (Turns do not pre-empt: the
// tasks already running keep their workers.)
//
// An idle worker sleeps on a futex word of its own, and a waker picks the
// worker it wakes. A condition variable would cost every wakeup a second
// futex call: glibc's wait re-takes the mutex marked contended, so the
// woken worker's next unlock makes a FUTEX_WAKE syscall even when nobody
// waits (seen with strace: 3.2 futex calls per call instead of 2).
//
// Waking a sleeping worker costs a futex wake and a context switch, and on
// a virtual machine a cross-CPU wakeup can cost tens of microseconds. So a
// task wakes a worker only when no worker is on its way to the queue (none
// being woken, none running a task that started within kFreshRun): one
// awake worker drains a burst of short tasks without sleeping in between.
// Because a running task may instead block for long, the submitter (the
// loop) must call WakeIfStalled within about a millisecond while
// HasDeferred() is true; it wakes a worker for each task queued for longer
// than kFreshRun. A queued task thus waits at most about kFreshRun plus
// that interval behind handlers that block.
//
// A task that has not started can be cancelled instead of run: the server
// answers such calls UNAVAILABLE when its shutdown grace runs out.
//
// Owns its threads and its queued tasks. Submit and CancelPending are
// thread-safe. Shutdown (and so the destructor) is for the owner's thread
// only, never a worker.
#ifndef FRAMERPC_SERVER_WORKER_POOL_H_
#define FRAMERPC_SERVER_WORKER_POOL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"

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
  // Starts `num_threads` threads. Fails RESOURCE_EXHAUSTED, saying how many
  // could be made and why, when the system cannot create them all (out of
  // memory for their stacks, or of threads); the ones made are stopped
  // again. REQUIRES: num_threads >= 1.
  static absl::StatusOr<std::unique_ptr<WorkerPool>> Create(int num_threads);
  // Shutdown().
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // A running task younger than this is expected to finish soon, and its
  // worker to take the next task without being woken.
  static constexpr std::chrono::microseconds kFreshRun{200};

  // Queues `task` at the back of lane `lane` (any number; tasks that share
  // none may use 0), whose turn comes to a free worker after every other
  // lane with queued tasks has had one. After Shutdown the task is
  // cancelled at once, on the calling thread.
  void Submit(std::unique_ptr<WorkerTask> task, uint64_t lane = 0);

  // True while a submitted task may be waiting for a worker nobody woke.
  bool HasDeferred() const { return deferred_.load(std::memory_order_acquire); }
  // Wakes workers for queued tasks that no fresh runner will take soon.
  void WakeIfStalled();

  // Cancels every task not yet started (lane by lane, each lane in order);
  // returns how many. Running tasks are unaffected.
  size_t CancelPending();

  // From now on no task starts: cancels the ones not yet started, waits for
  // running ones to return and joins the threads. A task that never returns
  // blocks this forever. Idempotent.
  void Shutdown();

  int num_threads() const { return static_cast<int>(threads_.size()); }
  // Workers asleep waiting for a task (for tests and diagnostics).
  int sleeping_workers();

 private:
  using Clock = std::chrono::steady_clock;

  // Room for `num_threads` workers; Create starts them.
  explicit WorkerPool(int num_threads);

  void WorkerMain(size_t index);
  struct Queued {
    Clock::time_point since;
    std::unique_ptr<WorkerTask> task;
  };
  using Lanes = std::unordered_map<uint64_t, std::deque<Queued>>;

  // The next task by turn. REQUIRES: queued_ > 0.
  std::unique_ptr<WorkerTask> TakeNextLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tasks queued for at least kFreshRun, counted up to `enough`.
  size_t StalledLocked(Clock::time_point now, size_t enough) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Workers running a task that started within kFreshRun.
  size_t FreshRunnersLocked(Clock::time_point now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Workers picked to wake that have not yet woken: asleep, but no longer
  // idle.
  size_t WakingLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return sleeping_ - idle_.size();
  }

  // Picks one idle worker to wake (its word set; the futex wake itself is
  // for the caller, after unlocking, with WakeUp).
  size_t PickIdleLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WakeUp(size_t index);

  std::mutex mu_;
  // Only lanes with queued tasks; a lane is dropped as soon as it empties.
  Lanes lanes_ ABSL_GUARDED_BY(mu_);
  // Each lane in lanes_ once, the next to be served first.
  std::deque<uint64_t> turns_ ABSL_GUARDED_BY(mu_);
  // Emptied lanes kept for reuse (a node and its deque's block), so that
  // connections with one call at a time allocate nothing here per call; a
  // lane empties whenever its connection has no call queued.
  static constexpr size_t kMaxSpareLanes = 64;
  std::vector<Lanes::node_type> spare_lanes_ ABSL_GUARDED_BY(mu_);
  // Tasks in all lanes.
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Workers asleep, woken or not yet.
  size_t sleeping_ ABSL_GUARDED_BY(mu_) = 0;
  // Asleep and not picked by any waker, most recent last (woken first: its
  // stack and caches are the warmest).
  std::vector<size_t> idle_ ABSL_GUARDED_BY(mu_);
  // Per worker, the futex word it sleeps on: 0 asleep, 1 woken. Set to 0
  // by the worker and to 1 by its waker, both under mu_; read without it.
  std::unique_ptr<std::atomic<uint32_t>[]> wake_words_;
  // When each worker's running task started; Clock::time_point::max()
  // while it has none.
  std::vector<Clock::time_point> started_ ABSL_GUARDED_BY(mu_);
  // Set by Submit when it woke fewer workers than tasks are queued.
  std::atomic<bool> deferred_{false};
  // Written in the constructor and by Shutdown (which joins) only.
  std::vector<std::thread> threads_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_WORKER_POOL_H_
