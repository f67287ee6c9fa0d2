#include "server/call.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "framing/envelope_codec.h"
#include "framing/frame_format.h"
#include "rpc/status_mapping.h"

namespace framerpc {
namespace internal {

absl::Status DecodeCallInto(absl::string_view body, uint64_t connection_id,
                            const std::string& peer, absl::Time received,
                            wire::Request* scratch, Call* call,
                            absl::string_view* payload) {
  wire::Request& request = *scratch;
  request.Clear();
  absl::Status status = DecodeEnvelope(body, &request, payload);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request from ", peer, ": ", status.message()));
  }
  if (request.call_id() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request from ", peer, " (", body.size(), "-byte frame body, method '",
        request.method(), "') has call_id 0; call ids start at 1"));
  }
  call->connection_id = connection_id;
  call->call_id = request.call_id();
  call->method = request.method();  // a copy: the scratch keeps its storage
  call->peer = peer;
  if (request.timeout_us() > 0) {
    const uint64_t micros = std::min<uint64_t>(
        request.timeout_us(), std::numeric_limits<int64_t>::max());
    call->deadline =
        received + absl::Microseconds(static_cast<int64_t>(micros));
  }
  for (const auto& entry : request.metadata()) {
    call->metadata.emplace(entry.first, entry.second);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Call>> DecodeCall(absl::string_view body,
                                                 uint64_t connection_id,
                                                 const std::string& peer,
                                                 absl::Time received) {
  auto call = std::make_unique<Call>();
  wire::Request header;
  absl::string_view payload;
  absl::Status status = DecodeCallInto(body, connection_id, peer, received,
                                       &header, call.get(), &payload);
  if (!status.ok()) return status;
  call->payload.assign(payload.data(), payload.size());
  return call;
}

void AppendCallResult(const CallResult& result, size_t max_body_size,
                      Buffer* out) {
  absl::Status status =
      AppendFrame(result.header, result.response.get(), max_body_size, out);
  if (status.ok()) return;
  AppendStatusResponse(
      result.header.call_id(),
      absl::InternalError(
          absl::StrCat("response to call ", result.header.call_id(), " of ",
                       result.method, " cannot be sent: ", status.message())),
      out);
}

void AppendStatusResponse(uint64_t call_id, const absl::Status& status,
                          Buffer* out) {
  wire::Response response;
  response.set_call_id(call_id);
  StatusToWire(status, &response);
  // Only the status travels, a few bytes plus a message of our own making:
  // far below the limit, so this cannot fail.
  AppendFrame(response, nullptr, kMaxEncodableBodySize, out).IgnoreError();
}

}  // namespace internal
}  // namespace framerpc
