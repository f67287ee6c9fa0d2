#include "client/callback_pool.h"

#include <pthread.h>

#include <utility>

namespace framerpc {
namespace internal {

CallbackPool::CallbackPool(std::string name, int threads)
    : name_(std::move(name)),
      max_threads_(threads < 1 ? 1 : threads),
      shared_(std::make_shared<Shared>()) {}

CallbackPool::~CallbackPool() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->stopping = true;
    shared_->tasks.clear();
  }
  shared_->wake.notify_all();
  std::lock_guard<std::mutex> lock(threads_mu_);
  for (std::thread& thread : threads_) {
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();
    } else {
      thread.join();
    }
  }
}

void CallbackPool::Post(Task task) {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->tasks.push_back(std::move(task));
  }
  shared_->wake.notify_one();
  // All threads are started with the first task: one per task would keep
  // a pool of blocked callbacks from growing, which is the point of a
  // fixed size.
  std::lock_guard<std::mutex> lock(threads_mu_);
  while (static_cast<int>(threads_.size()) < max_threads_) {
    threads_.emplace_back(&CallbackPool::Run, shared_);
    pthread_setname_np(threads_.back().native_handle(), name_.c_str());
  }
}

void CallbackPool::Run(std::shared_ptr<Shared> shared) {
  std::unique_lock<std::mutex> lock(shared->mu);
  while (true) {
    shared->wake.wait(lock, [&shared] {
      return shared->stopping || !shared->tasks.empty();
    });
    if (shared->stopping) return;
    Task task = std::move(shared->tasks.front());
    shared->tasks.pop_front();
    lock.unlock();
    std::move(task)();
    // Destroyed here, outside the lock: it may own the last reference to
    // the Channel, whose destruction destroys this pool.
    task = nullptr;
    lock.lock();
  }
}

}  // namespace internal
}  // namespace framerpc
