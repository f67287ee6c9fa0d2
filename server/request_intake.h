// What the loop does with the bytes a connection received, apart
// from the loop itself, so that a test or fuzz target can drive the request
// path without a socket, a poller or worker threads.
//
// ProcessRequests decodes every whole frame in a connection's input (as far
// as its limits allow), fails the connection on a frame it cannot
// understand, answers at once what needs no handler (unknown method, server
// stopping, connection draining, the control methods Ping and Cancel of
// rpc/control_methods.h), and hands each call that has a handler to
// `dispatch`, registered on the connection (Connection::TrackCall) so that
// a Cancel can find it.
// The way back is ConnectionOutput::AppendResult, from whichever thread ran
// the call. EventLoop queues the calls to run on its own thread (or, while
// too many handlers are blocked, hands them to its WorkerPool); the fuzz
// target runs RunCall inline.
//
// Borrows everything. Not thread-safe: the connection's thread only.
#ifndef FRAMERPC_SERVER_REQUEST_INTAKE_H_
#define FRAMERPC_SERVER_REQUEST_INTAKE_H_

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "framerpc/server_options.h"
#include "server/call.h"
#include "server/completion_queue.h"
#include "server/connection.h"
#include "server/deferred_call.h"
#include "server/service_registry.h"

namespace framerpc {
namespace internal {

// Receives a decoded call whose handler is set. It owns the call from then
// on and must count it on the connection (Connection::AddCall) until it
// has finished (Connection::FinishCall).
using DispatchFn = absl::FunctionRef<void(std::unique_ptr<Call>)>;

// What one loop keeps for its intake from one request to the next: the
// last method's route (calls mostly repeat a method, and the registry does
// not change while serving), and what inline handlers that defer their
// answer need.
struct IntakeState {
  std::string last_method;
  ServiceRegistry::Route last_route;
  // Where an inline handler's deferred answer goes (ServerContext::Defer),
  // set by the loop; unset (Defer not offered) where nothing would take
  // the answer, as in a fuzz target.
  CompletionQueue* completions = nullptr;
  const std::shared_ptr<DeferredAnswerGate>* answer_gate = nullptr;
  // Inline calls that deferred their answer since the loop last looked:
  // counted on their connection (Connection::AddCall); the loop counts
  // them in its own total and zeroes this.
  int64_t deferred_inline_calls = 0;
};

// Consumes the whole frames in conn's input while the connection is open
// (or read-closed) and, unless stopping or draining, CanStartCall allows.
// A frame over the limit, a body that is not a Request or a call_id 0
// fails the connection (Connection::Fail: one call_id 0 response, input
// dropped). While `stopping`, or while the connection is draining, every
// request (control methods included) is answered UNAVAILABLE with
// not_processed, whatever the limits. Control methods are answered here and
// are not activity for the idle clock (Connection::NoteRequest). `now` is
// when the bytes were received (the start of each call's timeout). A
// method of a service registered with inline_handlers runs here, on the
// caller's thread, its request parsed straight from the input buffer and
// its response appended to the output (or, when it defers its answer,
// counted on the connection and in state->deferred_inline_calls); any
// other call is handed to
// `dispatch` with its own copy of the payload, or for a large one the
// input buffer itself (Connection::LendInput). A call carries a pointer to
// options.interceptors when there are any, so `options` must outlive the
// calls handed to `dispatch`. Returns whether it consumed any frame (or
// failed the connection).
bool ProcessRequests(Connection* conn, const ServiceRegistry& registry,
                     const ServerOptions& options, bool stopping,
                     absl::Time now, IntakeState* cache, DispatchFn dispatch);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_REQUEST_INTAKE_H_
