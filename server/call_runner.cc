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
#include "server/call_ending.h"

namespace framerpc {
namespace internal {
namespace {

class CallTask final : public WorkerTask {
 public:
  CallTask(std::unique_ptr<Call> call, std::shared_ptr<ConnectionOutput> output,
           CompletionQueue* completions,
           const std::shared_ptr<DeferredAnswerGate>* answer_gate)
      : call_(std::move(call)),
        output_(std::move(output)),
        completions_(completions),
        answer_gate_(answer_gate) {}

  void Run() override {
    const CallResult result =
        RunCall(std::move(*call_), AnswerRoute{&output_, completions_,
                                               answer_gate_});
    // A deferred answer is sent by its responder.
    if (!result.deferred) {
      FinishCallOffLoop(result, output_.get(), completions_);
    }
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
  const std::shared_ptr<DeferredAnswerGate>* const answer_gate_;
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

// What a call's ServerContext::Defer uses: makes the call's DeferredCall
// when the route says where its answer would go; otherwise Defer is not
// offered (the context gets no source).
class CallDeferral final : public DeferralSource {
 public:
  CallDeferral(const AnswerRoute& route, ServerContext& context,
               absl::Time deadline,
               std::shared_ptr<const std::atomic<bool>> cancelled)
      : route_(route),
        context_(context),
        deadline_(deadline),
        cancelled_(std::move(cancelled)) {
    if (route_.output != nullptr) {
      ServerContextAccess::SetDeferralSource(context, this);
    }
  }
  CallDeferral(const CallDeferral&) = delete;
  CallDeferral& operator=(const CallDeferral&) = delete;

  // The handler returned: a later Defer (from a thread that kept the
  // context) gets an empty responder. Before the context may be handed on.
  void Detach() { ServerContextAccess::SetDeferralSource(context_, nullptr); }

  std::shared_ptr<DeferredAnswer> Defer() override {
    call_ = std::make_shared<DeferredCall>(route_, context_.method(),
                                           deadline_, cancelled_);
    return call_;
  }
  DeferredCall* call() const { return call_.get(); }

 private:
  const AnswerRoute route_;
  ServerContext& context_;
  const absl::Time deadline_;
  const std::shared_ptr<const std::atomic<bool>> cancelled_;
  std::shared_ptr<DeferredCall> call_;
};

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

CallResult RunCall(Call call, const AnswerRoute& route) {
  if (call.lent_input.has_buffer()) {
    // Moving the call moves the buffer, not the bytes the view points to.
    const absl::string_view lent = call.lent_input.payload();
    return RunCall(std::move(call), lent, route);
  }
  const std::string payload = std::move(call.payload);
  return RunCall(std::move(call), payload, route);
}

CallResult RunCall(Call call, absl::string_view payload,
                   const AnswerRoute& route) {
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
  // The context sees only the flag IsCancelled() reports, sharing the
  // ownership of the whole record.
  std::shared_ptr<const std::atomic<bool>> cancelled;
  if (call.cancellation != nullptr) {
    cancelled = std::shared_ptr<const std::atomic<bool>>(
        call.cancellation, &call.cancellation->cancelled);
  }
  // On the heap: a handler that defers its answer hands the context on.
  auto context = std::make_unique<ServerContext>(
      std::move(call.method), std::move(call.peer), call.deadline,
      std::move(call.metadata), cancelled, std::move(call.peer_identity));
  CallDeferral deferral(route, *context, call.deadline, std::move(cancelled));
  CallEnding ending;
  ending.connection_id = call.connection_id;
  ending.call_id = call.call_id;
  // With interceptors, their BeforeCalls come first (each may answer the
  // call itself), and their AfterCalls see the outcome, before it is sent.
  ending.interceptors = call.interceptors;
  ending.metrics = call.metrics;
  ending.received = call.received;
  ending.request_bytes = payload.size();
  bool in_handler = ending.interceptors == nullptr;
  absl::Status status;
  std::unique_ptr<google::protobuf::Message> response;
  bool threw = false;
  try {
    if (ending.interceptors != nullptr) {
      status =
          RunBeforeCalls(*ending.interceptors, *context, &ending.intercepted);
      in_handler = status.ok();
    }
    if (status.ok()) {
      status = call.handler->Run(*context, payload, &response);
    }
  } catch (const std::exception& e) {
    threw = true;
    status = absl::InternalError(absl::StrCat(
        ThrowerName(in_handler, ending.intercepted), " of ",
        context->method(), " threw an exception: ", e.what()));
  } catch (...) {
    threw = true;
    status = absl::InternalError(absl::StrCat(
        ThrowerName(in_handler, ending.intercepted), " of ",
        context->method(),
        " threw an exception not derived from std::exception"));
  }
  deferral.Detach();
  if (DeferredCall* deferred = deferral.call(); deferred != nullptr) {
    if (threw) {
      deferred->Preempt();
    } else if (deferred->TakeOver(&context, &response, ending, &status)) {
      CallResult result;
      result.connection_id = ending.connection_id;
      result.call_id = ending.call_id;
      result.deferred = true;
      return result;
    }
    // Otherwise answered already, before the handler returned: `status`.
  }
  return EndCall(ending, *context, std::move(status), std::move(response));
}

std::unique_ptr<WorkerTask> MakeCallTask(
    std::unique_ptr<Call> call, std::shared_ptr<ConnectionOutput> output,
    CompletionQueue* completions,
    const std::shared_ptr<DeferredAnswerGate>* answer_gate) {
  return std::make_unique<CallTask>(std::move(call), std::move(output),
                                    completions, answer_gate);
}

}  // namespace internal
}  // namespace framerpc
