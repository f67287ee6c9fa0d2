#include "server/call.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "framing/frame_format.h"
#include "rpc/call_codec.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace internal {

absl::Status DecodeCallInto(absl::string_view body, uint64_t connection_id,
                            const std::string& peer, absl::Time received,
                            const MetadataLimits& limits, Call* call,
                            absl::string_view* payload) {
  DecodedRequest request;
  absl::Status status = DecodeRequest(body, &request, limits);
  if (status.code() == absl::StatusCode::kResourceExhausted &&
      request.call_id != 0) {
    call->connection_id = connection_id;
    call->call_id = request.call_id;
    call->method = std::move(request.method);
    call->peer = peer;
    return absl::ResourceExhaustedError(
        absl::StrCat("call ", call->call_id, " of ",
                     QuoteForStatus(call->method), ": ", status.message(),
                     " set by the server (ServerOptions::max_metadata_entries, "
                     "max_metadata_bytes)"));
  }
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request from ", peer, ": ", status.message()));
  }
  if (request.call_id == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request from ", peer, " (", body.size(), "-byte frame body, method ",
        QuoteForStatus(request.method),
        ") has call_id 0; call ids start at 1"));
  }
  call->connection_id = connection_id;
  call->call_id = request.call_id;
  call->method = std::move(request.method);
  call->peer = peer;
  if (request.timeout_us > 0) {
    const uint64_t micros = std::min<uint64_t>(
        request.timeout_us, std::numeric_limits<int64_t>::max());
    call->deadline =
        received + absl::Microseconds(static_cast<int64_t>(micros));
  }
  call->metadata = std::move(request.metadata);
  *payload = request.payload;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Call>> DecodeCall(absl::string_view body,
                                                 uint64_t connection_id,
                                                 const std::string& peer,
                                                 absl::Time received,
                                                 const MetadataLimits& limits) {
  auto call = std::make_unique<Call>();
  absl::string_view payload;
  absl::Status status = DecodeCallInto(body, connection_id, peer, received,
                                       limits, call.get(), &payload);
  if (!status.ok()) return status;
  call->payload.assign(payload.data(), payload.size());
  return call;
}

bool ClaimCall(const Call& call) {
  if (call.cancellation == nullptr) return true;
  int state = CallCancellation::kQueued;
  if (call.cancellation->state.compare_exchange_strong(
          state, CallCancellation::kStarted, std::memory_order_acq_rel)) {
    return true;
  }
  return state == CallCancellation::kStarted;
}

void AppendCallResult(const CallResult& result, size_t max_body_size,
                      Buffer* out) {
  ResponseHeader header{result.call_id, result.status, &result.metadata};
  header.not_processed = result.not_processed;
  absl::Status status =
      EncodeResponse(header, result.response.get(), max_body_size, out);
  if (status.ok()) return;
  AppendStatusResponse(
      result.call_id,
      absl::InternalError(absl::StrCat("response to call ", result.call_id,
                                       " of ", result.method,
                                       " cannot be sent: ", status.message())),
      out);
}

void AppendStatusResponse(uint64_t call_id, const absl::Status& status,
                          Buffer* out, bool not_processed) {
  ResponseHeader header{call_id, status, nullptr};
  header.not_processed = not_processed;
  // Only the status travels, a few bytes plus a message of our own making:
  // far below the limit, so this cannot fail.
  EncodeResponse(header, absl::string_view(), kMaxEncodableBodySize, out)
      .IgnoreError();
}

void AppendDrainNotice(Buffer* out) {
  ResponseHeader header;
  header.draining = true;
  // Two fields of a few bytes: this cannot fail either.
  EncodeResponse(header, absl::string_view(), kMaxEncodableBodySize, out)
      .IgnoreError();
}

}  // namespace internal
}  // namespace framerpc
