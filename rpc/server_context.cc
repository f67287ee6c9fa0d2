#include "framerpc/server_context.h"

#include <utility>

#include "absl/time/clock.h"

namespace framerpc {

ServerContext::ServerContext(std::string method, std::string peer,
                             absl::Time deadline, Metadata metadata)
    : method_(std::move(method)),
      peer_(std::move(peer)),
      deadline_(deadline),
      metadata_(std::move(metadata)) {}

bool ServerContext::IsExpired() const { return absl::Now() >= deadline_; }

void ServerContext::AddResponseMetadata(absl::string_view key,
                                        absl::string_view value) {
  response_metadata_[std::string(key)] = std::string(value);
}

}  // namespace framerpc
