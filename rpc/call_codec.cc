#include "rpc/call_codec.h"

#include <algorithm>
#include <cassert>
#include <climits>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "proto/wire.pb.h"
#include "rpc/quote_for_status.h"
#include "rpc/utf8.h"

namespace framerpc {
namespace {

using google::protobuf::MessageLite;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

// Field numbers shared by Request and Response (proto/wire.proto). The
// payload is the highest so that protobuf, and we, write it last.
constexpr int kCallIdField = 1;
constexpr int kMethodOrCodeField = 2;
constexpr int kTimeoutOrMessageField = 3;
constexpr int kMetadataField = 4;
constexpr int kPayloadField = 15;
// A map entry's own fields.
constexpr int kKeyField = 1;
constexpr int kValueField = 2;

constexpr uint32_t kPayloadTag =
    (kPayloadField << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;

constexpr absl::string_view kRequestType = "framerpc.wire.Request";
constexpr absl::string_view kResponseType = "framerpc.wire.Response";

// Protobuf cannot serialize or parse a message of 2 GiB or more.
constexpr size_t kMaxProtobufSize = INT_MAX;

// Every field number here is below 16, so each tag is one byte.
constexpr size_t kTagSize = 1;

uint8_t* AsBytes(char* p) { return reinterpret_cast<uint8_t*>(p); }

// --- Sizes of header fields on the wire; 0 for a default (unwritten) one.

size_t VarintFieldSize(uint64_t value) {
  return value == 0 ? 0 : kTagSize + CodedOutputStream::VarintSize64(value);
}

size_t Int32FieldSize(int32_t value) {
  return value == 0 ? 0 : kTagSize + WireFormatLite::Int32Size(value);
}

size_t DelimitedSize(size_t length) {
  return CodedOutputStream::VarintSize64(length) + length;
}

size_t StringFieldSize(absl::string_view value) {
  return value.empty() ? 0 : kTagSize + DelimitedSize(value.size());
}

// A map entry always carries both its key and its value, as protobuf
// writes it.
size_t MapEntrySize(const std::string& key, const std::string& value) {
  return kTagSize + DelimitedSize(key.size()) + kTagSize +
         DelimitedSize(value.size());
}

size_t MetadataSize(const Metadata* metadata) {
  if (metadata == nullptr) return 0;
  size_t size = 0;
  for (const auto& [key, value] : *metadata) {
    size += kTagSize + DelimitedSize(MapEntrySize(key, value));
  }
  return size;
}

size_t PayloadFieldSize(size_t payload_size) {
  return payload_size == 0 ? 0 : kTagSize + DelimitedSize(payload_size);
}

// --- Writers for the same fields; each returns the end of what it wrote.

uint8_t* WriteVarintField(int field, uint64_t value, uint8_t* p) {
  if (value == 0) return p;
  return WireFormatLite::WriteUInt64ToArray(field, value, p);
}

uint8_t* WriteInt32Field(int field, int32_t value, uint8_t* p) {
  if (value == 0) return p;
  return WireFormatLite::WriteInt32ToArray(field, value, p);
}

uint8_t* WriteDelimited(int field, absl::string_view value, uint8_t* p) {
  p = WireFormatLite::WriteTagToArray(
      field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, p);
  p = CodedOutputStream::WriteVarint64ToArray(value.size(), p);
  return CodedOutputStream::WriteRawToArray(value.data(),
                                            static_cast<int>(value.size()), p);
}

uint8_t* WriteStringField(int field, absl::string_view value, uint8_t* p) {
  return value.empty() ? p : WriteDelimited(field, value, p);
}

uint8_t* WriteMetadata(const Metadata* metadata, uint8_t* p) {
  if (metadata == nullptr) return p;
  for (const auto& [key, value] : *metadata) {
    p = WireFormatLite::WriteTagToArray(
        kMetadataField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, p);
    p = CodedOutputStream::WriteVarint64ToArray(MapEntrySize(key, value), p);
    p = WriteDelimited(kKeyField, key, p);
    p = WriteDelimited(kValueField, value, p);
  }
  return p;
}

absl::Status CheckBodySize(absl::string_view type, size_t body_size,
                           size_t max_body_size) {
  const size_t limit =
      std::min({max_body_size, kMaxEncodableBodySize, kMaxProtobufSize});
  if (body_size <= limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("encode ", type, " frame: body of ", body_size,
                   " bytes exceeds the limit of ", limit, " bytes"));
}

// Appends one frame: the prefix, `header_size` bytes of header fields
// written by `write_header(p)`, then the payload field, its bytes written
// by `write_payload(p)`. Both return the end of what they wrote.
template <typename WriteHeader, typename WritePayload>
absl::Status AppendFrame(absl::string_view type, size_t header_size,
                         WriteHeader write_header, size_t payload_size,
                         WritePayload write_payload, size_t max_body_size,
                         Buffer* out) {
  const size_t body_size = header_size + PayloadFieldSize(payload_size);
  absl::Status status = CheckBodySize(type, body_size, max_body_size);
  if (!status.ok()) return status;

  out->EnsureWritable(kFrameHeaderSize + body_size);
  char* begin = out->BeginWrite();
  EncodeFrameLength(static_cast<uint32_t>(body_size), begin);
  uint8_t* p = write_header(AsBytes(begin + kFrameHeaderSize));
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

template <typename WritePayload>
absl::Status AppendRequest(const RequestHeader& header, size_t payload_size,
                           WritePayload write_payload, size_t max_body_size,
                           Buffer* out) {
  const size_t header_size =
      VarintFieldSize(header.call_id) + StringFieldSize(header.method) +
      VarintFieldSize(header.timeout_us) + MetadataSize(header.metadata);
  return AppendFrame(
      kRequestType, header_size,
      [&header](uint8_t* p) {
        p = WriteVarintField(kCallIdField, header.call_id, p);
        p = WriteStringField(kMethodOrCodeField, header.method, p);
        p = WriteVarintField(kTimeoutOrMessageField, header.timeout_us, p);
        return WriteMetadata(header.metadata, p);
      },
      payload_size, write_payload, max_body_size, out);
}

template <typename WritePayload>
absl::Status AppendResponse(const ResponseHeader& header, size_t payload_size,
                            WritePayload write_payload, size_t max_body_size,
                            Buffer* out) {
  const int32_t code = static_cast<int32_t>(header.status.code());
  // A handler may put any bytes in its message; the field is a proto3
  // string, which the client could not parse unless it is UTF-8.
  const std::string message = header.status.ok()
                                  ? std::string()
                                  : ValidUtf8OrEscaped(header.status.message());
  const size_t header_size = VarintFieldSize(header.call_id) +
                             Int32FieldSize(code) + StringFieldSize(message) +
                             MetadataSize(header.metadata);
  return AppendFrame(
      kResponseType, header_size,
      [&header, code, &message](uint8_t* p) {
        p = WriteVarintField(kCallIdField, header.call_id, p);
        p = WriteInt32Field(kMethodOrCodeField, code, p);
        p = WriteStringField(kTimeoutOrMessageField, message, p);
        return WriteMetadata(header.metadata, p);
      },
      payload_size, write_payload, max_body_size, out);
}

auto MessageWriter(const MessageLite& payload) {
  return [&payload](uint8_t* p) {
    return payload.SerializeWithCachedSizesToArray(p);
  };
}

auto BytesWriter(absl::string_view payload) {
  return [payload](uint8_t* p) {
    return CodedOutputStream::WriteRawToArray(
        payload.data(), static_cast<int>(payload.size()), p);
  };
}

absl::Status Malformed(const MessageLite& header, size_t body_size,
                       absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("decode ", header.GetTypeName(), " from a ", body_size,
                   "-byte frame body: ", why));
}

// Parses a body into `header` (whose payload field stays empty) and
// `*payload`, a view into `body`. The payload field is found by walking the
// top-level fields, and the header is parsed without it: usually the body
// minus its tail, since the payload comes last.
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
      return Malformed(
          *header, body.size(),
          absl::StrCat("invalid field tag at offset ", field_start));
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

// The header messages decoding parses into, one per thread, so that their
// strings and maps keep their storage from one call to the next.
template <typename Header>
Header& ThreadHeader() {
  thread_local Header header;
  return header;
}

template <typename Map>
void CopyMetadata(const Map& from, Metadata* to) {
  to->clear();
  for (const auto& entry : from) to->emplace(entry.first, entry.second);
}

absl::Status StatusFromWire(int32_t code, absl::string_view message) {
  constexpr int32_t kLastCode =
      static_cast<int32_t>(absl::StatusCode::kUnauthenticated);
  if (code == 0) return absl::OkStatus();
  if (code < 0 || code > kLastCode) {
    return absl::UnknownError(absl::StrCat(
        "peer sent unknown status code ", code, ": ", QuoteForStatus(message)));
  }
  return absl::Status(static_cast<absl::StatusCode>(code), message);
}

}  // namespace

absl::Status EncodeRequest(const RequestHeader& header,
                           const MessageLite& payload, size_t max_body_size,
                           Buffer* out) {
  return AppendRequest(header, payload.ByteSizeLong(), MessageWriter(payload),
                       max_body_size, out);
}

absl::Status EncodeRequest(const RequestHeader& header,
                           absl::string_view payload, size_t max_body_size,
                           Buffer* out) {
  return AppendRequest(header, payload.size(), BytesWriter(payload),
                       max_body_size, out);
}

absl::Status EncodeResponse(const ResponseHeader& header,
                            const MessageLite* payload, size_t max_body_size,
                            Buffer* out) {
  if (payload == nullptr) {
    return AppendResponse(header, 0, BytesWriter(absl::string_view()),
                          max_body_size, out);
  }
  return AppendResponse(header, payload->ByteSizeLong(),
                        MessageWriter(*payload), max_body_size, out);
}

absl::Status EncodeResponse(const ResponseHeader& header,
                            absl::string_view payload, size_t max_body_size,
                            Buffer* out) {
  return AppendResponse(header, payload.size(), BytesWriter(payload),
                        max_body_size, out);
}

absl::Status DecodeRequest(absl::string_view body, DecodedRequest* request) {
  wire::Request& header = ThreadHeader<wire::Request>();
  absl::Status status = DecodeEnvelope(body, &header, &request->payload);
  if (!status.ok()) return status;
  request->call_id = header.call_id();
  request->method.assign(header.method());
  request->timeout_us = header.timeout_us();
  CopyMetadata(header.metadata(), &request->metadata);
  return absl::OkStatus();
}

absl::Status DecodeResponse(absl::string_view body, DecodedResponse* response) {
  wire::Response& header = ThreadHeader<wire::Response>();
  absl::Status status = DecodeEnvelope(body, &header, &response->payload);
  if (!status.ok()) return status;
  response->call_id = header.call_id();
  response->status = StatusFromWire(header.code(), header.message());
  CopyMetadata(header.metadata(), &response->metadata);
  return absl::OkStatus();
}

}  // namespace framerpc
