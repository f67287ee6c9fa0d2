#include "server/loop_threads.h"

#include <cassert>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/thread_name.h"

namespace framerpc {
namespace internal {

LoopThreads::~LoopThreads() { Shutdown(); }

absl::Status LoopThreads::Grant(ServedLoop* loop, bool queue_if_no_thread) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) {
    return absl::FailedPreconditionError(
        "serve a loop: the server's loop threads were shut down");
  }
  // A thread counted as waiting may not have woken for an earlier grant
  // yet: only waiters beyond the grants already queued are free.
  if (waiting_ > static_cast<int>(granted_.size())) {
    granted_.push_back(loop);
    work_.notify_one();
    return absl::OkStatus();
  }
  try {
    threads_.emplace_back([this] { ThreadMain(); });
  } catch (const std::system_error& e) {
    if (queue_if_no_thread) granted_.push_back(loop);
    return absl::ResourceExhaustedError(absl::StrCat(
        "start a thread to serve a loop (", threads_.size(),
        " made so far): ", e.what()));
  }
  // The new thread takes it first: it counts as waiting only once it has
  // looked at the queue.
  granted_.push_back(loop);
  return absl::OkStatus();
}

void LoopThreads::WaitUntilStopped(int loops) {
  std::unique_lock<std::mutex> lock(mu_);
  stopped_.wait(lock, [&] { return stopped_loops_ >= loops; });
}

int LoopThreads::threads_made() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(threads_.size());
}

void LoopThreads::Shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    work_.notify_all();
    threads.swap(threads_);
  }
  for (std::thread& thread : threads) {
    assert(thread.get_id() != std::this_thread::get_id() &&
           "LoopThreads::Shutdown called from one of its threads");
    thread.join();
  }
}

void LoopThreads::ThreadMain() {
  NameThisThread("framerpc-loop");
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (granted_.empty()) {
      if (shutting_down_) return;
      ++waiting_;
      work_.wait(lock, [this] { return !granted_.empty() || shutting_down_; });
      --waiting_;
      continue;
    }
    ServedLoop* const loop = granted_.front();
    granted_.pop_front();
    lock.unlock();
    const ServedLoop::Outcome outcome = loop->Serve();
    lock.lock();
    if (outcome == ServedLoop::Outcome::kStopped) {
      ++stopped_loops_;
      stopped_.notify_all();
    }
  }
}

}  // namespace internal
}  // namespace framerpc
