#include "client/call_cancellation.h"

#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/call_status.h"

namespace framerpc {
namespace internal {

CallCancellation::~CallCancellation() {
  if (context_ == nullptr) return;
  std::lock_guard<std::mutex> lock(context_->cancel_mu_);
  context_->cancel_hook_ = nullptr;
  context_->cancel_hook_arg_ = nullptr;
}

bool CallCancellation::Watch(Hook hook, void* arg) {
  if (context_ == nullptr) return true;
  std::lock_guard<std::mutex> lock(context_->cancel_mu_);
  const bool cancelled = context_->cancelled_.load(std::memory_order_acquire);
  context_->cancel_hook_ = cancelled ? nullptr : hook;
  context_->cancel_hook_arg_ = cancelled ? nullptr : arg;
  return !cancelled;
}

absl::Status CallCancelled(absl::string_view method, absl::string_view target,
                           absl::string_view stage) {
  std::string cause = "cancelled by the caller (ClientContext::TryCancel)";
  if (!stage.empty()) absl::StrAppend(&cause, " ", stage);
  return CallError(absl::StatusCode::kCancelled, method, target, cause);
}

}  // namespace internal
}  // namespace framerpc
