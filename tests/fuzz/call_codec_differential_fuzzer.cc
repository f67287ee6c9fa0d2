// libFuzzer target: arbitrary bytes as one frame body, through the call
// codec's DecodeRequest and DecodeResponse and through protobuf's own
// parser (wire::Request / wire::Response ParseFromArray). The codec walks
// the body itself to find the payload without copying it, so it must agree
// with protobuf exactly: the same bodies accepted, the same field values
// read. Any disagreement aborts.
//
// Byte 0 picks metadata limits for a second decode: 0 none, else
// (byte % 8) entries and (byte * 4) bytes. Under limits the codec may
// refuse with RESOURCE_EXHAUSTED a body protobuf accepts (it counts entries
// on the wire without parsing past the limit); it must then still agree on
// the call_id (and method), and whatever it accepts must be within the
// limits and equal to protobuf's reading.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"
#include "proto/wire.pb.h"
#include "rpc/call_codec.h"

namespace {

using framerpc::DecodedRequest;
using framerpc::DecodedResponse;
using framerpc::Metadata;
using framerpc::MetadataLimits;

// protobuf logs every invalid UTF-8 string it rejects; fuzzing makes
// millions, which would drown the output and slow the run.
[[maybe_unused]] const bool kQuietProtobuf =
    (google::protobuf::SetLogHandler(nullptr), true);

void Check(bool ok) {
  if (!ok) std::abort();
}

template <typename Map>
bool SameMetadata(const Map& expected, const Metadata& got) {
  if (expected.size() != got.size()) return false;
  for (const auto& [key, value] : expected) {
    auto it = got.find(key);
    if (it == got.end() || it->second != value) return false;
  }
  return true;
}

template <typename Map>
bool WithinLimits(const Map& metadata, const MetadataLimits& limits) {
  uint64_t bytes = 0;
  for (const auto& [key, value] : metadata) bytes += key.size() + value.size();
  return metadata.size() <= limits.max_entries && bytes <= limits.max_bytes;
}

void CompareRequest(absl::string_view body, const MetadataLimits& limits,
                    bool limited) {
  framerpc::wire::Request expected;
  const bool parsed =
      expected.ParseFromArray(body.data(), static_cast<int>(body.size()));
  DecodedRequest got;
  const absl::Status status = framerpc::DecodeRequest(body, &got, limits);
  switch (status.code()) {
    case absl::StatusCode::kOk:
      Check(parsed);
      Check(got.call_id == expected.call_id());
      Check(got.method == expected.method());
      Check(got.timeout_us == expected.timeout_us());
      Check(SameMetadata(expected.metadata(), got.metadata));
      Check(got.payload == expected.payload());
      Check(WithinLimits(expected.metadata(), limits));
      break;
    case absl::StatusCode::kInvalidArgument:
      Check(!parsed);
      break;
    case absl::StatusCode::kResourceExhausted:
      Check(limited);
      if (parsed) {
        Check(got.call_id == expected.call_id());
        Check(got.method == expected.method());
      }
      break;
    default:
      std::abort();
  }
}

void CompareResponse(absl::string_view body, const MetadataLimits& limits,
                     bool limited) {
  framerpc::wire::Response expected;
  const bool parsed =
      expected.ParseFromArray(body.data(), static_cast<int>(body.size()));
  DecodedResponse got;
  const absl::Status status = framerpc::DecodeResponse(body, &got, limits);
  switch (status.code()) {
    case absl::StatusCode::kOk: {
      Check(parsed);
      Check(got.call_id == expected.call_id());
      const int32_t code = expected.code();
      if (code >= 0 &&
          code <= static_cast<int32_t>(absl::StatusCode::kUnauthenticated)) {
        Check(static_cast<int32_t>(got.status.code()) == code);
        if (code != 0) Check(got.status.message() == expected.message());
      } else {
        Check(got.status.code() == absl::StatusCode::kUnknown);
      }
      Check(SameMetadata(expected.metadata(), got.metadata));
      Check(got.payload == expected.payload());
      Check(got.not_processed == expected.not_processed());
      Check(got.draining == expected.draining());
      Check(WithinLimits(expected.metadata(), limits));
      break;
    }
    case absl::StatusCode::kInvalidArgument:
      Check(!parsed);
      break;
    case absl::StatusCode::kResourceExhausted:
      Check(limited);
      if (parsed) Check(got.call_id == expected.call_id());
      break;
    default:
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  const MetadataLimits unlimited;
  CompareRequest(body, unlimited, false);
  CompareResponse(body, unlimited, false);
  if (data[0] != 0) {
    const MetadataLimits limits{data[0] % 8u, data[0] * 4u};
    CompareRequest(body, limits, true);
    CompareResponse(body, limits, true);
  }
  return 0;
}
