// Checks the worked example of docs/protocol.md against the real codec, so
// the document cannot drift from the code.
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "framing/envelope_codec.h"
#include "framing/frame_decoder.h"
#include "gtest/gtest.h"
#include "proto/wire.pb.h"

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

std::string Encoded(const google::protobuf::MessageLite& header,
                    absl::string_view payload) {
  Buffer out;
  EXPECT_TRUE(AppendFrameWithPayloadBytes(header, payload, 1 << 20, &out).ok());
  return std::string(out.readable());
}

constexpr absl::string_view kSayHi = "\x0a\x02hi";

TEST(ProtocolDoc, RequestExample) {
  wire::Request request;
  request.set_call_id(1);
  request.set_method("demo.Echo/Say");
  request.set_timeout_us(200000);
  (*request.mutable_metadata())["x-trace"] = "abc";
  const std::string documented = ExampleBytes("request-frame");
  EXPECT_EQ(absl::BytesToHexString(Encoded(request, kSayHi)),
            absl::BytesToHexString(documented));

  wire::Request decoded;
  absl::string_view payload;
  ASSERT_TRUE(DecodeEnvelope(absl::string_view(documented).substr(4),
                             &decoded, &payload).ok());
  EXPECT_EQ(DecodeFrameLength(documented.data()), 43u);
  EXPECT_EQ(decoded.method(), "demo.Echo/Say");
  EXPECT_EQ(decoded.timeout_us(), 200000u);
  EXPECT_EQ(decoded.metadata().at("x-trace"), "abc");
  EXPECT_EQ(payload, kSayHi);
}

TEST(ProtocolDoc, ResponseExamples) {
  wire::Response ok;
  ok.set_call_id(1);
  EXPECT_EQ(absl::BytesToHexString(Encoded(ok, kSayHi)),
            absl::BytesToHexString(ExampleBytes("response-frame")));

  wire::Response not_found;
  not_found.set_call_id(2);
  not_found.set_code(5);
  not_found.set_message("no such key");
  EXPECT_EQ(absl::BytesToHexString(Encoded(not_found, "")),
            absl::BytesToHexString(ExampleBytes("error-response-frame")));
}

}  // namespace
}  // namespace framerpc
