// FrontendService: the Frontend service of frontend.proto, which answers
// GetPair with two calls to the kv example service at once, in one of two
// forms, to compare them side by side:
//
//  - Form::kSync: a blocking handler. It starts both kv calls and waits for
//    them (framerpc::CallGroup), holding its server thread meanwhile:
//    simple, and the server needs a thread per call in flight
//    (ServerOptions::num_workers).
//  - Form::kAsync: a deferred answer. The handler starts both calls with
//    done callbacks, takes its answer out of its return
//    (ServerContext::Defer) and returns at once; the callback of whichever
//    call ends last answers (ServerResponder::Finish). No thread waits for
//    the backend, so a few server threads serve any number of calls.
//
// Both forms make the same calls (PairCalls, pair_calls.h) and give the same
// answers. Thread-safe. Borrows nothing: the stub shares its Channel, and a
// pending asynchronous call holds what it needs, so the service may be
// destroyed before the last callbacks have run.
#ifndef FRAMERPC_EXAMPLES_FRONTEND_FRONTEND_SERVICE_H_
#define FRAMERPC_EXAMPLES_FRONTEND_FRONTEND_SERVICE_H_

#include <memory>
#include <string>

#include "frontend.framerpc.h"
#include "kv.framerpc.h"

namespace frontend {

class FrontendService final : public Frontend::Service {
 public:
  enum class Form { kSync, kAsync };

  // Calls the kv service over `backend`, whose target errors name.
  FrontendService(std::shared_ptr<framerpc::Channel> backend, Form form);

  absl::Status GetPair(framerpc::ServerContext& context,
                       const GetPairRequest& request,
                       GetPairReply* reply) override;

 private:
  absl::Status GetPairSync(framerpc::ServerContext& context,
                           const GetPairRequest& request, GetPairReply* reply);
  absl::Status GetPairAsync(framerpc::ServerContext& context,
                            const GetPairRequest& request, GetPairReply* reply);

  const std::string backend_;  // the kv target, for error messages
  kv::KeyValue::Stub kv_;
  const Form form_;
};

}  // namespace frontend

#endif  // FRAMERPC_EXAMPLES_FRONTEND_FRONTEND_SERVICE_H_
