// The call codec: the one place that turns a call into a Request or Response
// frame and back (docs/protocol.md, sections 2 and 3), used by the server and
// the client alike. Callers speak in wire terms (call id, method, timeout,
// metadata, status, payload); the protobuf header messages stay in here.
//
// The user's message never goes through a `bytes` string. Encoding writes
// the header fields, then the payload field's tag and length, then
// serializes the message straight into the output Buffer behind them, and
// finally fills in the length prefix in the space reserved in front. The
// bytes equal what protobuf would write with the payload set (metadata
// entries in key order). Decoding walks the body's fields once and returns
// the payload as a view into the body, so the caller parses its message in
// place; only the small header fields are parsed and copied.
//
// Status travels as absl::StatusCode numbers (gRPC's) and a message; this is
// the only mapping between the two, tested as a table.
//
// Stateless functions; thread-safe as long as the arguments are not shared.
// Decoding reuses a header message per thread, so a steady stream of calls
// does not allocate for it.
#ifndef FRAMERPC_RPC_CALL_CODEC_H_
#define FRAMERPC_RPC_CALL_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "framerpc/metadata.h"
#include "framing/buffer.h"
#include "google/protobuf/message_lite.h"

namespace framerpc {

// What a Request carries besides the user's message, as a sender has it.
// Borrowed for the duration of the Encode call.
struct RequestHeader {
  uint64_t call_id = 0;
  absl::string_view method;            // "package.Service/Method"
  uint64_t timeout_us = 0;             // 0: no deadline
  const Metadata* metadata = nullptr;  // null: none
};

// What a Response carries besides the reply, as a sender has it.
// Borrowed for the duration of the Encode call.
struct ResponseHeader {
  uint64_t call_id = 0;  // 0: a connection-level message
  // Travels as its code and, unless OK, its message (escaped if it is not
  // valid UTF-8, which the peer could not parse as a proto3 string).
  absl::Status status;
  const Metadata* metadata = nullptr;  // null: none
  // Version 2 (docs/protocol.md, section 7): no handler ran for this call.
  bool not_processed = false;
  // Version 2: with call_id 0 and an OK status, the drain notice.
  bool draining = false;
};

// A received Request. Owns its fields except `payload`.
struct DecodedRequest {
  uint64_t call_id = 0;  // 0 is decoded as sent; the server rejects it
  std::string method;
  uint64_t timeout_us = 0;
  Metadata metadata;
  // The serialized request message, a view into the decoded body, valid as
  // long as the body is; empty when the field is absent.
  absl::string_view payload;
};

// A received Response. Owns its fields except `payload`.
struct DecodedResponse {
  uint64_t call_id = 0;
  // A code outside absl's range (a newer or broken peer) becomes UNKNOWN
  // with the number kept in the message, so it is never taken for success.
  absl::Status status;
  Metadata metadata;
  // Version 2 flags, false when absent (a version 1 server never sets
  // them). A call_id 0 response with `draining` set is the drain notice,
  // not a connection error.
  bool not_processed = false;
  bool draining = false;
  // The serialized reply, a view into the decoded body, valid as long as
  // the body is; empty when the field is absent.
  absl::string_view payload;
};

// Each Encode appends one whole frame to `out`: the length prefix, the
// header's fields, then the payload. An empty payload is omitted, as
// protobuf omits an empty bytes field. Fails RESOURCE_EXHAUSTED, naming the
// message type and the sizes, when the body would exceed `max_body_size`
// (or the 32-bit prefix, or protobuf's 2 GiB); `out` is then unchanged.

// `payload` is serialized in place.
absl::Status EncodeRequest(const RequestHeader& header,
                           const google::protobuf::MessageLite& payload,
                           size_t max_body_size, Buffer* out);
// `payload` is already serialized (tools, forwarding, tests).
absl::Status EncodeRequest(const RequestHeader& header,
                           absl::string_view payload, size_t max_body_size,
                           Buffer* out);

// `payload` is serialized in place; null sends none (a failed call).
absl::Status EncodeResponse(const ResponseHeader& header,
                            const google::protobuf::MessageLite* payload,
                            size_t max_body_size, Buffer* out);
// `payload` is already serialized; pass an empty view to send none.
absl::Status EncodeResponse(const ResponseHeader& header,
                            absl::string_view payload, size_t max_body_size,
                            Buffer* out);

// How much metadata a decoder takes from one call, counted on the wire:
// every map entry sent (a repeated key counts each time) and the sum of
// their key and value sizes. The defaults take everything.
struct MetadataLimits {
  uint64_t max_entries = UINT64_MAX;
  uint64_t max_bytes = UINT64_MAX;
};

// Each Decode parses one frame body (the bytes after the length prefix) and
// accepts exactly the bodies protobuf's parser accepts, reading the same
// values: fields may come in any order, the last payload field wins and
// unknown fields are skipped.
//
// Fails INVALID_ARGUMENT, naming the message type, the body size and what
// is wrong, when the body is not a valid message of that type; `*request`
// or `*response` is then partly written and should not be used.
//
// Fails RESOURCE_EXHAUSTED, naming the entries and bytes sent and the
// limits, when the metadata crosses `limits`. The metadata is counted while
// the body is walked, without being copied, and entries past the limit are
// only skipped. Then only `call_id` (and the request's `method`) are set,
// from the last such field on the wire, so the caller can answer or fail
// that one call; `metadata` is empty. Such a body is not checked further
// than its framing (field tags and lengths): protobuf might reject it for
// a bad string or group deeper inside.
absl::Status DecodeRequest(absl::string_view body, DecodedRequest* request,
                           const MetadataLimits& limits = MetadataLimits());
absl::Status DecodeResponse(absl::string_view body, DecodedResponse* response,
                            const MetadataLimits& limits = MetadataLimits());

}  // namespace framerpc

#endif  // FRAMERPC_RPC_CALL_CODEC_H_
