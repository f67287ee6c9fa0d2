#include "server/worker_pool.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/futex.h"
#include "base/thread_name.h"

namespace framerpc {
namespace internal {

WorkerPool::WorkerPool(int num_threads)
    : wake_words_(new std::atomic<uint32_t>[static_cast<size_t>(num_threads)]) {
  assert(num_threads >= 1);
  for (int i = 0; i < num_threads; ++i) wake_words_[i].store(0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    started_.assign(static_cast<size_t>(num_threads), Clock::time_point::max());
  }
}

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::Create(
    int num_threads) {
  std::unique_ptr<WorkerPool> pool(new WorkerPool(num_threads));
  pool->threads_.reserve(static_cast<size_t>(num_threads));
  for (size_t i = 0; i < static_cast<size_t>(num_threads); ++i) {
    WorkerPool* const raw = pool.get();
    try {
      pool->threads_.emplace_back([raw, i] { raw->WorkerMain(i); });
    } catch (const std::system_error& e) {
      // The threads made so far are joined when `pool` goes.
      return absl::ResourceExhaustedError(
          absl::StrCat("start worker threads: made ", i, " of ", num_threads,
                       " (ServerOptions::num_workers): ", e.what()));
    }
  }
  return pool;
}

WorkerPool::~WorkerPool() { Shutdown(); }

size_t WorkerPool::FreshRunnersLocked(Clock::time_point now) const {
  size_t fresh = 0;
  for (const Clock::time_point started : started_) {
    if (started != Clock::time_point::max() && now - started < kFreshRun) {
      ++fresh;
    }
  }
  return fresh;
}

size_t WorkerPool::PickIdleLocked() {
  const size_t index = idle_.back();
  idle_.pop_back();
  wake_words_[index].store(1, std::memory_order_release);
  return index;
}

void WorkerPool::WakeUp(size_t index) { FutexWake(wake_words_[index], 1); }

void WorkerPool::Submit(std::unique_ptr<WorkerTask> task, uint64_t lane) {
  bool wake = false;
  size_t woken = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      const Clock::time_point now = Clock::now();
      Lanes::iterator it = lanes_.find(lane);
      if (it == lanes_.end()) {
        if (spare_lanes_.empty()) {
          it = lanes_.try_emplace(lane).first;
        } else {
          Lanes::node_type node = std::move(spare_lanes_.back());
          spare_lanes_.pop_back();
          node.key() = lane;
          it = lanes_.insert(std::move(node)).position;
        }
        turns_.push_back(lane);
      }
      it->second.push_back(Queued{now, std::move(task)});
      ++queued_;
      // One awake worker drains a burst of tasks; more are woken only for
      // tasks that wait (WakeIfStalled).
      wake = !idle_.empty() && FreshRunnersLocked(now) + WakingLocked() == 0;
      if (wake) {
        woken = PickIdleLocked();
      } else if (sleeping_ > 0) {
        // Even a worker being woken may find its task taken and sleep
        // again: look until the queue is empty or nobody sleeps.
        deferred_.store(true, std::memory_order_release);
      }
    }
  }
  if (task != nullptr) {  // not moved: the pool is stopping
    task->Cancel();
    return;
  }
  // Outside the lock: a woken worker does not block again on mu_, which
  // would cost it a second futex wait and the loop a futex wake.
  if (wake) WakeUp(woken);
}

int WorkerPool::sleeping_workers() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(sleeping_);
}

std::unique_ptr<WorkerTask> WorkerPool::TakeNextLocked() {
  const uint64_t lane = turns_.front();
  turns_.pop_front();
  const Lanes::iterator it = lanes_.find(lane);
  assert(it != lanes_.end() && !it->second.empty());
  std::unique_ptr<WorkerTask> task = std::move(it->second.front().task);
  it->second.pop_front();
  --queued_;
  if (!it->second.empty()) {
    turns_.push_back(lane);
  } else {
    Lanes::node_type node = lanes_.extract(it);
    if (spare_lanes_.size() < kMaxSpareLanes) {
      spare_lanes_.push_back(std::move(node));
    }
  }
  return task;
}

size_t WorkerPool::StalledLocked(Clock::time_point now, size_t enough) const {
  size_t stalled = 0;
  for (const auto& [lane, tasks] : lanes_) {
    for (const Queued& queued : tasks) {
      if (now - queued.since < kFreshRun) break;  // FIFO: the rest are newer
      if (++stalled >= enough) return stalled;
    }
  }
  return stalled;
}

void WorkerPool::WakeIfStalled() {
  std::vector<size_t> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Clock::time_point now = Clock::now();
    const size_t coming = WakingLocked() + FreshRunnersLocked(now);
    // Counting past what the idle workers could take changes nothing.
    const size_t stalled = StalledLocked(now, coming + idle_.size() + 1);
    if (stalled > coming) {
      const size_t wakes = std::min(stalled - coming, idle_.size());
      for (size_t i = 0; i < wakes; ++i) woken.push_back(PickIdleLocked());
    }
    if (queued_ == 0 || sleeping_ == 0) {
      deferred_.store(false, std::memory_order_release);
    }
  }
  for (const size_t index : woken) WakeUp(index);
}

size_t WorkerPool::CancelPending() {
  Lanes lanes;
  std::deque<uint64_t> turns;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lanes.swap(lanes_);
    turns.swap(turns_);
    queued_ = 0;
  }
  // Outside the lock: Cancel appends and may send a response.
  size_t cancelled = 0;
  for (const uint64_t lane : turns) {
    const Lanes::iterator it = lanes.find(lane);
    assert(it != lanes.end());
    for (Queued& queued : it->second) {
      queued.task->Cancel();
      ++cancelled;
    }
  }
  return cancelled;
}

void WorkerPool::Shutdown() {
  std::vector<size_t> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    while (!idle_.empty()) woken.push_back(PickIdleLocked());
  }
  for (const size_t index : woken) WakeUp(index);
  CancelPending();
  for (std::thread& thread : threads_) {
    assert(thread.get_id() != std::this_thread::get_id() &&
           "WorkerPool::Shutdown called from one of its workers");
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void WorkerPool::WorkerMain(size_t index) {
  NameThisThread("framerpc-worker");
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    started_[index] = Clock::time_point::max();
    if (!stopping_ && queued_ == 0) {
      // Back to the top once woken, task or not: a worker woken for a task
      // another worker took first sleeps again, idle anew.
      ++sleeping_;
      wake_words_[index].store(0, std::memory_order_relaxed);
      idle_.push_back(index);
      lock.unlock();
      // Returns at once if already woken (the word is no longer 0), so a
      // wake between the unlock and the wait is not lost.
      while (wake_words_[index].load(std::memory_order_acquire) == 0) {
        FutexWait(wake_words_[index], uint32_t{0});
      }
      lock.lock();
      --sleeping_;
      continue;
    }
    if (stopping_) return;  // queued tasks are Shutdown's to cancel
    std::unique_ptr<WorkerTask> task = TakeNextLocked();
    started_[index] = Clock::now();
    lock.unlock();
    task->Run();
    task.reset();
    lock.lock();
  }
}

}  // namespace internal
}  // namespace framerpc
