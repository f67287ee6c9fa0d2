#include "server/deferred_call.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/human_duration.h"
#include "base/unshared_status.h"
#include "server/call_runner.h"

namespace framerpc {
namespace internal {

void DeferredAnswerGate::Close() {
  std::unique_lock<std::shared_mutex> lock(mu_);
  open_ = false;
}

bool DeferredAnswerGate::open() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return open_;
}

DeferredCall::DeferredCall(const AnswerRoute& route, std::string method,
                           absl::Time deadline,
                           std::shared_ptr<const std::atomic<bool>> cancelled)
    : output_(*route.output),
      completions_(route.completions),
      gate_(*route.gate),
      method_(std::move(method)),
      deadline_(deadline),
      cancelled_(std::move(cancelled)) {}

void DeferredCall::Finish(absl::Status status) {
  // The status may come from another thread's call record: keep nothing
  // shared with it (base/unshared_status.h).
  status = UnsharedStatus(status);
  std::unique_ptr<ServerContext> context;
  std::unique_ptr<google::protobuf::Message> reply;
  {
    std::lock_guard<std::mutex> lock(mu_);
    switch (stage_) {
      case Stage::kHandlerRunning:
        early_answer_ = std::move(status);
        stage_ = Stage::kAnsweredEarly;
        return;
      case Stage::kWaiting:
        stage_ = Stage::kDone;
        context = std::move(context_);
        reply = std::move(reply_);
        break;
      case Stage::kAnsweredEarly:
      case Stage::kDone:
        return;  // only the first Finish counts
    }
  }
  Answer(std::move(status), std::move(context), std::move(reply));
}

bool DeferredCall::IsCancelled() const {
  return (cancelled_ != nullptr &&
          cancelled_->load(std::memory_order_acquire)) ||
         absl::Now() >= deadline_ || !gate_->open();
}

bool DeferredCall::TakeOver(std::unique_ptr<ServerContext>* context,
                            std::unique_ptr<google::protobuf::Message>* reply,
                            const CallEnding& ending, absl::Status* answer) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stage_ == Stage::kAnsweredEarly) {
    stage_ = Stage::kDone;
    *answer = std::move(early_answer_);
    return false;
  }
  stage_ = Stage::kWaiting;
  context_ = std::move(*context);
  reply_ = std::move(*reply);
  ending_ = ending;
  return true;
}

void DeferredCall::Preempt() {
  std::lock_guard<std::mutex> lock(mu_);
  stage_ = Stage::kDone;
}

void DeferredCall::Answer(absl::Status status,
                          std::unique_ptr<ServerContext> context,
                          std::unique_ptr<google::protobuf::Message> reply) {
  // Written once, by TakeOver, before the stage let any thread here.
  const CallEnding ending = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return ending_;
  }();
  const absl::Time now = absl::Now();
  if (now >= deadline_) {
    status = absl::DeadlineExceededError(absl::StrCat(
        "call ", ending.call_id, " of ", method_,
        ": the deferred answer came ", HumanDuration(now - deadline_),
        " after the deadline"));
  }
  gate_->SendIfOpen([&] {
    const CallResult result =
        EndCall(ending, *context, std::move(status), std::move(reply));
    FinishCallOffLoop(result, output_.get(), completions_);
  });
}

}  // namespace internal
}  // namespace framerpc
