#include "server/request_intake.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "framing/frame_decoder.h"
#include "proto/wire.pb.h"
#include "rpc/control_methods.h"
#include "rpc/quote_for_status.h"
#include "server/call_runner.h"

namespace framerpc {
namespace internal {
namespace {

// Answers a control method (rpc/control_methods.h) at once, on the loop.
// Its answer does not count as activity for the idle clock.
void AnswerControl(Connection* conn, const Call& call,
                   absl::string_view payload) {
  absl::Status status;
  if (call.method == kCancelMethod) {
    wire::CancelRequest cancel;
    if (cancel.ParseFromArray(payload.data(),
                              static_cast<int>(payload.size()))) {
      // A call still queued is answered at once, ahead of the Cancel's own
      // OK (which comes whether or not the call is still in flight: one
      // that already finished has its answer on the way).
      if (conn->CancelCall(cancel.call_id())) {
        conn->output().AppendStatus(
            cancel.call_id(),
            absl::CancelledError(
                absl::StrCat("call ", cancel.call_id(),
                             " was cancelled by the caller before it started")),
            /*not_processed=*/true);
      }
    } else {
      status = absl::InvalidArgumentError(absl::StrCat(
          "call ", call.call_id, " of ", kCancelMethod, ": ", payload.size(),
          "-byte payload does not parse as "
          "framerpc.wire.CancelRequest"));
    }
  }
  conn->NoteControlOutput(conn->output().AppendStatus(call.call_id, status));
}

// Answers a call without running it, with `status`, counting it (when
// metrics are on) as started and finished at once under its method, or
// "other" for a method no service registered. Control methods are the
// protocol's, not calls, and are never counted.
void AnswerAtIntake(Connection* conn, const ServiceRegistry& registry,
                    const Call& call, size_t request_bytes,
                    const absl::Status& status, bool not_processed) {
  CallMetrics* const metrics = registry.MetricsFor(call.method);
  if (metrics != nullptr && call.method != kPingMethod &&
      call.method != kCancelMethod) {
    metrics->RecordStart();
    metrics->RecordFinish(status.code(), absl::ZeroDuration(), request_bytes,
                          0);
  }
  conn->output().AppendStatus(call.call_id, status, not_processed);
}

// Returns whether the input buffer was lent to the call (and so the frame
// is already gone from the connection's input).
bool HandleRequest(Connection* conn, const Frame& frame,
                   const ServiceRegistry& registry,
                   const ServerOptions& options, const MetadataLimits& limits,
                   bool stopping, absl::Time now, IntakeState* cache,
                   DispatchFn dispatch) {
  Call call;
  absl::string_view payload;  // inside the frame: not copied yet
  absl::Status decoded = DecodeCallInto(frame.body, conn->id(), conn->peer(),
                                        now, limits, &call, &payload);
  // RESOURCE_EXHAUSTED: too much metadata in an otherwise sound frame, so
  // only this call is refused (below, after the shutdown answer every call
  // gets while stopping).
  const bool over_limit =
      decoded.code() == absl::StatusCode::kResourceExhausted;
  if (!decoded.ok() && !over_limit) {
    conn->Fail(decoded);
    return false;
  }
  call.peer_identity = conn->peer_identity();
  if (stopping) {
    AnswerAtIntake(
        conn, registry, call, payload.size(),
        absl::UnavailableError(
            absl::StrCat("server shutting down: call ", call.call_id, " of ",
                         QuoteForStatus(call.method), " was not started")),
        /*not_processed=*/true);
    return false;
  }
  if (conn->draining()) {
    AnswerAtIntake(
        conn, registry, call, payload.size(),
        absl::UnavailableError(absl::StrCat(
            "server draining the connection: call ", call.call_id, " of ",
            QuoteForStatus(call.method),
            " was not started; the connection is closing after being idle "
            "(ServerOptions::idle_timeout)")),
        /*not_processed=*/true);
    return false;
  }
  if (!over_limit &&
      (call.method == kPingMethod || call.method == kCancelMethod)) {
    AnswerControl(conn, call, payload);
    return false;
  }
  // Only whole requests other than control ones count as activity, so that
  // a peer that trickles bytes, or only pings, is still reaped by the idle
  // timeout.
  conn->NoteRequest(now);
  if (over_limit) {
    AnswerAtIntake(conn, registry, call, payload.size(), decoded,
                   /*not_processed=*/false);
    return false;
  }
  if (cache->last_route.handler == nullptr ||
      call.method != cache->last_method) {
    absl::StatusOr<ServiceRegistry::Route> route = registry.Lookup(call.method);
    if (!route.ok()) {
      AnswerAtIntake(conn, registry, call, payload.size(), route.status(),
                     /*not_processed=*/false);
      return false;
    }
    cache->last_method = call.method;
    cache->last_route = *route;
  }
  call.handler = cache->last_route.handler;
  if (!options.interceptors.empty()) {
    call.interceptors = &options.interceptors;
    call.received = now;
  }
  if (cache->last_route.metrics != nullptr) {
    call.metrics = cache->last_route.metrics;
    call.metrics->RecordStart();
    call.received = now;
  }
  if (cache->last_route.run_inline) {
    // Zero hops: run here, parsing the request straight from the input
    // buffer, and queue the response with the others of this read.
    AnswerRoute route;
    if (cache->completions != nullptr) {
      route = AnswerRoute{&conn->shared_output(), cache->completions,
                          cache->answer_gate};
    }
    const CallResult result = RunCall(std::move(call), payload, route);
    if (result.deferred) {
      // In flight until its responder answers (through the completion
      // queue, like a worker's call).
      conn->AddCall();
      ++cache->deferred_inline_calls;
    } else {
      conn->output().AppendResult(result);
    }
    return false;
  }
  // The input buffer is reused at once: the call gets its own copy of a
  // small request, and a large one the buffer itself.
  const size_t bytes_after = conn->input().readable_bytes() - frame.frame_size;
  const bool lend = ShouldLendInput(payload.size(), bytes_after);
  if (lend) {
    call.lent_input = conn->LendInput(frame.frame_size, payload);
  } else {
    call.payload.assign(payload.data(), payload.size());
  }
  call.cancellation = conn->TrackCall(call.call_id);
  dispatch(std::make_unique<Call>(std::move(call)));
  return lend;
}

}  // namespace

bool ProcessRequests(Connection* conn, const ServiceRegistry& registry,
                     const ServerOptions& options, bool stopping,
                     absl::Time now, IntakeState* cache, DispatchFn dispatch) {
  const MetadataLimits limits{options.max_metadata_entries,
                              options.max_metadata_bytes};
  bool progressed = false;
  while (conn->state() == Connection::State::kOpen ||
         conn->state() == Connection::State::kReadClosed) {
    // Stopping or draining, every request is answered at once.
    if (!stopping && !conn->draining() && !conn->CanStartCall(options)) break;
    absl::StatusOr<absl::optional<Frame>> frame =
        conn->decoder().Next(conn->input());
    if (!frame.ok()) {
      // Over max_frame_size: known from the prefix alone, and the stream
      // cannot be resynchronised.
      conn->Fail(absl::Status(frame.status().code(),
                              absl::StrCat("request from ", conn->peer(), ": ",
                                           frame.status().message())));
      return true;
    }
    if (!frame->has_value()) break;
    const Frame whole = **frame;
    const bool lent = HandleRequest(conn, whole, registry, options, limits,
                                    stopping, now, cache, dispatch);
    progressed = true;
    if (conn->state() == Connection::State::kFailing)
      return true;  // input dropped
    if (!lent) conn->input().Retrieve(whole.frame_size);
  }
  if (conn->input().empty()) {
    conn->input().ShrinkIfIdle(Buffer::kMaxIdleCapacity);
  }
  return progressed;
}

}  // namespace internal
}  // namespace framerpc
