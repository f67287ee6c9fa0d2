// PairCalls: the two kv Get calls one Frontend.GetPair makes, with the
// requests, replies and contexts they borrow, set up on behalf of the
// caller; and how their outcomes become GetPair's answer. Both forms of the
// service (sync_frontend.h, async_frontend.h) use it, so they differ only in
// how they wait.
//
// On behalf of the caller means: each backend call has the caller's
// deadline (ServerContext::deadline()), so no backend works for a caller
// that has stopped waiting, and carries the caller's "request-id" metadata
// (one is made when the caller sent none), which goes back to the caller in
// the response metadata too, so one id follows the request through every
// log.
//
// A plain value, not thread-safe: each call's callback may write only that
// call's reply and context (the Channel does) while the other runs.
#ifndef FRAMERPC_EXAMPLES_FRONTEND_PAIR_CALLS_H_
#define FRAMERPC_EXAMPLES_FRONTEND_PAIR_CALLS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "framerpc/client_context.h"
#include "framerpc/server_context.h"
#include "frontend.pb.h"
#include "kv.pb.h"

namespace frontend {

// The metadata key of the request id.
inline constexpr char kRequestIdKey[] = "request-id";

// The caller's "request-id" metadata, or a new id unique in this process
// when the caller sent none (or an empty one).
std::string RequestIdOf(const framerpc::ServerContext& caller);

struct PairCalls {
  // Both calls' requests for `request`'s keys, their contexts with the
  // caller's deadline and request id; adds the id to `caller`'s response
  // metadata.
  PairCalls(framerpc::ServerContext& caller, const GetPairRequest& request);
  PairCalls(const PairCalls&) = delete;
  PairCalls& operator=(const PairCalls&) = delete;

  // GetPair's answer once both calls ended with `status_a` and `status_b`:
  // OK with `reply` filled when both succeeded; else the first failure's
  // code with a message naming `backend` (the kv target) and the key, and
  // `reply` untouched. The status returned is always a new one, sharing
  // nothing with the two given: copies of an absl::Status share a counted
  // message, and the answer goes to another thread than the one that
  // releases the two given.
  absl::Status Answer(absl::string_view backend, const absl::Status& status_a,
                      const absl::Status& status_b, GetPairReply* reply) const;

  const std::string request_id;
  kv::GetRequest request_a, request_b;
  kv::GetReply reply_a, reply_b;
  framerpc::ClientContext context_a, context_b;
};

}  // namespace frontend

#endif  // FRAMERPC_EXAMPLES_FRONTEND_PAIR_CALLS_H_
