#include "pair_calls.h"

#include <atomic>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace frontend {
namespace {

// One backend call's failure as the frontend reports it: the code kept (a
// caller retries UNAVAILABLE, gives up on DEADLINE_EXCEEDED, shows
// NOT_FOUND), the message saying which backend and which key.
absl::Status BackendError(absl::string_view backend, absl::string_view key,
                          const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat("kv Get of key '", key, "' from backend ",
                                   backend, ": ", status.message()));
}

void OnBehalfOf(const framerpc::ServerContext& caller,
                const std::string& request_id,
                framerpc::ClientContext* backend) {
  backend->set_deadline(caller.deadline());
  backend->AddMetadata(kRequestIdKey, request_id);
}

}  // namespace

std::string RequestIdOf(const framerpc::ServerContext& caller) {
  const auto it = caller.metadata().find(kRequestIdKey);
  if (it != caller.metadata().end() && !it->second.empty()) return it->second;
  // The start time tells ids of different runs of the process apart, the
  // counter those of one run.
  static const int64_t start = absl::ToUnixMicros(absl::Now());
  static std::atomic<uint64_t> next{0};
  return absl::StrCat("frontend-", start, "-",
                      next.fetch_add(1, std::memory_order_relaxed));
}

PairCalls::PairCalls(framerpc::ServerContext& caller,
                     const GetPairRequest& request)
    : request_id(RequestIdOf(caller)) {
  caller.AddResponseMetadata(kRequestIdKey, request_id);
  request_a.set_key(request.key_a());
  request_b.set_key(request.key_b());
  OnBehalfOf(caller, request_id, &context_a);
  OnBehalfOf(caller, request_id, &context_b);
}

absl::Status PairCalls::Answer(absl::string_view backend,
                               const absl::Status& status_a,
                               const absl::Status& status_b,
                               GetPairReply* reply) const {
  if (!status_a.ok()) return BackendError(backend, request_a.key(), status_a);
  if (!status_b.ok()) return BackendError(backend, request_b.key(), status_b);
  reply->set_value_a(reply_a.value());
  reply->set_value_b(reply_b.value());
  return absl::OkStatus();
}

}  // namespace frontend
