// ServerResponder: the answer of one call whose handler deferred it
// (ServerContext::Defer), to be given later, from any thread: typically
// from the done callback of an asynchronous call the handler started.
//
//   absl::Status Frontend::Get(framerpc::ServerContext& context,
//                              const GetRequest& request, GetReply* reply) {
//     auto call = std::make_shared<framerpc::ClientContext>();
//     call->set_deadline(context.deadline());
//     backend_.Lookup(call.get(), request, reply,
//                     [call, responder = context.Defer()](
//                         absl::Status status) mutable {
//                       responder.Finish(std::move(status));
//                     });
//     return absl::OkStatus();  // ignored once deferred
//   }
//
// Until Finish, the call's request, its reply message and its
// ServerContext stay alive (the server keeps them), and the call counts
// as in flight: against the per-connection limits, and for Shutdown's
// grace, which waits for it like any running call. Finish sends the reply
// the handler was given when the status is OK (fill it before Finish),
// else only the status; the server's interceptors see the call's end and
// the metrics count it then.
//
// Move-only; owns the call's answer. A responder destroyed unfinished
// answers INTERNAL, so a forgotten call does not hang its caller. Finish
// and IsCancelled may be called from any thread, concurrently with the
// handler still returning; one responder must not be used by two threads
// at once.
#ifndef FRAMERPC_SERVER_RESPONDER_H_
#define FRAMERPC_SERVER_RESPONDER_H_

#include <memory>

#include "absl/status/status.h"

namespace framerpc {

class ServerContext;

namespace internal {
class DeferredAnswer;
}  // namespace internal

class ServerResponder {
 public:
  // Empty: answers nothing (what a second Defer of one call returns).
  ServerResponder() = default;
  ServerResponder(ServerResponder&& other) noexcept = default;
  // Finishes this responder's call INTERNAL first if it is unfinished.
  ServerResponder& operator=(ServerResponder&& other) noexcept;
  ServerResponder(const ServerResponder&) = delete;
  ServerResponder& operator=(const ServerResponder&) = delete;
  // Unfinished: answers INTERNAL, naming the method.
  ~ServerResponder();

  // Answers the call: with OK, the reply message the handler was given;
  // otherwise `status` alone (its message truncated as any handler's is).
  // Once the call's deadline has passed, the caller is no longer waiting
  // and the answer is DEADLINE_EXCEEDED instead. After the server has shut
  // down (its grace over), nothing is sent. Only the first Finish counts;
  // later ones, and Finish on an empty responder, do nothing.
  void Finish(absl::Status status);

  // True once the answer cannot reach a waiting caller: the caller
  // cancelled or went away (see ServerContext::IsCancelled), the deadline
  // passed, or the server shut down. A deferred call's work may stop then;
  // it must still Finish (or drop the responder).
  bool IsCancelled() const;

  // True for a default-constructed, moved-from or finished responder.
  bool empty() const { return answer_ == nullptr; }

 private:
  friend class ServerContext;
  explicit ServerResponder(std::shared_ptr<internal::DeferredAnswer> answer)
      : answer_(std::move(answer)) {}

  std::shared_ptr<internal::DeferredAnswer> answer_;
};

}  // namespace framerpc

#endif  // FRAMERPC_SERVER_RESPONDER_H_
