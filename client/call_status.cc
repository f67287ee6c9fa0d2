#include "client/call_status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/human_duration.h"

namespace framerpc {
namespace internal {

absl::Status CallError(absl::StatusCode code, absl::string_view method,
                       absl::string_view target, absl::string_view cause) {
  absl::Status status(
      code, absl::StrCat("call ", method, " to ", target, ": ", cause));
  status.SetPayload(kClientMadePayload, absl::Cord());
  return status;
}

bool IsClientMade(const absl::Status& status) {
  return status.GetPayload(kClientMadePayload).has_value();
}

absl::Status CallError(const absl::Status& cause, absl::string_view method,
                       absl::string_view target) {
  return CallError(cause.code(), method, target, cause.message());
}

absl::Status CallDeadlineExceeded(absl::string_view method,
                                  absl::string_view target,
                                  absl::Duration budget,
                                  absl::string_view stage) {
  std::string cause =
      absl::StrCat("deadline exceeded after ", HumanDuration(budget));
  if (!stage.empty()) absl::StrAppend(&cause, " (", stage, ")");
  return CallError(absl::StatusCode::kDeadlineExceeded, method, target, cause);
}

}  // namespace internal
}  // namespace framerpc
