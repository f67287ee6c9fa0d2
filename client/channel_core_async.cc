// ChannelCore's asynchronous calls (Channel::Call with a done callback):
// the same steps as a synchronous call (channel_core.cc), each run by the
// thread whose turn it is instead of one thread that waits between them.
//
// CallAsync (caller's thread): checks the arguments, fixes the deadline,
//   posts the start. Nothing here blocks or fails inline.
// StartAsync (the start thread): interceptors' BeforeCall (first attempt),
//   FindRoute (may look up, connect, wait for ready), then registers the
//   call on the connection (ClientConnection::StartAsync) and watches the
//   connection with the AsyncDriver. A failure before the call is
//   registered ends the call (or tries again, as Send does).
// AsyncAttemptFinished (whichever thread finished the slot: a reader, a
//   canceller, the driver at the deadline, a failing connection): posts
//   EndAsyncAttempt to the done pool.
// EndAsyncAttempt (done pool): releases the route; a call the server never
//   processed goes back to the start thread, others complete.
// CompleteAsync (done pool): AfterCalls, then done with a status of its own,
//   then the call is freed (and with it, perhaps, the Channel).
#include <memory>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "base/unshared_status.h"
#include "client/call_status.h"
#include "client/call_table.h"
#include "client/channel_core.h"

namespace framerpc {
namespace internal {
namespace {

// As for synchronous calls (channel_core.cc): how many times a call the
// server never processed is sent in all.
constexpr int kMaxAsyncAttempts = 3;

}  // namespace

struct ChannelCore::AsyncCall {
  AsyncCall(ChannelCore* core, std::shared_ptr<const void> keep_alive,
            absl::string_view method, const google::protobuf::Message& request,
            google::protobuf::Message* response, ClientContext* context,
            Done done)
      : core(core),
        keep_alive(std::move(keep_alive)),
        method(method),
        request(request),
        response(response),
        context(context),
        done(std::move(done)) {}

  ChannelCore* const core;
  // The Channel, so that it outlives the call.
  const std::shared_ptr<const void> keep_alive;
  // A copy: the caller's string need not outlive CallAsync.
  const std::string method;
  const google::protobuf::Message& request;
  google::protobuf::Message* const response;
  // The caller's context; with interceptors and none given, own_context.
  ClientContext* context;
  Done done;

  absl::Time start;
  absl::Duration budget;
  // The method's counters; null while metrics are off.
  MethodMetrics* counted = nullptr;
  // When the current attempt was handed to its connection (with metrics).
  absl::Time attempt_start;
  Deadline deadline = Deadline::Infinite();

  ClientContext own_context;
  // With interceptors: what they see, and how many AfterCalls are due.
  std::unique_ptr<ClientCallInfo> info;
  size_t interceptors_called = 0;
  // Links TryCancel to the call's current step; made by the first start.
  std::unique_ptr<CallCancellation> cancellation;

  int attempt = 0;
  // The endpoint that turned the last attempt away (compared, never used).
  const Endpoint* turned_away = nullptr;
  // The attempt on a connection: its route, slot and cancellation target.
  std::unique_ptr<Route> route;
  std::unique_ptr<PendingCall> slot;
  ClientConnection::CancelTarget cancel_target{nullptr, nullptr};
};

void ChannelCore::CallAsync(std::shared_ptr<const void> keep_alive,
                            absl::string_view method,
                            const google::protobuf::Message& request,
                            google::protobuf::Message* response,
                            ClientContext* context, Done done) {
  if (!async_started_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(mu_);
    StartAsyncMachineryLocked();
  }
  auto* call = new AsyncCall(this, std::move(keep_alive), method, request,
                             response, context, std::move(done));
  call->counted = CountedAs(method);
  call->start = absl::Now();
  call->budget = CallEnd(context, call->start) - call->start;
  call->deadline = Deadline::After(call->budget);
  if (call->response == nullptr) {
    FailAsync(call, CallError(absl::StatusCode::kInvalidArgument, method,
                              target_, "response message is null"));
    return;
  }
  if (call->done == nullptr) {
    // Nobody to tell: the call would run for nothing.
    FailAsync(call, CallError(absl::StatusCode::kInvalidArgument, method,
                              target_, "done callback is empty"));
    return;
  }
  PostStart(call);
}

void ChannelCore::PostStart(AsyncCall* call) {
  // The Channel is held for the whole start, not only by `call`: once the
  // call is registered on its connection it may end, and free itself, on
  // another thread while the start thread still watches the connection.
  // The last reference may thus go on the start thread (CallbackPool
  // allows that).
  async_starts_->Post(
      [this, call, keep_alive = call->keep_alive] { StartAsync(call); });
}

void ChannelCore::StartAsyncMachineryLocked() {
  if (async_started_.load(std::memory_order_relaxed)) return;
  async_done_ = std::make_unique<CallbackPool>("framerpc-done", kDoneThreads);
  async_starts_ = std::make_unique<CallbackPool>("framerpc-astart", 1);
  async_driver_ = std::make_unique<AsyncDriver>();
  async_started_.store(true, std::memory_order_release);
}

void ChannelCore::StartAsync(AsyncCall* call) {
  if (call->attempt == 0) {
    if (!options_.interceptors.empty()) {
      // As CallIntercepted: interceptors see a context, and a rejected
      // call has no response metadata either.
      if (call->context == nullptr) call->context = &call->own_context;
      call->context->mutable_response_metadata()->clear();
      call->info = std::make_unique<ClientCallInfo>(
          call->method, target_, call->start + call->budget, *call->context);
      absl::Status before = BeforeCalls(*call->info, &call->interceptors_called);
      if (!before.ok()) {
        FailAsync(call, before);
        return;
      }
    }
    if (call->context != nullptr) {
      call->context->mutable_response_metadata()->clear();
    }
    call->cancellation = std::make_unique<CallCancellation>(call->context);
    if (call->deadline.Expired()) {
      FailAsync(call, CallDeadlineExceeded(call->method, target_, call->budget,
                                           "before the call started"));
      return;
    }
    if (!call->cancellation->Watch(&ChannelCore::WakeWaiters, this)) {
      FailAsync(call, CallCancelled(call->method, target_,
                                    "before the call started"));
      return;
    }
  }
  const bool wait_for_ready =
      call->context != nullptr && call->context->wait_for_ready();
  while (true) {
    ++call->attempt;
    absl::StatusOr<Route> route =
        FindRoute(call->method, call->deadline, call->budget, wait_for_ready,
                  call->turned_away, *call->cancellation);
    if (!route.ok()) {
      FailAsync(call, route.status());
      return;
    }
    call->route = std::make_unique<Route>(*std::move(route));
    call->slot = std::make_unique<PendingCall>(call->method, call->response,
                                               call->context);
    PendingCall& slot = *call->slot;
    if (call->info != nullptr) slot.request_metadata = &call->info->metadata();
    slot.on_finished = &ChannelCore::AsyncAttemptFinished;
    slot.finished_arg = call;
    slot.deadline = call->deadline;
    slot.budget = call->budget;
    call->cancel_target = {call->route->connection.get(), &slot};
    // Held here: once started, the call may end (and its route go) on
    // another thread at any moment.
    std::shared_ptr<ClientConnection> connection = call->route->connection;
    bool resend_safe = false;
    absl::Status status;
    if (call->cancellation->Watch(&ClientConnection::CancelHook,
                                  &call->cancel_target)) {
      if (call->counted != nullptr) {
        // Before the call is handed over: it may end at once elsewhere.
        call->counted->attempts.RecordStart();
        call->attempt_start = absl::Now();
      }
      status = connection->StartAsync(call->request, &slot, &resend_safe);
      if (status.ok()) {
        async_driver_->Watch(std::move(connection));
        return;  // `call` now belongs to the slot's finisher
      }
      if (call->counted != nullptr) {
        call->counted->RecordAttempt(status,
                                     absl::Now() - call->attempt_start,
                                     call->request, *call->response);
      }
      call->cancellation->Watch(&ChannelCore::WakeWaiters, this);
    } else {
      status = CallCancelled(call->method, target_, "before it was sent");
    }
    EndRoute(*call->route);
    call->turned_away = call->route->endpoint;
    call->route.reset();
    call->slot.reset();
    if (!resend_safe || call->attempt >= kMaxAsyncAttempts) {
      FailAsync(call, status);
      return;
    }
    if (call->context != nullptr) {
      call->context->mutable_response_metadata()->clear();
    }
  }
}

void ChannelCore::AsyncAttemptFinished(PendingCall* slot) {
  // Perhaps under the connection's lock: only hand the call on.
  auto* call = static_cast<AsyncCall*>(slot->finished_arg);
  call->core->async_done_->Post(
      [call] { call->core->EndAsyncAttempt(call); });
}

void ChannelCore::EndAsyncAttempt(AsyncCall* call) {
  // A cancellation must not reach the slot any more; this waits for one
  // that is running.
  call->cancellation->Watch(&ChannelCore::WakeWaiters, this);
  absl::Status status = std::move(call->slot->status);
  const bool resend_safe = call->slot->resend_safe;
  if (call->counted != nullptr) {
    call->counted->RecordAttempt(status, absl::Now() - call->attempt_start,
                                 call->request, *call->response);
  }
  call->slot.reset();
  EndRoute(*call->route);
  call->turned_away = call->route->endpoint;
  call->route.reset();
  if (resend_safe && call->attempt < kMaxAsyncAttempts) {
    if (call->context != nullptr) {
      call->context->mutable_response_metadata()->clear();
    }
    PostStart(call);
    return;
  }
  CompleteAsync(call, std::move(status));
}

void ChannelCore::FailAsync(AsyncCall* call, const absl::Status& status) {
  // A status of its own: the one given may share its message with one kept
  // by an endpoint or the lookup, on other threads.
  async_done_->Post([call, status = UnsharedStatus(status)]() mutable {
    call->core->CompleteAsync(call, std::move(status));
  });
}

void ChannelCore::CompleteAsync(AsyncCall* call, absl::Status status) {
  // Before done, after which the caller may free the context.
  call->cancellation.reset();
  if (call->info != nullptr) {
    AfterCalls(*call->info, call->interceptors_called, status, call->start,
               call->request, *call->response);
  }
  // As for a synchronous call: its interceptors' AfterCalls included.
  if (call->counted != nullptr) {
    call->counted->calls.RecordLatency(status.code(),
                                       absl::Now() - call->start);
  }
  Done done = std::move(call->done);
  if (done != nullptr) std::move(done)(UnsharedStatus(status));
  // Perhaps the last reference to the Channel, and so to this core.
  delete call;
}

}  // namespace internal
}  // namespace framerpc
