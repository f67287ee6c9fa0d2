// TokenCheck and BearerToken: see token_check.h.
#include "token_check.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "absl/strings/str_cat.h"

namespace framerpc_examples {
namespace {

// Whether `a` equals `b`, looking at every byte of `b` whatever differs,
// so that the time taken does not tell a guesser how much was right.
bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    const unsigned char from_a =
        i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= static_cast<unsigned char>(from_a ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

}  // namespace

TokenCheck::TokenCheck(std::string token,
                       std::vector<std::string> open_methods)
    : expected_(absl::StrCat("Bearer ", token)),
      open_methods_(std::move(open_methods)) {}

absl::Status TokenCheck::BeforeCall(framerpc::ServerContext& context) {
  if (std::find(open_methods_.begin(), open_methods_.end(),
                context.method()) != open_methods_.end()) {
    return absl::OkStatus();
  }
  const auto found = context.metadata().find(kAuthorizationKey);
  if (found == context.metadata().end()) {
    return absl::UnauthenticatedError(
        absl::StrCat("call of ", context.method(), " from ", context.peer(),
                     ": no \"", kAuthorizationKey, "\" metadata"));
  }
  if (!ConstantTimeEquals(found->second, expected_)) {
    return absl::UnauthenticatedError(
        absl::StrCat("call of ", context.method(), " from ", context.peer(),
                     ": wrong bearer token"));
  }
  return absl::OkStatus();
}

BearerToken::BearerToken(const std::string& token)
    : value_(absl::StrCat("Bearer ", token)) {}

absl::Status BearerToken::BeforeCall(framerpc::ClientCallInfo& call) {
  call.AddMetadata(kAuthorizationKey, value_);
  return absl::OkStatus();
}

}  // namespace framerpc_examples
