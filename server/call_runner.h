// What a worker (or the loop, for an inline handler) does with one Call.
// RunCall checks the deadline, builds the ServerContext, runs the
// interceptors and the handler (which parses the request) and catches
// whatever they throw; CallTask wraps that for the WorkerPool,
// appends the response to the connection's output and sends it from the
// worker, and tells the loop through the CompletionQueue.
//
// The one place that catches what a user handler (or server interceptor)
// throws: such a call is answered INTERNAL (docs/api.md). framerpc's own code does not throw; the
// only other catches are of std::system_error where threads are started
// (ServerCore, WorkerPool), turned into Start's RESOURCE_EXHAUSTED.
//
// Stateless functions; a CallTask is run or cancelled once, by one thread.
#ifndef FRAMERPC_SERVER_CALL_RUNNER_H_
#define FRAMERPC_SERVER_CALL_RUNNER_H_

#include <memory>

#include "server/call.h"
#include "server/completion_queue.h"
#include "server/connection_output.h"
#include "server/deferred_call.h"
#include "server/worker_pool.h"

namespace framerpc {
namespace internal {

// Runs `call` on the calling thread. Returns CANCELLED without running the
// handler when the caller cancelled the call, UNAVAILABLE when its
// connection was closed meanwhile, and DEADLINE_EXCEEDED when the deadline
// has already passed (all three marked not_processed, and not shown to
// interceptors); otherwise runs call.interceptors' BeforeCalls, in order,
// and the handler if they all return OK, then the AfterCalls of those
// called, last first (framerpc/interceptor.h). Returns INTERNAL, with the
// exception's what(), when the handler or a BeforeCall throws; the first
// non-OK status of a BeforeCall; otherwise the handler's status, its reply
// and its response metadata. REQUIRES: call.handler set.
//
// With `route` set, the handler may defer its answer
// (ServerContext::Defer): unless its responder finished before the
// handler returned, the result is then only marked `deferred`, nothing is
// to be sent, and the call stays in flight until the responder answers
// through route's output and completion queue (deferred_call.h). Without
// it, Defer returns an empty responder.
CallResult RunCall(Call call, const AnswerRoute& route = AnswerRoute());

// As above with the serialized request in `payload` (call.payload unused),
// which is only read while this runs: the loop runs inline handlers on the
// request bytes still in the connection's input buffer.
// With call.metrics set, the call's end is counted there (both overloads).
CallResult RunCall(Call call, absl::string_view payload,
                   const AnswerRoute& route = AnswerRoute());

// The result for a call that was never started (`status` is why), marked
// not_processed; its end is counted in call.metrics when set.
CallResult CancelledCallResult(const Call& call, const absl::Status& status);

// UNAVAILABLE "server shutting down": `call` was queued when the shutdown
// grace ran out, and never started.
absl::Status ShutdownNotStartedError(const Call& call);

// What a thread that ran a call outside the loop (a worker, or one whose
// loop was handed off mid-handler) does with its result: appends the
// response to `output` and sends it if nothing was queued ahead of it
// (ConnectionOutput), then pushes the call's connection id to
// `completions`, flagged urgent when the loop must take over the send.
void FinishCallOffLoop(const CallResult& result, ConnectionOutput* output,
                       CompletionQueue* completions);

// A WorkerTask that runs `call`, appends its response to `output` and
// sends it if nothing was queued ahead of it (ConnectionOutput), then
// pushes the call's connection id to `completions` (borrowed; must outlive
// the task). A handler may defer its answer there, through `answer_gate`
// (borrowed likewise). Cancel() answers UNAVAILABLE "server shutting
// down" the same way instead.
std::unique_ptr<WorkerTask> MakeCallTask(
    std::unique_ptr<Call> call, std::shared_ptr<ConnectionOutput> output,
    CompletionQueue* completions,
    const std::shared_ptr<DeferredAnswerGate>* answer_gate);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_CALL_RUNNER_H_
