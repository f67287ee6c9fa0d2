#include "framerpc/server_responder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "rpc/deferred_answer.h"

namespace framerpc {
namespace {

absl::Status DroppedError(const internal::DeferredAnswer& answer) {
  return absl::InternalError(
      absl::StrCat("the handler of ", answer.method(),
                   " deferred its answer and dropped the responder without "
                   "calling Finish"));
}

}  // namespace

ServerResponder& ServerResponder::operator=(ServerResponder&& other) noexcept {
  if (this != &other) {
    if (answer_ != nullptr) answer_->Finish(DroppedError(*answer_));
    answer_ = std::move(other.answer_);
  }
  return *this;
}

ServerResponder::~ServerResponder() {
  if (answer_ != nullptr) answer_->Finish(DroppedError(*answer_));
}

void ServerResponder::Finish(absl::Status status) {
  if (answer_ == nullptr) return;
  // Let go first: whatever Finish sets off cannot come back to this one.
  std::shared_ptr<internal::DeferredAnswer> answer = std::move(answer_);
  answer_ = nullptr;
  answer->Finish(std::move(status));
}

bool ServerResponder::IsCancelled() const {
  return answer_ != nullptr && answer_->IsCancelled();
}

}  // namespace framerpc
