#include "frontend_service.h"

#include <memory>
#include <utility>
#include <vector>

#include "framerpc/call_group.h"
#include "pair_calls.h"

namespace frontend {

FrontendService::FrontendService(std::shared_ptr<framerpc::Channel> backend,
                                 Form form)
    : backend_(backend->target()), kv_(std::move(backend)), form_(form) {}

absl::Status FrontendService::GetPair(framerpc::ServerContext& context,
                                      const GetPairRequest& request,
                                      GetPairReply* reply) {
  return form_ == Form::kSync ? GetPairSync(context, request, reply)
                              : GetPairAsync(context, request, reply);
}

absl::Status FrontendService::GetPairSync(framerpc::ServerContext& context,
                                          const GetPairRequest& request,
                                          GetPairReply* reply) {
  PairCalls calls(context, request);
  framerpc::CallGroup group;
  kv_.Get(&calls.context_a, calls.request_a, &calls.reply_a, group.Add());
  kv_.Get(&calls.context_b, calls.request_b, &calls.reply_b, group.Add());
  // This thread waits here; Answer looks at both statuses itself.
  group.Wait().IgnoreError();
  const std::vector<absl::Status> statuses = group.statuses();
  return calls.Answer(backend_, statuses[0], statuses[1], reply);
}

}  // namespace frontend
