#include "framing/envelope_codec.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace framerpc {
namespace {

using google::protobuf::MessageLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

constexpr uint32_t kPayloadTag =
    (kPayloadFieldNumber << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;

// Protobuf cannot serialize or parse a message of 2 GiB or more.
constexpr size_t kMaxProtobufSize = INT_MAX;

uint8_t* AsBytes(char* p) { return reinterpret_cast<uint8_t*>(p); }

absl::Status CheckBodySize(const MessageLite& header, size_t body_size,
                           size_t max_body_size) {
  const size_t limit =
      std::min({max_body_size, kMaxEncodableBodySize, kMaxProtobufSize});
  if (body_size <= limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("encode ", header.GetTypeName(), " frame: body of ",
                   body_size, " bytes exceeds the limit of ", limit, " bytes"));
}

// Size of the payload field on the wire: tag, length, bytes; nothing when
// the payload is empty.
size_t PayloadFieldSize(size_t payload_size) {
  if (payload_size == 0) return 0;
  return CodedOutputStream::VarintSize32(kPayloadTag) +
         CodedOutputStream::VarintSize64(payload_size) + payload_size;
}

// Writes prefix, header and payload field; `write_payload(p)` writes the
// payload's bytes at p and returns the end.
template <typename WritePayload>
absl::Status AppendFrameImpl(const MessageLite& header, size_t payload_size,
                             WritePayload write_payload, size_t max_body_size,
                             Buffer* out) {
  const size_t header_size = header.ByteSizeLong();
  const size_t body_size = header_size + PayloadFieldSize(payload_size);
  absl::Status status = CheckBodySize(header, body_size, max_body_size);
  if (!status.ok()) return status;

  out->EnsureWritable(kFrameHeaderSize + body_size);
  char* begin = out->BeginWrite();
  EncodeFrameLength(static_cast<uint32_t>(body_size), begin);
  uint8_t* p = AsBytes(begin + kFrameHeaderSize);
  p = header.SerializeWithCachedSizesToArray(p);
  if (payload_size > 0) {
    p = CodedOutputStream::WriteVarint32ToArray(kPayloadTag, p);
    p = CodedOutputStream::WriteVarint64ToArray(payload_size, p);
    p = write_payload(p);
  }
  const size_t written = static_cast<size_t>(p - AsBytes(begin));
  assert(written == kFrameHeaderSize + body_size);
  out->HasWritten(written);
  return absl::OkStatus();
}

absl::Status Malformed(const MessageLite& header, size_t body_size,
                       absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("decode ", header.GetTypeName(), " from a ", body_size,
                   "-byte frame body: ", why));
}

}  // namespace

absl::Status AppendFrame(const MessageLite& header, const MessageLite* payload,
                         size_t max_body_size, Buffer* out) {
  if (payload == nullptr) {
    return AppendFrameImpl(
        header, 0, [](uint8_t* p) { return p; }, max_body_size, out);
  }
  const size_t payload_size = payload->ByteSizeLong();
  return AppendFrameImpl(
      header, payload_size,
      [payload](uint8_t* p) {
        return payload->SerializeWithCachedSizesToArray(p);
      },
      max_body_size, out);
}

absl::Status AppendFrameWithPayloadBytes(const MessageLite& header,
                                         absl::string_view payload,
                                         size_t max_body_size, Buffer* out) {
  return AppendFrameImpl(
      header, payload.size(),
      [payload](uint8_t* p) {
        return CodedOutputStream::WriteRawToArray(payload.data(),
                                                  payload.size(), p);
      },
      max_body_size, out);
}

absl::Status DecodeEnvelope(absl::string_view body, MessageLite* header,
                            absl::string_view* payload) {
  *payload = absl::string_view();
  if (body.size() > kMaxProtobufSize) {
    return Malformed(*header, body.size(), "larger than protobuf can parse");
  }
  const int size = static_cast<int>(body.size());
  CodedInputStream input(reinterpret_cast<const uint8_t*>(body.data()), size);
  // Byte ranges [first, second) of payload fields, cut out of the header.
  absl::InlinedVector<std::pair<int, int>, 1> payload_fields;
  while (true) {
    const int field_start = input.CurrentPosition();
    const uint32_t tag = input.ReadTag();
    if (tag == 0) {
      if (input.CurrentPosition() == size) break;
      return Malformed(*header, body.size(),
                       absl::StrCat("invalid field tag at offset ",
                                    field_start));
    }
    if (tag != kPayloadTag) {
      if (!WireFormatLite::SkipField(&input, tag)) {
        return Malformed(*header, body.size(),
                         absl::StrCat("truncated or invalid field ", tag >> 3,
                                      " at offset ", field_start));
      }
      continue;
    }
    uint32_t length;
    if (!input.ReadVarint32(&length) ||
        length > static_cast<uint32_t>(size - input.CurrentPosition())) {
      return Malformed(*header, body.size(),
                       absl::StrCat("payload field at offset ", field_start,
                                    " runs past the end of the body"));
    }
    const int payload_start = input.CurrentPosition();
    input.Skip(static_cast<int>(length));
    *payload = body.substr(payload_start, length);
    payload_fields.emplace_back(field_start, payload_start + length);
  }

  bool parsed;
  if (payload_fields.empty()) {
    parsed = header->ParseFromArray(body.data(), size);
  } else if (payload_fields.size() == 1 && payload_fields[0].second == size) {
    // The usual layout: the payload is last, so the header is a prefix.
    parsed = header->ParseFromArray(body.data(), payload_fields[0].first);
  } else {
    std::string rest;
    int from = 0;
    for (const auto& field : payload_fields) {
      rest.append(body.data() + from, field.first - from);
      from = field.second;
    }
    rest.append(body.data() + from, size - from);
    parsed = header->ParseFromString(rest);
  }
  if (!parsed) {
    return Malformed(*header, body.size(), "header fields do not parse");
  }
  return absl::OkStatus();
}

}  // namespace framerpc
