// FrontendService's asynchronous form (frontend_service.h): GetPair answers
// from the kv calls' callbacks.
#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "framerpc/server_responder.h"
#include "frontend_service.h"
#include "pair_calls.h"

namespace frontend {
namespace {

// One GetPair between its handler's return and its answer: the backend
// calls and what they borrow, the deferred answer, and each call's status.
// Shared by the two callbacks; the last one to finish answers.
struct PendingPair {
  PendingPair(framerpc::ServerContext& context, const GetPairRequest& request,
              GetPairReply* reply, std::string backend)
      : calls(context, request), reply(reply), backend(std::move(backend)) {}

  // Records that one call ended; the second one to do so answers. Each
  // status was written by its own callback before its decrement, and the
  // acquire-release decrement makes both visible to the last.
  void OneDone() {
    if (running.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    responder.Finish(calls.Answer(backend, status_a, status_b, reply));
  }

  PairCalls calls;
  GetPairReply* const reply;  // the server's; valid until Finish
  // A copy, not the service's: a callback may outlive the service.
  const std::string backend;
  framerpc::ServerResponder responder;
  absl::Status status_a, status_b;
  std::atomic<int> running{2};
};

}  // namespace

absl::Status FrontendService::GetPairAsync(framerpc::ServerContext& context,
                                           const GetPairRequest& request,
                                           GetPairReply* reply) {
  auto pending =
      std::make_shared<PendingPair>(context, request, reply, backend_);
  pending->responder = context.Defer();
  PairCalls& calls = pending->calls;
  kv_.Get(&calls.context_a, calls.request_a, &calls.reply_a,
          [pending](absl::Status status) {
            pending->status_a = std::move(status);
            pending->OneDone();
          });
  kv_.Get(&calls.context_b, calls.request_b, &calls.reply_b,
          [pending](absl::Status status) {
            pending->status_b = std::move(status);
            pending->OneDone();
          });
  return absl::OkStatus();  // ignored: the responder answers
}

}  // namespace frontend
