#include "server/call_runner.h"

#include <atomic>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/human_duration.h"
#include "framerpc/interceptor.h"
#include "framerpc/server_context.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace internal {
namespace {

class CallTask final : public WorkerTask {
 public:
  CallTask(std::unique_ptr<Call> call, std::shared_ptr<ConnectionOutput> output,
           CompletionQueue* completions)
      : call_(std::move(call)),
        output_(std::move(output)),
        completions_(completions) {}

  void Run() override {
    FinishCallOffLoop(RunCall(std::move(*call_)), output_.get(), completions_);
  }

  void Cancel() override {
    FinishCallOffLoop(
        CancelledCallResult(*call_, ShutdownNotStartedError(*call_)),
        output_.get(), completions_);
  }

 private:
  std::unique_ptr<Call> call_;
  const std::shared_ptr<ConnectionOutput> output_;
  CompletionQueue* const completions_;
};

// Calls each interceptor's BeforeCall in order until one returns non-OK,
// which is returned; `*called` counts those called (the rejecting one
// included), and so whose AfterCall is due. May throw what they throw.
absl::Status RunBeforeCalls(
    const std::vector<std::shared_ptr<ServerInterceptor>>& interceptors,
    ServerContext& context, size_t* called) {
  for (const std::shared_ptr<ServerInterceptor>& interceptor : interceptors) {
    ++*called;
    absl::Status status = interceptor->BeforeCall(context);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// Calls the AfterCall of the first `called` interceptors, last first. What
// one throws is dropped: the call's answer is already decided, and the
// others' AfterCall must still run.
void RunAfterCalls(
    const std::vector<std::shared_ptr<ServerInterceptor>>& interceptors,
    size_t called, const ServerContext& context, const CallSummary& summary) {
  for (size_t i = called; i > 0; --i) {
    try {
      interceptors[i - 1]->AfterCall(context, summary);
    } catch (...) {
      // Documented: a throwing AfterCall is ignored (framerpc/interceptor.h).
    }
  }
}

// Who threw, for the INTERNAL answer: the handler, or the interceptor
// whose BeforeCall was running (counted from 1, in the chain's order).
std::string ThrowerName(bool in_handler, size_t intercepted) {
  if (in_handler) return "handler";
  return absl::StrCat("interceptor ", intercepted, "'s BeforeCall");
}

}  // namespace

absl::Status ShutdownNotStartedError(const Call& call) {
  return absl::UnavailableError(
      absl::StrCat("server shutting down: call ", call.call_id, " of ",
                   QuoteForStatus(call.method), " was not started"));
}

void FinishCallOffLoop(const CallResult& result, ConnectionOutput* output,
                       CompletionQueue* completions) {
  // The response goes out from this thread when nothing else is queued
  // ahead of it; the loop only has to be told at once when it must take
  // over (socket full or failed) or is waiting on this connection.
  bool urgent = false;
  if (output->AppendResult(result)) {
    urgent = output->Send() != ConnectionOutput::SendOutcome::kSent;
  }
  completions->Push(result.connection_id, urgent, output->loop_waits());
}

namespace {

// CancelledCallResult, for a call whose request (`request_bytes` long) may
// already have left call.payload.
CallResult NotStartedResult(const Call& call, size_t request_bytes,
                            const absl::Status& status) {
  CallResult result;
  result.connection_id = call.connection_id;
  result.method = call.method;
  result.call_id = call.call_id;
  result.status = status;
  result.not_processed = true;  // no handler ran
  // A Cancel may have answered it already (CANCELLED), which stands.
  result.already_answered = !ClaimCall(call);
  if (call.metrics != nullptr) {
    // What the caller was told: the early CANCELLED if a Cancel answered.
    call.metrics->RecordFinish(
        result.already_answered ? absl::StatusCode::kCancelled : status.code(),
        absl::Now() - call.received, request_bytes, 0);
  }
  return result;
}

}  // namespace

CallResult CancelledCallResult(const Call& call, const absl::Status& status) {
  return NotStartedResult(call,
                          call.lent_input.has_buffer()
                              ? call.lent_input.payload().size()
                              : call.payload.size(),
                          status);
}

CallResult RunCall(Call call) {
  if (call.lent_input.has_buffer()) {
    // Moving the call moves the buffer, not the bytes the view points to.
    const absl::string_view lent = call.lent_input.payload();
    return RunCall(std::move(call), lent);
  }
  const std::string payload = std::move(call.payload);
  return RunCall(std::move(call), payload);
}

CallResult RunCall(Call call, absl::string_view payload) {
  // A call cancelled while it waited for its turn never starts: a Cancel
  // that found it queued answered it already, or it is answered here.
  if (!ClaimCall(call)) {
    // Dropped unsent (already_answered): the status is never seen.
    return NotStartedResult(call, payload.size(),
                            absl::CancelledError("answered"));
  }
  if (call.cancellation != nullptr) {
    if (call.cancellation->by_caller.load(std::memory_order_acquire)) {
      return NotStartedResult(
          call, payload.size(), absl::CancelledError(absl::StrCat(
                    "call ", call.call_id, " of ", QuoteForStatus(call.method),
                    " was cancelled by the caller before it started")));
    }
    if (call.cancellation->connection_closed.load(std::memory_order_acquire)) {
      return NotStartedResult(
          call, payload.size(), absl::UnavailableError(absl::StrCat(
                    "call ", call.call_id, " of ", QuoteForStatus(call.method),
                    " not started: its connection was closed")));
    }
  }
  const absl::Time start = absl::Now();
  if (start >= call.deadline) {
    return NotStartedResult(
        call, payload.size(),
        absl::DeadlineExceededError(absl::StrCat(
            "call ", call.call_id, " of ", call.method, ": the deadline passed ",
            HumanDuration(start - call.deadline),
            " before a worker could start it")));
  }
  CallResult result;
  result.connection_id = call.connection_id;
  result.call_id = call.call_id;
  // The context sees only the flag IsCancelled() reports, sharing the
  // ownership of the whole record.
  std::shared_ptr<const std::atomic<bool>> cancelled;
  if (call.cancellation != nullptr) {
    cancelled = std::shared_ptr<const std::atomic<bool>>(
        call.cancellation, &call.cancellation->cancelled);
  }
  ServerContext context(std::move(call.method), std::move(call.peer),
                        call.deadline, std::move(call.metadata),
                        std::move(cancelled), std::move(call.peer_identity));
  // With interceptors, their BeforeCalls come first (each may answer the
  // call itself), and their AfterCalls see the outcome, before it is sent.
  const std::vector<std::shared_ptr<ServerInterceptor>>* const interceptors =
      call.interceptors;
  size_t intercepted = 0;  // interceptors whose BeforeCall was called
  bool in_handler = interceptors == nullptr;
  absl::Status status;
  try {
    if (interceptors != nullptr) {
      status = RunBeforeCalls(*interceptors, context, &intercepted);
      in_handler = status.ok();
    }
    if (status.ok()) {
      status = call.handler->Run(context, payload, &result.response);
    }
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat(
        ThrowerName(in_handler, intercepted), " of ",
        context.method(), " threw an exception: ", e.what()));
  } catch (...) {
    status = absl::InternalError(absl::StrCat(
        ThrowerName(in_handler, intercepted), " of ",
        context.method(),
        " threw an exception not derived from std::exception"));
  }
  if (!status.ok()) result.response.reset();
  result.status = std::move(status);
  if (interceptors != nullptr || call.metrics != nullptr) {
    // Measured once for both: sizing a response walks the message.
    const absl::Duration duration = absl::Now() - call.received;
    const size_t response_bytes =
        result.response != nullptr ? result.response->ByteSizeLong() : 0;
    if (interceptors != nullptr) {
      CallSummary summary;
      summary.status = result.status;
      summary.duration = duration;
      summary.request_bytes = payload.size();
      summary.response_bytes = response_bytes;
      RunAfterCalls(*interceptors, intercepted, context, summary);
    }
    if (call.metrics != nullptr) {
      call.metrics->RecordFinish(result.status.code(), duration,
                                 payload.size(), response_bytes);
    }
  }
  result.metadata = context.response_metadata();
  result.method = context.method();
  return result;
}

std::unique_ptr<WorkerTask> MakeCallTask(
    std::unique_ptr<Call> call, std::shared_ptr<ConnectionOutput> output,
    CompletionQueue* completions) {
  return std::make_unique<CallTask>(std::move(call), std::move(output),
                                    completions);
}

}  // namespace internal
}  // namespace framerpc
