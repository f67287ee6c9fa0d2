// Checks the worked example of docs/protocol.md against the call codec, both
// ways, so the document cannot drift from the code.
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"
#include "gtest/gtest.h"
#include "rpc/call_codec.h"

namespace framerpc {
namespace {

// The bytes of the ```hex <label> block in docs/protocol.md.
std::string ExampleBytes(const std::string& label) {
  std::ifstream file(FRAMERPC_SOURCE_DIR "/docs/protocol.md");
  EXPECT_TRUE(file.good()) << "cannot open docs/protocol.md";
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const std::string fence = absl::StrCat("```hex ", label, "\n");
  const size_t start = doc.find(fence);
  EXPECT_NE(start, std::string::npos) << "no block " << label;
  if (start == std::string::npos) return "";
  const size_t end = doc.find("```", start + fence.size());
  std::string hex = absl::StrReplaceAll(
      doc.substr(start + fence.size(), end - start - fence.size()),
      {{" ", ""}, {"\n", ""}});
  return absl::HexStringToBytes(hex);
}

constexpr absl::string_view kSayHi = "\x0a\x02hi";

std::string Hex(const Buffer& frame) {
  return absl::BytesToHexString(frame.readable());
}

TEST(ProtocolDoc, RequestExample) {
  const Metadata metadata = {{"x-trace", "abc"}};
  Buffer frame;
  ASSERT_TRUE(
      EncodeRequest(RequestHeader{1, "demo.Echo/Say", 200000, &metadata},
                    kSayHi, 1 << 20, &frame)
          .ok());
  const std::string documented = ExampleBytes("request-frame");
  EXPECT_EQ(Hex(frame), absl::BytesToHexString(documented));

  DecodedRequest decoded;
  ASSERT_TRUE(
      DecodeRequest(absl::string_view(documented).substr(4), &decoded).ok());
  EXPECT_EQ(DecodeFrameLength(documented.data()), 43u);
  EXPECT_EQ(decoded.call_id, 1u);
  EXPECT_EQ(decoded.method, "demo.Echo/Say");
  EXPECT_EQ(decoded.timeout_us, 200000u);
  EXPECT_EQ(decoded.metadata, metadata);
  EXPECT_EQ(decoded.payload, kSayHi);
}

TEST(ProtocolDoc, ResponseExamples) {
  Buffer ok;
  ASSERT_TRUE(EncodeResponse(ResponseHeader{1, absl::OkStatus(), nullptr},
                             kSayHi, 1 << 20, &ok)
                  .ok());
  const std::string documented_ok = ExampleBytes("response-frame");
  EXPECT_EQ(Hex(ok), absl::BytesToHexString(documented_ok));
  DecodedResponse decoded;
  ASSERT_TRUE(
      DecodeResponse(absl::string_view(documented_ok).substr(4), &decoded)
          .ok());
  EXPECT_EQ(decoded.call_id, 1u);
  EXPECT_TRUE(decoded.status.ok());
  EXPECT_EQ(decoded.payload, kSayHi);

  Buffer not_found;
  ASSERT_TRUE(
      EncodeResponse(
          ResponseHeader{2, absl::NotFoundError("no such key"), nullptr},
          absl::string_view(), 1 << 20, &not_found)
          .ok());
  const std::string documented_error = ExampleBytes("error-response-frame");
  EXPECT_EQ(Hex(not_found), absl::BytesToHexString(documented_error));
  ASSERT_TRUE(
      DecodeResponse(absl::string_view(documented_error).substr(4), &decoded)
          .ok());
  EXPECT_EQ(decoded.call_id, 2u);
  EXPECT_EQ(decoded.status, absl::NotFoundError("no such key"));
  EXPECT_TRUE(decoded.payload.empty());
}

}  // namespace
}  // namespace framerpc
