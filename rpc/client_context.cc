#include "framerpc/client_context.h"

#include <algorithm>

namespace framerpc {

absl::Time ClientContext::DeadlineFrom(absl::Time start) const {
  return std::min(deadline_, start + timeout_);
}

void ClientContext::TryCancel() {
  std::lock_guard<std::mutex> lock(cancel_mu_);
  cancelled_.store(true, std::memory_order_release);
  if (cancel_hook_ != nullptr) cancel_hook_(cancel_hook_arg_);
}

void ClientContext::AddMetadata(absl::string_view key,
                                absl::string_view value) {
  metadata_[std::string(key)] = std::string(value);
}

}  // namespace framerpc
