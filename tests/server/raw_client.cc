#include "tests/server/raw_client.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framing/buffer.h"
#include "framing/envelope_codec.h"
#include "framing/frame_format.h"
#include "base/posix_error.h"
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
  wire::Request header;
  header.set_call_id(call_id);
  header.set_method(std::string(method));
  header.set_timeout_us(timeout_us);
  for (const auto& entry : metadata) {
    (*header.mutable_metadata())[entry.first] = entry.second;
  }
  Buffer out;
  // Test requests are far below the 4 GiB limit, the only failure.
  AppendFrameWithPayloadBytes(header, payload, kMaxEncodableBodySize, &out)
      .IgnoreError();
  return std::string(out.readable());
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
  absl::string_view payload;
  absl::Status status = DecodeEnvelope(body, &response.header, &payload);
  if (!status.ok()) return status;
  response.payload = std::string(payload);
  return absl::optional<RawResponse>(std::move(response));
}

bool RawClient::ReadsEndOfStream(absl::Duration timeout) {
  absl::StatusOr<absl::optional<RawResponse>> next = Read(timeout);
  return next.ok() && !next->has_value();
}

}  // namespace test
}  // namespace framerpc
