#include "rpc/status_mapping.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "rpc/utf8.h"

namespace framerpc {

void StatusToWire(const absl::Status& status, wire::Response* response) {
  response->set_code(static_cast<int32_t>(status.code()));
  if (!status.ok()) {
    // A handler may put any bytes in its message; the field is a proto3
    // string, which the client could not parse unless it is UTF-8.
    response->set_message(ValidUtf8OrEscaped(status.message()));
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
