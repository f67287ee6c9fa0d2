// Call and CallResult, one unary call on its way from the loop to the
// thread that runs it (the loop's own, or a worker) and back, and the server's
// use of the call codec (rpc/call_codec.h) around them: DecodeCall, on the
// loop, turns a request frame body into a Call and rejects what the server
// cannot serve; AppendCallResult, on whichever thread ran the call (the loop's,
// a handed-off one, or a worker), turns a result into a Response frame in a
// connection's output buffer.
//
// Plain values, moved between threads through the loop's hand-off, the
// worker queue and the completion queue (which order the accesses). The
// functions are stateless.
#ifndef FRAMERPC_SERVER_CALL_H_
#define FRAMERPC_SERVER_CALL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "framerpc/interceptor.h"
#include "framerpc/metadata.h"
#include "framerpc/method_handler.h"
#include "framing/buffer.h"
#include "google/protobuf/message.h"
#include "rpc/call_codec.h"
#include "rpc/call_metrics.h"
#include "server/lent_input.h"

namespace framerpc {
namespace internal {

// Whether a call's caller is still waiting for it: shared by the call, its
// ServerContext and its connection's table of calls (Connection::TrackCall),
// which sets the flags from the loop thread when a Cancel names the call or
// the connection goes away. The thread that runs the call reads them.
struct CallCancellation {
  // What ServerContext::IsCancelled() reports.
  std::atomic<bool> cancelled{false};
  // Set with `cancelled` when the call must not start any more: the caller
  // cancelled it (answered CANCELLED), or its connection is closed (nobody
  // could read the answer). Not set when the peer only finished sending.
  std::atomic<bool> by_caller{false};
  std::atomic<bool> connection_closed{false};
  // Who answers the call: whoever moves it out of kQueued. The thread that
  // runs it (or answers it unstarted) claims kStarted; a Cancel that finds
  // it still queued claims kAnsweredEarly and answers CANCELLED at once,
  // and the call is then dropped unanswered when its turn comes.
  enum State : int { kQueued, kStarted, kAnsweredEarly };
  std::atomic<int> state{kQueued};
};

// A decoded request, ready to run.
struct Call {
  uint64_t connection_id = 0;
  uint64_t call_id = 0;
  std::string method;  // "package.Service/Method"
  std::string peer;
  // ServerContext::peer_identity(): the TLS client certificate's names.
  std::string peer_identity;
  absl::Time deadline = absl::InfiniteFuture();
  Metadata metadata;
  // The serialized request message, copied out of the connection's input
  // buffer (which the loop reuses at once); or, for a large one, left there
  // and the buffer lent to the call (then `payload` is empty).
  std::string payload;
  LentInput lent_input;
  // Borrowed from a Service, which outlives the server.
  const MethodHandler* handler = nullptr;
  // Null for a call run at once where it is decoded (inline handlers).
  std::shared_ptr<CallCancellation> cancellation;
  // The server's interceptors (ServerOptions::interceptors), borrowed from
  // the loop's options, which outlive every call; null when there are none,
  // so that a call without them costs one check. `received` (when the
  // request was read, for CallSummary::duration and the latency metric) is
  // set only with them or with `metrics`.
  const std::vector<std::shared_ptr<ServerInterceptor>>* interceptors =
      nullptr;
  // Its method's counters (Server::EnableMetrics; the server owns them);
  // null when metrics are off. Its start is counted already; the thread
  // that answers it counts its end (call_runner.h).
  CallMetrics* metrics = nullptr;
  absl::Time received;
};

// Claims `call` for the calling thread, the one to run or answer it: false
// when a Cancel already answered it. Idempotent for that thread.
bool ClaimCall(const Call& call);

// What a call produced, for the loop to send.
struct CallResult {
  uint64_t connection_id = 0;
  std::string method;
  uint64_t call_id = 0;
  absl::Status status;
  // The handler's response metadata, sent with any status.
  Metadata metadata;
  // The reply message when `status` is OK; serialized straight into the
  // output buffer.
  std::unique_ptr<google::protobuf::Message> response;
  // No handler ran (the call was never started): sent as the Response's
  // not_processed, so that the client may send the call again elsewhere.
  bool not_processed = false;
  // A Cancel answered the call before it started: nothing is sent.
  bool already_answered = false;
  // The handler deferred its answer (ServerContext::Defer): nothing is
  // sent now, and the call is still in flight; its responder sends the
  // answer as a worker would (FinishCallOffLoop) and ends it then.
  bool deferred = false;
};

// Decodes a Request frame body received from `peer` at `received`. The
// deadline is `received` plus the request's timeout (none when 0). Fails
// INVALID_ARGUMENT, naming the peer and the body size, when the body is not
// a Request or its call_id is 0: the connection cannot go on after that.
// Fails RESOURCE_EXHAUSTED, naming the call, its metadata's sizes and
// `limits`, when its metadata crosses them: only that call is refused, and
// only its call_id and method are set. `handler` is left null.
absl::StatusOr<std::unique_ptr<Call>> DecodeCall(
    absl::string_view body, uint64_t connection_id, const std::string& peer,
    absl::Time received, const MetadataLimits& limits = MetadataLimits());

// As DecodeCall, into `*call`, without copying the payload: `*payload` is
// a view of the serialized request inside `body`, valid as long as `body`
// is, and call->payload is left untouched. On failure `*call` may be partly
// written.
absl::Status DecodeCallInto(absl::string_view body, uint64_t connection_id,
                            const std::string& peer, absl::Time received,
                            const MetadataLimits& limits, Call* call,
                            absl::string_view* payload);

// Appends `result` as one Response frame to `out`, the reply serialized in
// place. A frame over `max_body_size` (at most the 32-bit prefix's and
// protobuf's 2 GiB limit) is replaced by an INTERNAL response saying so.
void AppendCallResult(const CallResult& result, size_t max_body_size,
                      Buffer* out);

// Appends a Response frame with only a call id, `status` and
// `not_processed` (UNIMPLEMENTED, UNAVAILABLE, the answer to a control
// method, or with call_id 0 a connection error).
void AppendStatusResponse(uint64_t call_id, const absl::Status& status,
                          Buffer* out, bool not_processed = false);

// Appends the drain notice, Response{call_id: 0, code: 0, draining: true}
// (docs/protocol.md, section 7).
void AppendDrainNotice(Buffer* out);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_CALL_H_
