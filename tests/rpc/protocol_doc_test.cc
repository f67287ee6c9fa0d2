// Checks the worked examples of docs/protocol.md against the call codec, both
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
#include "proto/wire.pb.h"
#include "rpc/call_codec.h"
#include "rpc/control_methods.h"

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

TEST(ProtocolDoc, VersionTwoExamples) {
  Buffer notice;
  ResponseHeader notice_header;
  notice_header.draining = true;
  ASSERT_TRUE(
      EncodeResponse(notice_header, absl::string_view(), 1 << 20, &notice)
          .ok());
  const std::string documented_notice = ExampleBytes("drain-notice-frame");
  EXPECT_EQ(Hex(notice), absl::BytesToHexString(documented_notice));
  DecodedResponse decoded;
  ASSERT_TRUE(
      DecodeResponse(absl::string_view(documented_notice).substr(4), &decoded)
          .ok());
  EXPECT_EQ(decoded.call_id, 0u);
  EXPECT_TRUE(decoded.status.ok());
  EXPECT_TRUE(decoded.draining);
  EXPECT_FALSE(decoded.not_processed);

  Buffer ping;
  ASSERT_TRUE(EncodeRequest(RequestHeader{5, kPingMethod, 0, nullptr},
                            absl::string_view(), 1 << 20, &ping)
                  .ok());
  const std::string documented_ping = ExampleBytes("ping-frame");
  EXPECT_EQ(Hex(ping), absl::BytesToHexString(documented_ping));
  DecodedRequest request;
  ASSERT_TRUE(
      DecodeRequest(absl::string_view(documented_ping).substr(4), &request)
          .ok());
  EXPECT_EQ(request.call_id, 5u);
  EXPECT_EQ(request.method, "framerpc.Control/Ping");
  EXPECT_TRUE(request.payload.empty());

  Buffer ping_answer;
  ASSERT_TRUE(EncodeResponse(ResponseHeader{5, absl::OkStatus(), nullptr},
                             absl::string_view(), 1 << 20, &ping_answer)
                  .ok());
  EXPECT_EQ(Hex(ping_answer),
            absl::BytesToHexString(ExampleBytes("ping-answer-frame")));

  wire::CancelRequest cancel;
  cancel.set_call_id(1);
  Buffer cancel_frame;
  ASSERT_TRUE(EncodeRequest(RequestHeader{6, kCancelMethod, 0, nullptr}, cancel,
                            1 << 20, &cancel_frame)
                  .ok());
  const std::string documented_cancel = ExampleBytes("cancel-frame");
  EXPECT_EQ(Hex(cancel_frame), absl::BytesToHexString(documented_cancel));
  ASSERT_TRUE(
      DecodeRequest(absl::string_view(documented_cancel).substr(4), &request)
          .ok());
  EXPECT_EQ(request.call_id, 6u);
  EXPECT_EQ(request.method, "framerpc.Control/Cancel");
  wire::CancelRequest parsed;
  ASSERT_TRUE(parsed.ParseFromArray(request.payload.data(),
                                    static_cast<int>(request.payload.size())));
  EXPECT_EQ(parsed.call_id(), 1u);

  ResponseHeader refused{7, absl::UnavailableError("draining"), nullptr};
  refused.not_processed = true;
  Buffer refused_frame;
  ASSERT_TRUE(
      EncodeResponse(refused, absl::string_view(), 1 << 20, &refused_frame)
          .ok());
  const std::string documented_refused = ExampleBytes("not-processed-frame");
  EXPECT_EQ(Hex(refused_frame), absl::BytesToHexString(documented_refused));
  ASSERT_TRUE(
      DecodeResponse(absl::string_view(documented_refused).substr(4), &decoded)
          .ok());
  EXPECT_EQ(decoded.call_id, 7u);
  EXPECT_EQ(decoded.status, absl::UnavailableError("draining"));
  EXPECT_TRUE(decoded.not_processed);
  EXPECT_FALSE(decoded.draining);
}

}  // namespace
}  // namespace framerpc
