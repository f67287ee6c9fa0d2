// libFuzzer target: arbitrary bytes as one connection's input stream, split
// into reads at positions the input itself chooses, through FrameDecoder and
// the call codec's decoders for both message types. Nothing may crash, hang,
// leak or read out of bounds; every decoded payload lies inside its frame,
// and every decoded message survives encoding and decoding again
// (codec_checks.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "framing/buffer.h"
#include "framing/frame_decoder.h"
#include "google/protobuf/stubs/logging.h"
#include "rpc/call_codec.h"
#include "tests/fuzz/codec_checks.h"

namespace {

// protobuf logs every invalid UTF-8 string it rejects; fuzzing makes
// millions, which would drown the output and slow the run.
[[maybe_unused]] const bool kQuietProtobuf =
    (google::protobuf::SetLogHandler(nullptr), true);

constexpr size_t kMaxBody = 1 << 16;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the read size, so the corpus explores splits.
  const size_t step = 1 + data[0] % 64;
  absl::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  framerpc::FrameDecoder decoder(kMaxBody);
  framerpc::Buffer buffer(16);
  for (size_t at = 0; at < stream.size(); at += step) {
    buffer.EnsureWritable(decoder.BytesMissing(buffer));
    buffer.Append(stream.substr(at, step));
    while (true) {
      auto frame = decoder.Next(buffer);
      if (!frame.ok()) return 0;  // over the limit: the connection would close
      if (!frame->has_value()) break;
      const absl::string_view body = (*frame)->body;
      framerpc::DecodedRequest request;
      if (framerpc::DecodeRequest(body, &request).ok()) {
        framerpc::fuzz::CheckRequest(request, body);
      }
      framerpc::DecodedResponse response;
      if (framerpc::DecodeResponse(body, &response).ok()) {
        framerpc::fuzz::CheckResponse(response, body);
      }
      buffer.Retrieve((*frame)->frame_size);
    }
  }
  return 0;
}
