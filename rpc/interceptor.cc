// ClientCallInfo (include/framerpc/interceptor.h): the call details a
// ClientInterceptor sees, and the metadata it may add.
#include "framerpc/interceptor.h"

#include <string>

namespace framerpc {

ClientCallInfo::ClientCallInfo(absl::string_view method,
                               absl::string_view target, absl::Time deadline,
                               const ClientContext& context)
    : method_(method),
      target_(target),
      deadline_(deadline),
      context_(context),
      metadata_(context.metadata()) {}

void ClientCallInfo::AddMetadata(absl::string_view key,
                                 absl::string_view value) {
  metadata_[std::string(key)] = std::string(value);
}

}  // namespace framerpc
