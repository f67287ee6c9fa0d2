// Properties of the call codec (rpc/call_codec.h) that every fuzz target
// checks on each message it decodes: what was decoded, encoded again,
// decodes to the same fields, and the payload view lies inside the body.
// A failed check aborts, which libFuzzer reports as a crash.
//
// Stateless; thread-safe (the client fuzzer checks from its peer thread).
#ifndef FRAMERPC_TESTS_FUZZ_CODEC_CHECKS_H_
#define FRAMERPC_TESTS_FUZZ_CODEC_CHECKS_H_

#include <cstdlib>

#include "absl/strings/string_view.h"
#include "framing/buffer.h"
#include "framing/frame_format.h"
#include "rpc/call_codec.h"

namespace framerpc {
namespace fuzz {

inline void CheckInside(absl::string_view inner, absl::string_view outer) {
  if (inner.empty()) return;
  if (inner.data() < outer.data() ||
      inner.data() + inner.size() > outer.data() + outer.size()) {
    std::abort();
  }
}

// The frame of `buffer`, without its length prefix.
inline absl::string_view BodyOf(const Buffer& buffer) {
  return buffer.readable().substr(kFrameHeaderSize);
}

// REQUIRES: `request` was decoded from `body` without error.
inline void CheckRequest(const DecodedRequest& request,
                         absl::string_view body) {
  CheckInside(request.payload, body);
  // The encoder writes every entry out in full, so the limit is the
  // prefix's, not the body's.
  Buffer again;
  const RequestHeader header{request.call_id, request.method,
                             request.timeout_us, &request.metadata};
  if (!EncodeRequest(header, request.payload, kMaxEncodableBodySize, &again)
           .ok()) {
    std::abort();
  }
  DecodedRequest twice;
  if (!DecodeRequest(BodyOf(again), &twice).ok()) std::abort();
  if (twice.call_id != request.call_id || twice.method != request.method ||
      twice.timeout_us != request.timeout_us ||
      twice.metadata != request.metadata || twice.payload != request.payload) {
    std::abort();
  }
}

// REQUIRES: `response` was decoded from `body` without error.
inline void CheckResponse(const DecodedResponse& response,
                          absl::string_view body) {
  CheckInside(response.payload, body);
  Buffer again;
  ResponseHeader header{response.call_id, response.status, &response.metadata};
  header.not_processed = response.not_processed;
  header.draining = response.draining;
  if (!EncodeResponse(header, response.payload, kMaxEncodableBodySize, &again)
           .ok()) {
    std::abort();
  }
  DecodedResponse twice;
  if (!DecodeResponse(BodyOf(again), &twice).ok()) std::abort();
  if (twice.call_id != response.call_id || twice.status != response.status ||
      twice.metadata != response.metadata ||
      twice.not_processed != response.not_processed ||
      twice.draining != response.draining ||
      twice.payload != response.payload) {
    std::abort();
  }
}

}  // namespace fuzz
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_FUZZ_CODEC_CHECKS_H_
