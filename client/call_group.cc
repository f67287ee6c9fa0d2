#include "framerpc/call_group.h"

#include <chrono>
#include <utility>

namespace framerpc {

CallGroup::~CallGroup() {
  std::unique_lock<std::mutex> lock(mu_);
  finished_cv_.wait(lock, [this] { return running_ == 0; });
}

absl::AnyInvocable<void(absl::Status) &&> CallGroup::Add() {
  size_t index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    index = statuses_.size();
    statuses_.push_back(absl::UnknownError("call still running"));
    ++running_;
  }
  return [this, index](absl::Status status) {
    Record(index, std::move(status));
  };
}

void CallGroup::Record(size_t index, absl::Status status) {
  std::lock_guard<std::mutex> lock(mu_);
  statuses_[index] = std::move(status);
  --running_;
  // Under the lock: the waiter may destroy the group as soon as it sees
  // running_ reach 0.
  finished_cv_.notify_all();
}

absl::Status CallGroup::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  finished_cv_.wait(lock, [this] { return running_ == 0; });
  return FirstFailureLocked();
}

bool CallGroup::WaitFor(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return finished_cv_.wait_for(
      lock, absl::ToChronoNanoseconds(timeout),
      [this] { return running_ == 0; });
}

std::vector<absl::Status> CallGroup::statuses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return statuses_;
}

absl::Status CallGroup::FirstFailureLocked() const {
  for (const absl::Status& status : statuses_) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace framerpc
