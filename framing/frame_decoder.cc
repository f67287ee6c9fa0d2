#include "framing/frame_decoder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "framing/frame_format.h"

namespace framerpc {

uint32_t DecodeFrameLength(const char* p) {
  uint32_t big_endian;
  std::memcpy(&big_endian, p, sizeof(big_endian));
  return ntohl(big_endian);
}

void EncodeFrameLength(uint32_t length, char* p) {
  const uint32_t big_endian = htonl(length);
  std::memcpy(p, &big_endian, sizeof(big_endian));
}

absl::StatusOr<absl::optional<Frame>> FrameDecoder::Next(
    const Buffer& buffer) const {
  if (buffer.readable_bytes() < kFrameHeaderSize) return absl::nullopt;
  const size_t length = DecodeFrameLength(buffer.peek());
  if (length > max_body_size_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("frame body of ", length, " bytes exceeds the limit of ",
                     max_body_size_, " bytes"));
  }
  const size_t frame_size = kFrameHeaderSize + length;
  if (buffer.readable_bytes() < frame_size) return absl::nullopt;
  return Frame{absl::string_view(buffer.peek() + kFrameHeaderSize, length),
               frame_size};
}

size_t FrameDecoder::BytesMissing(const Buffer& buffer) const {
  const size_t have = buffer.readable_bytes();
  if (have < kFrameHeaderSize) return kFrameHeaderSize - have;
  const size_t length =
      std::min<size_t>(DecodeFrameLength(buffer.peek()), max_body_size_);
  const size_t frame_size = kFrameHeaderSize + length;
  return have >= frame_size ? 0 : frame_size - have;
}

}  // namespace framerpc
