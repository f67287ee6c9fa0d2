#include "framerpc/server_context.h"

#include <utility>

#include "absl/time/clock.h"
#include "rpc/deferred_answer.h"

namespace framerpc {

ServerContext::ServerContext(std::string method, std::string peer,
                             absl::Time deadline, Metadata metadata)
    : method_(std::move(method)),
      peer_(std::move(peer)),
      deadline_(deadline),
      metadata_(std::move(metadata)) {}

ServerContext::ServerContext(std::string method, std::string peer,
                             absl::Time deadline, Metadata metadata,
                             std::shared_ptr<const std::atomic<bool>> cancelled)
    : method_(std::move(method)),
      peer_(std::move(peer)),
      deadline_(deadline),
      metadata_(std::move(metadata)),
      cancelled_(std::move(cancelled)) {}

ServerContext::ServerContext(std::string method, std::string peer,
                             absl::Time deadline, Metadata metadata,
                             std::shared_ptr<const std::atomic<bool>> cancelled,
                             std::string peer_identity)
    : method_(std::move(method)),
      peer_(std::move(peer)),
      peer_identity_(std::move(peer_identity)),
      deadline_(deadline),
      metadata_(std::move(metadata)),
      cancelled_(std::move(cancelled)) {}

bool ServerContext::IsExpired() const { return absl::Now() >= deadline_; }

bool ServerContext::IsCancelled() const {
  return cancelled_ != nullptr && cancelled_->load(std::memory_order_acquire);
}

void ServerContext::AddRequestMetadata(absl::string_view key,
                                       absl::string_view value) {
  metadata_[std::string(key)] = std::string(value);
}

void ServerContext::AddResponseMetadata(absl::string_view key,
                                        absl::string_view value) {
  response_metadata_[std::string(key)] = std::string(value);
}

ServerResponder ServerContext::Defer() {
  if (deferral_source_ == nullptr || deferred_) return ServerResponder();
  deferred_ = true;
  return ServerResponder(deferral_source_->Defer());
}

}  // namespace framerpc
