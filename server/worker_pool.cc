#include "server/worker_pool.h"

#include <cassert>
#include <utility>

namespace framerpc {
namespace internal {

WorkerPool::WorkerPool(int num_threads) {
  assert(num_threads >= 1);
  threads_.reserve(static_cast<size_t>(num_threads));
  for (int i = 0; i < num_threads; ++i) {
    threads_.emplace_back([this] { WorkerMain(); });
  }
}

WorkerPool::~WorkerPool() { Shutdown(); }

void WorkerPool::Submit(std::unique_ptr<WorkerTask> task) {
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(task));
      queued = true;
    }
  }
  if (queued) {
    // Outside the lock: a woken worker does not block again on mu_, which
    // would cost it a second futex wait and the loop a futex wake.
    wake_.notify_one();
    return;
  }
  task->Cancel();
}

size_t WorkerPool::CancelPending() {
  std::deque<std::unique_ptr<WorkerTask>> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending.swap(queue_);
  }
  for (auto& task : pending) task->Cancel();
  return pending.size();
}

void WorkerPool::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  CancelPending();
  for (std::thread& thread : threads_) {
    assert(thread.get_id() != std::this_thread::get_id() &&
           "WorkerPool::Shutdown called from one of its workers");
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void WorkerPool::WorkerMain() {
  while (true) {
    std::unique_ptr<WorkerTask> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // queued tasks are Shutdown's to cancel
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task->Run();
  }
}

}  // namespace internal
}  // namespace framerpc
