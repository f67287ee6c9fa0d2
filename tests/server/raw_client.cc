#include "tests/server/raw_client.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/posix_error.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"
#include "rpc/address.h"
#include "tests/support/frame_io.h"

namespace framerpc {
namespace test {

absl::StatusOr<RawClient> RawClient::Connect(absl::string_view address_text) {
  absl::StatusOr<Address> address = ParseAddress(address_text);
  if (!address.ok()) return address.status();
  absl::StatusOr<std::vector<ResolvedAddress>> resolved = Resolve(*address);
  if (!resolved.ok()) return resolved.status();
  const ResolvedAddress& target = resolved->front();
  UniqueFd fd(::socket(target.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return PosixError("socket", errno);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&target.storage),
                target.length) != 0) {
    return PosixError(absl::StrCat("connect to ", address_text), errno);
  }
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
  return RawClient(std::move(fd));
}

std::string RawClient::LocalAddress() const {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&local), &length);
  return SockaddrToString(reinterpret_cast<const sockaddr*>(&local), length);
}

std::string EncodeRequest(uint64_t call_id, absl::string_view method,
                          absl::string_view payload, uint64_t timeout_us,
                          const Metadata& metadata) {
  // Plain protobuf, so that the server is tested against an encoder of
  // its own (docs/protocol.md: both forms are the same bytes).
  wire::Request request;
  request.set_call_id(call_id);
  request.set_method(std::string(method));
  request.set_timeout_us(timeout_us);
  for (const auto& entry : metadata) {
    (*request.mutable_metadata())[entry.first] = entry.second;
  }
  request.set_payload(std::string(payload));
  const std::string body = request.SerializeAsString();
  std::string frame(kFrameHeaderSize, '\0');
  EncodeFrameLength(static_cast<uint32_t>(body.size()), frame.data());
  return frame + body;
}

absl::Status RawClient::Send(uint64_t call_id, absl::string_view method,
                             const google::protobuf::Message& request,
                             uint64_t timeout_us, const Metadata& metadata) {
  return SendPayload(call_id, method, request.SerializeAsString(), timeout_us,
                     metadata);
}

absl::Status RawClient::SendPayload(uint64_t call_id, absl::string_view method,
                                    absl::string_view payload,
                                    uint64_t timeout_us,
                                    const Metadata& metadata) {
  return SendRaw(EncodeRequest(call_id, method, payload, timeout_us, metadata));
}

absl::Status RawClient::SendRaw(absl::string_view bytes) {
  return WriteAll(fd_.get(), bytes, absl::Now() + kWait);
}

absl::StatusOr<absl::optional<RawResponse>> RawClient::Read(
    absl::Duration timeout) {
  std::string body;
  absl::StatusOr<ReadOutcome> outcome =
      ReadFrame(fd_.get(), kMaxEncodableBodySize, &body, absl::Now() + timeout);
  if (!outcome.ok()) return outcome.status();
  if (*outcome == ReadOutcome::kEndOfStream) return absl::nullopt;
  RawResponse response;
  if (!response.header.ParseFromString(body)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parse a ", body.size(), "-byte frame body as a Response"));
  }
  response.payload = std::move(*response.header.mutable_payload());
  response.header.clear_payload();
  return absl::optional<RawResponse>(std::move(response));
}

bool RawClient::ReadsEndOfStream(absl::Duration timeout) {
  absl::StatusOr<absl::optional<RawResponse>> next = Read(timeout);
  return next.ok() && !next->has_value();
}

}  // namespace test
}  // namespace framerpc
