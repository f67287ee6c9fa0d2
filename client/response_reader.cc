#include "client/response_reader.h"

#include <errno.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace internal {
namespace {

// A read that would need more than this for the rest of a frame reserves
// it at once instead of growing the buffer in steps.
constexpr size_t kReadReserveThreshold = 64 * 1024;

// Whether a stream that has carried no frame yet opens with a TLS record
// (an alert, 21, or a handshake, 22, of version 3.x): a TLS server's
// answer to a plaintext request, which read as a frame length is hundreds
// of megabytes.
bool OpensWithTlsRecord(absl::string_view start) {
  return start.size() >= 2 && (start[0] == 21 || start[0] == 22) &&
         start[1] == 3;
}

absl::Status TlsServerError() {
  return absl::UnavailableError(
      "the server answered with TLS: it expects TLS clients "
      "(ChannelOptions::tls)");
}

}  // namespace

ResponseReader::ResponseReader(size_t max_frame_size,
                               const MetadataLimits& metadata_limits)
    : decoder_(max_frame_size), metadata_limits_(metadata_limits) {}

absl::Status ResponseReader::Read(ConnectionIo& io) {
  const size_t missing = decoder_.BytesMissing(input_);
  if (missing > kReadReserveThreshold) input_.EnsureWritable(missing);
  int error_number = 0;
  const ssize_t n = io.Receive(input_, &error_number);
  if (n > 0) {
    bytes_read_ += static_cast<uint64_t>(n);
    return absl::OkStatus();
  }
  if (n < 0) {
    if (error_number == EAGAIN || error_number == EWOULDBLOCK) {
      return absl::OkStatus();
    }
    return io.ReceiveFailure("read responses", error_number);
  }
  if (input_.empty()) {
    return io.ExplainEarlyEnd(
        absl::UnavailableError("connection closed by the server"));
  }
  if (frames_seen_ == 0 && OpensWithTlsRecord(input_.readable())) {
    return TlsServerError();
  }
  return absl::UnavailableError(absl::StrCat(
      "connection closed by the server mid-frame (",
      decoder_.BytesMissing(input_), " bytes of a response frame missing)"));
}

absl::Status ResponseReader::DispatchFrames(
    absl::FunctionRef<void(const DecodedResponse&)> deliver,
    absl::FunctionRef<void()> drain) {
  while (true) {
    absl::StatusOr<absl::optional<Frame>> next = decoder_.Next(input_);
    if (!next.ok()) {
      if (frames_seen_ == 0 && OpensWithTlsRecord(input_.readable())) {
        return TlsServerError();
      }
      return absl::ResourceExhaustedError(
          absl::StrCat("read response: ", next.status().message(),
                       " (ChannelOptions::max_frame_size)"));
    }
    if (!next->has_value()) break;
    ++frames_seen_;
    const Frame frame = **next;
    absl::Status decoded =
        DecodeResponse(frame.body, &response_, metadata_limits_);
    if (decoded.code() == absl::StatusCode::kResourceExhausted &&
        response_.call_id != 0) {
      // The frame is sound apart from its metadata: fail just this call.
      response_.status = absl::ResourceExhaustedError(absl::StrCat(
          "response to call ", response_.call_id, ": ", decoded.message(),
          " set by the channel (ChannelOptions::"
          "max_metadata_entries, max_metadata_bytes)"));
      response_.payload = absl::string_view();
      decoded = absl::OkStatus();
    }
    if (!decoded.ok()) {
      return absl::InternalError(
          absl::StrCat("read response: ", decoded.message()));
    }
    if (response_.call_id == 0 && response_.draining &&
        response_.status.ok()) {
      // Not an error: the calls in flight go on (docs/protocol.md, v2).
      drain();
      input_.Retrieve(frame.frame_size);
      continue;
    }
    if (response_.call_id == 0) {
      absl::Status reported = response_.status;
      if (reported.ok()) {
        reported = absl::InternalError(
            "server sent a connection error (call_id 0) with code OK");
      }
      return absl::Status(reported.code(),
                          absl::StrCat("server closed the connection: ",
                                       QuoteForStatus(reported.message())));
    }
    deliver(response_);
    input_.Retrieve(frame.frame_size);
  }
  if (input_.empty()) input_.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace framerpc
