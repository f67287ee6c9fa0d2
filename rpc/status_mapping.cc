#include "rpc/status_mapping.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace framerpc {

void StatusToWire(const absl::Status& status, wire::Response* response) {
  response->set_code(static_cast<int32_t>(status.code()));
  if (!status.ok()) {
    response->set_message(std::string(status.message()));
  } else {
    response->clear_message();
  }
}

absl::Status StatusFromWire(int32_t code, absl::string_view message) {
  constexpr int32_t kLastCode =
      static_cast<int32_t>(absl::StatusCode::kUnauthenticated);
  if (code == 0) return absl::OkStatus();
  if (code < 0 || code > kLastCode) {
    return absl::UnknownError(absl::StrCat(
        "peer sent unknown status code ", code, ": ", message));
  }
  return absl::Status(static_cast<absl::StatusCode>(code), message);
}

}  // namespace framerpc
