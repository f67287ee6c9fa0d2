#include "bench/common/protobuf_echo.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"

namespace framerpc {
namespace bench {
namespace {

// Writes `message`, whose cached size is `body_size`, as a frame at `out`.
void WriteFrameAt(const google::protobuf::MessageLite& message,
                  size_t body_size, char* out) {
  EncodeFrameLength(static_cast<uint32_t>(body_size), out);
  message.SerializeWithCachedSizesToArray(
      reinterpret_cast<uint8_t*>(out + kFrameHeaderSize));
}

}  // namespace

void SerializeFrame(const google::protobuf::MessageLite& message,
                    std::string* frame) {
  const size_t body_size = message.ByteSizeLong();
  // Same size as last time (the steady state): no allocation, no zero fill.
  frame->resize(kFrameHeaderSize + body_size);
  WriteFrameAt(message, body_size, frame->data());
}

absl::Status ProtobufEcho::Handle(absl::string_view body) {
  if (!request_.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parse EchoRequest from a ", body.size(), "-byte frame body"));
  }
  reply_.set_payload(request_.payload());
  reply_body_size_ = reply_.ByteSizeLong();
  return absl::OkStatus();
}

size_t ProtobufEcho::reply_frame_size() const {
  return kFrameHeaderSize + reply_body_size_;
}

void ProtobufEcho::WriteReplyFrame(char* out) const {
  WriteFrameAt(reply_, reply_body_size_, out);
}

}  // namespace bench
}  // namespace framerpc
