#include "tls/openssl_error.h"

#include <openssl/err.h>

#include <vector>

#include "absl/strings/str_join.h"

namespace framerpc {
namespace internal {

std::string TakeOpenSslErrors() {
  std::vector<std::string> reasons;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    reasons.push_back(reason != nullptr ? reason
                                        : "error " + std::to_string(code));
  }
  if (reasons.empty()) return "no reason given";
  return absl::StrJoin(reasons, "; ");
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace internal
}  // namespace framerpc
