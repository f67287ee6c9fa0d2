#include "bench/fanout/fanout_service.h"

#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framerpc/call_group.h"
#include "framerpc/server_responder.h"

namespace framerpc {
namespace bench {
namespace {

// The backend calls of one frontend call and what they borrow; the
// caller's request is sent as it is (it stays valid until the answer).
struct BackendCalls {
  BackendCalls(const ServerContext& caller, int fanout)
      : contexts(new ClientContext[fanout]), replies(fanout), statuses(fanout) {
    for (int i = 0; i < fanout; ++i) {
      contexts[i].set_deadline(caller.deadline());
    }
  }

  // The frontend's answer once every call ended with statuses[i]: the
  // first failure (a new status: see base/unshared_status.h), else the
  // payload, checked against every backend reply.
  absl::Status Answer(const EchoRequest& request, EchoReply* reply) const {
    for (size_t i = 0; i < statuses.size(); ++i) {
      if (!statuses[i].ok()) {
        return absl::Status(
            statuses[i].code(),
            absl::StrCat("backend call ", i, ": ", statuses[i].message()));
      }
      if (replies[i].payload() != request.payload()) {
        return absl::InternalError(
            absl::StrCat("backend call ", i, " answered another payload"));
      }
    }
    reply->set_payload(request.payload());
    return absl::OkStatus();
  }

  std::unique_ptr<ClientContext[]> contexts;  // not movable: an array
  std::vector<EchoReply> replies;
  std::vector<absl::Status> statuses;  // [i] written by call i's callback
};

// One deferred call: its backend calls, its answer, and how many of the
// calls are still running; the last one to end answers.
struct PendingFanout {
  PendingFanout(ServerContext& context, const EchoRequest& request,
                EchoReply* reply, int fanout)
      : calls(context, fanout),
        request(request),
        reply(reply),
        running(fanout) {}

  void OneDone() {
    // acq_rel: every callback's status is visible to the last one.
    if (running.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    responder.Finish(calls.Answer(request, reply));
  }

  BackendCalls calls;
  const EchoRequest& request;  // the server's; valid until Finish
  EchoReply* const reply;      // the server's; valid until Finish
  ServerResponder responder;
  std::atomic<int> running;
};

}  // namespace

absl::Status FanoutService::Echo(ServerContext& context,
                                 const EchoRequest& request, EchoReply* reply) {
  return form_ == Form::kSync ? EchoSync(context, request, reply)
                              : EchoAsync(context, request, reply);
}

absl::Status FanoutService::EchoSync(ServerContext& context,
                                     const EchoRequest& request,
                                     EchoReply* reply) {
  BackendCalls calls(context, fanout_);
  CallGroup group;
  for (int i = 0; i < fanout_; ++i) {
    backend_.Echo(&calls.contexts[i], request, &calls.replies[i], group.Add());
  }
  group.Wait().IgnoreError();  // Answer looks at every status
  calls.statuses = group.statuses();
  return calls.Answer(request, reply);
}

absl::Status FanoutService::EchoAsync(ServerContext& context,
                                      const EchoRequest& request,
                                      EchoReply* reply) {
  auto pending =
      std::make_shared<PendingFanout>(context, request, reply, fanout_);
  pending->responder = context.Defer();
  for (int i = 0; i < fanout_; ++i) {
    backend_.Echo(&pending->calls.contexts[i], request,
                  &pending->calls.replies[i],
                  [pending, i](absl::Status status) {
                    pending->calls.statuses[i] = std::move(status);
                    pending->OneDone();
                  });
  }
  return absl::OkStatus();  // ignored: the responder answers
}

}  // namespace bench
}  // namespace framerpc
