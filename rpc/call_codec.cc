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
using google::protobuf::io::CodedOutputStream;

// Field numbers shared by Request and Response (proto/wire.proto). The
// payload is the highest so that protobuf, and we, write it last.
constexpr int kCallIdField = 1;
constexpr int kMethodOrCodeField = 2;
constexpr int kTimeoutOrMessageField = 3;
constexpr int kMetadataField = 4;
// Response only (version 2).
constexpr int kNotProcessedField = 5;
constexpr int kDrainingField = 6;
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

size_t BoolFieldSize(bool value) { return value ? kTagSize + 1 : 0; }

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

uint8_t* WriteBoolField(int field, bool value, uint8_t* p) {
  if (!value) return p;
  return WireFormatLite::WriteBoolToArray(field, value, p);
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
  const size_t header_size =
      VarintFieldSize(header.call_id) + Int32FieldSize(code) +
      StringFieldSize(message) + MetadataSize(header.metadata) +
      BoolFieldSize(header.not_processed) + BoolFieldSize(header.draining);
  return AppendFrame(
      kResponseType, header_size,
      [&header, code, &message](uint8_t* p) {
        p = WriteVarintField(kCallIdField, header.call_id, p);
        p = WriteInt32Field(kMethodOrCodeField, code, p);
        p = WriteStringField(kTimeoutOrMessageField, message, p);
        p = WriteMetadata(header.metadata, p);
        // Fields 5 and 6 after the metadata, in field order, as protobuf
        // writes them.
        p = WriteBoolField(kNotProcessedField, header.not_processed, p);
        return WriteBoolField(kDrainingField, header.draining, p);
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

// --- Readers for the walk over a body's fields. Each accepts exactly what
// protobuf's own parser accepts, so that the walk and ParseFromArray agree
// on where every field starts and ends: a varint of at most 10 bytes (bits
// past 64 dropped), a tag of at most 5 bytes (bits past 32 dropped), and a
// length of at most 5 bytes and below 2 GiB. CodedInputStream's 32-bit
// reads take 10 bytes and drop the high bits, which once let a payload
// length of 2^32 + n be served as n.

struct Cursor {
  const uint8_t* p;
  const uint8_t* end;
};

bool ReadVarint(Cursor* in, int max_bytes, uint64_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < max_bytes && in->p < in->end; ++i) {
    const uint8_t byte = *in->p++;
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if (byte < 0x80) {
      *value = result;
      return true;
    }
  }
  return false;
}

bool ReadTag(Cursor* in, uint32_t* tag) {
  uint64_t value;
  if (!ReadVarint(in, 5, &value)) return false;
  *tag = static_cast<uint32_t>(value);
  return true;
}

// protobuf refuses lengths this close to INT_MAX (parse_context.h).
constexpr uint64_t kMaxFieldLength = INT_MAX - 16;

bool ReadDelimited(Cursor* in, absl::string_view* bytes) {
  uint64_t length;
  if (!ReadVarint(in, 5, &length) || length > kMaxFieldLength ||
      length > static_cast<uint64_t>(in->end - in->p)) {
    return false;
  }
  *bytes = absl::string_view(reinterpret_cast<const char*>(in->p), length);
  in->p += length;
  return true;
}

// Skips one field whose tag was read. Accepts a superset of what protobuf
// accepts (groups are matched by depth, not by field number, and nest
// without a limit); every byte skipped this way is parsed by protobuf too,
// which rejects what this lets through.
bool SkipField(uint32_t tag, Cursor* in) {
  uint64_t depth = 0;
  while (true) {
    uint64_t ignored;
    absl::string_view bytes;
    switch (tag & 7) {
      case WireFormatLite::WIRETYPE_VARINT:
        if (!ReadVarint(in, 10, &ignored)) return false;
        break;
      case WireFormatLite::WIRETYPE_FIXED64:
        if (in->end - in->p < 8) return false;
        in->p += 8;
        break;
      case WireFormatLite::WIRETYPE_LENGTH_DELIMITED:
        if (!ReadDelimited(in, &bytes)) return false;
        break;
      case WireFormatLite::WIRETYPE_START_GROUP:
        ++depth;
        break;
      case WireFormatLite::WIRETYPE_END_GROUP:
        if (depth == 0) return false;
        --depth;
        break;
      case WireFormatLite::WIRETYPE_FIXED32:
        if (in->end - in->p < 4) return false;
        in->p += 4;
        break;
      default:
        return false;
    }
    if (depth == 0) return true;
    if (in->p == in->end || !ReadTag(in, &tag)) return false;
  }
}

constexpr uint32_t kCallIdTag =
    (kCallIdField << 3) | WireFormatLite::WIRETYPE_VARINT;
constexpr uint32_t kMethodTag =
    (kMethodOrCodeField << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
constexpr uint32_t kMetadataTag =
    (kMetadataField << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
constexpr uint32_t kKeyTag =
    (kKeyField << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
constexpr uint32_t kValueTag =
    (kValueField << 3) | WireFormatLite::WIRETYPE_LENGTH_DELIMITED;

// Adds the key and value sizes of one map entry, as protobuf reads it (the
// last key and the last value win; anything else is skipped). False when
// the entry does not parse even that loosely.
bool AddEntrySize(absl::string_view entry, uint64_t* bytes) {
  Cursor in{reinterpret_cast<const uint8_t*>(entry.data()),
            reinterpret_cast<const uint8_t*>(entry.data()) + entry.size()};
  size_t key_size = 0;
  size_t value_size = 0;
  while (in.p < in.end) {
    uint32_t tag;
    if (!ReadTag(&in, &tag)) return false;
    absl::string_view field;
    if (tag == kKeyTag || tag == kValueTag) {
      if (!ReadDelimited(&in, &field)) return false;
      (tag == kKeyTag ? key_size : value_size) = field.size();
    } else if (!SkipField(tag, &in)) {
      return false;
    }
  }
  *bytes += key_size + value_size;
  return true;
}

// What the walk over a body's top-level fields found.
struct Walk {
  // Byte ranges [first, second) of payload fields, cut out of the header.
  absl::InlinedVector<std::pair<int, int>, 1> payload_fields;
  absl::string_view payload;  // the last payload field's bytes
  // Metadata entries and the sum of their key and value sizes, counted
  // until a limit was crossed; after that, entries and wire bytes only.
  uint64_t metadata_entries = 0;
  uint64_t metadata_bytes = 0;
  uint64_t metadata_wire_bytes = 0;
  bool over_limit = false;
  // For the answer to an over-limit call, whose header is never parsed.
  uint64_t call_id = 0;
  absl::string_view method;  // Request only
};

// Walks the body's top-level fields once, without allocating: finds the
// payload fields and counts the metadata against `limits`. Once a limit is
// crossed, the entries that follow are only skipped, never looked into.
absl::Status WalkBody(absl::string_view body, const MessageLite& header,
                      const MetadataLimits& limits, bool is_request,
                      Walk* walk) {
  if (body.size() > kMaxProtobufSize) {
    return Malformed(header, body.size(), "larger than protobuf can parse");
  }
  const uint8_t* begin = reinterpret_cast<const uint8_t*>(body.data());
  Cursor in{begin, begin + body.size()};
  while (in.p < in.end) {
    const int field_start = static_cast<int>(in.p - begin);
    uint32_t tag;
    if (!ReadTag(&in, &tag) || tag == 0) {
      return Malformed(
          header, body.size(),
          absl::StrCat("invalid field tag at offset ", field_start));
    }
    absl::string_view bytes;
    const bool delimited =
        (tag & 7) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    if (delimited && !ReadDelimited(&in, &bytes)) {
      return Malformed(
          header, body.size(),
          absl::StrCat("field ", tag >> 3, " at offset ", field_start,
                       " runs past the end of the body"));
    }
    if (tag == kPayloadTag) {
      walk->payload = bytes;
      walk->payload_fields.emplace_back(field_start,
                                        static_cast<int>(in.p - begin));
    } else if (tag == kMetadataTag) {
      ++walk->metadata_entries;
      walk->metadata_wire_bytes += bytes.size();
      // The entry that crosses the count is not even looked into.
      if (!walk->over_limit && walk->metadata_entries > limits.max_entries) {
        walk->over_limit = true;
      }
      if (!walk->over_limit) {
        if (!AddEntrySize(bytes, &walk->metadata_bytes)) {
          return Malformed(header, body.size(),
                           absl::StrCat("metadata entry at offset ",
                                        field_start, " does not parse"));
        }
        walk->over_limit = walk->metadata_bytes > limits.max_bytes;
      }
    } else if (is_request && tag == kMethodTag) {
      walk->method = bytes;
    } else if (tag == kCallIdTag) {
      if (!ReadVarint(&in, 10, &walk->call_id)) {
        return Malformed(
            header, body.size(),
            absl::StrCat("truncated call_id at offset ", field_start));
      }
    } else if (!delimited && !SkipField(tag, &in)) {
      return Malformed(header, body.size(),
                       absl::StrCat("truncated or invalid field ", tag >> 3,
                                    " at offset ", field_start));
    }
  }
  return absl::OkStatus();
}

absl::Status OverLimit(absl::string_view type, const Walk& walk,
                       const MetadataLimits& limits) {
  return absl::ResourceExhaustedError(absl::StrCat(
      type, " metadata of ", walk.metadata_entries, " entries (",
      walk.metadata_wire_bytes, " bytes on the wire) exceeds the limit of ",
      limits.max_entries, " entries / ", limits.max_bytes,
      " bytes of keys and values"));
}

// Parses the header fields, everything but the payload fields, into
// `header`: usually the body minus its tail, since the payload comes last.
absl::Status ParseHeader(absl::string_view body, const Walk& walk,
                         MessageLite* header) {
  const int size = static_cast<int>(body.size());
  const auto& payload_fields = walk.payload_fields;
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

absl::Status DecodeRequest(absl::string_view body, DecodedRequest* request,
                           const MetadataLimits& limits) {
  wire::Request& header = ThreadHeader<wire::Request>();
  Walk walk;
  absl::Status status = WalkBody(body, header, limits, true, &walk);
  if (!status.ok()) return status;
  request->payload = walk.payload;
  if (walk.over_limit) {
    request->call_id = walk.call_id;
    request->method.assign(walk.method.data(), walk.method.size());
    request->metadata.clear();
    return OverLimit("request", walk, limits);
  }
  status = ParseHeader(body, walk, &header);
  if (!status.ok()) return status;
  request->call_id = header.call_id();
  request->method.assign(header.method());
  request->timeout_us = header.timeout_us();
  CopyMetadata(header.metadata(), &request->metadata);
  return absl::OkStatus();
}

absl::Status DecodeResponse(absl::string_view body, DecodedResponse* response,
                            const MetadataLimits& limits) {
  wire::Response& header = ThreadHeader<wire::Response>();
  Walk walk;
  response->not_processed = false;
  response->draining = false;
  absl::Status status = WalkBody(body, header, limits, false, &walk);
  if (!status.ok()) return status;
  response->payload = walk.payload;
  if (walk.over_limit) {
    response->call_id = walk.call_id;
    response->metadata.clear();
    return OverLimit("response", walk, limits);
  }
  status = ParseHeader(body, walk, &header);
  if (!status.ok()) return status;
  response->call_id = header.call_id();
  response->status = StatusFromWire(header.code(), header.message());
  CopyMetadata(header.metadata(), &response->metadata);
  response->not_processed = header.not_processed();
  response->draining = header.draining();
  return absl::OkStatus();
}

}  // namespace framerpc
