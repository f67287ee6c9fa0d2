#include "server/call.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/raw_client.h"
#include "tests/server/test_service.pb.h"

namespace framerpc {
namespace internal {
namespace {

using ::testing::HasSubstr;

// The body of an encoded request frame (without the 4-byte prefix).
std::string RequestBody(uint64_t call_id, absl::string_view method,
                        absl::string_view payload, uint64_t timeout_us = 0,
                        const Metadata& metadata = {}) {
  return test::EncodeRequest(call_id, method, payload, timeout_us, metadata)
      .substr(4);
}

TEST(DecodeCall, CopiesEverythingTheWorkerNeeds) {
  const absl::Time received = absl::FromUnixSeconds(1000);
  std::string body = RequestBody(7, "pkg.Svc/Do", "payload bytes", 2500,
                                 {{"k", "v"}, {"bin", std::string("\0\1", 2)}});
  absl::StatusOr<std::unique_ptr<Call>> call =
      DecodeCall(body, 42, "1.2.3.4:5", received);
  ASSERT_TRUE(call.ok()) << call.status();
  body.assign(body.size(), 'X');  // the call must not point into the body
  EXPECT_EQ((*call)->connection_id, 42u);
  EXPECT_EQ((*call)->call_id, 7u);
  EXPECT_EQ((*call)->method, "pkg.Svc/Do");
  EXPECT_EQ((*call)->peer, "1.2.3.4:5");
  EXPECT_EQ((*call)->deadline, received + absl::Microseconds(2500));
  EXPECT_EQ((*call)->metadata,
            (Metadata{{"k", "v"}, {"bin", std::string("\0\1", 2)}}));
  EXPECT_EQ((*call)->payload, "payload bytes");
  EXPECT_EQ((*call)->handler, nullptr);
}

TEST(DecodeCall, NoTimeoutMeansNoDeadlineAndHugeOnesSaturate) {
  absl::StatusOr<std::unique_ptr<Call>> none =
      DecodeCall(RequestBody(1, "a.B/C", ""), 1, "p", absl::Now());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->deadline, absl::InfiniteFuture());
  absl::StatusOr<std::unique_ptr<Call>> huge =
      DecodeCall(RequestBody(1, "a.B/C", "", UINT64_MAX), 1, "p", absl::Now());
  ASSERT_TRUE(huge.ok());
  EXPECT_GT((*huge)->deadline, absl::Now() + absl::Hours(24 * 365 * 1000));
}

TEST(DecodeCall, GarbageAndCallIdZeroAreInvalidArgumentNamingThePeer) {
  const std::string garbage("\xff\xff\xff", 3);
  absl::StatusOr<std::unique_ptr<Call>> bad =
      DecodeCall(garbage, 1, "10.0.0.1:99", absl::Now());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("10.0.0.1:99"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("3-byte"));

  absl::StatusOr<std::unique_ptr<Call>> zero =
      DecodeCall(RequestBody(0, "a.B/C", "x"), 1, "10.0.0.1:99", absl::Now());
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(zero.status().message()), HasSubstr("call_id 0"));
  EXPECT_THAT(std::string(zero.status().message()), HasSubstr("10.0.0.1:99"));
}

// Parses the single frame in `out` as a Response, with plain protobuf so
// that the check does not depend on the codec under test.
wire::Response DecodeResponse(const Buffer& out, std::string* payload) {
  FrameDecoder decoder(kMaxEncodableBodySize);
  absl::StatusOr<absl::optional<Frame>> frame = decoder.Next(out);
  EXPECT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->frame_size, out.readable_bytes());
  wire::Response response;
  EXPECT_TRUE(response.ParseFromArray((*frame)->body.data(),
                                      static_cast<int>((*frame)->body.size())));
  *payload = std::move(*response.mutable_payload());
  response.clear_payload();
  return response;
}

TEST(AppendCallResult, SerializesTheReplyAsThePayload) {
  CallResult result;
  result.call_id = 5;
  result.metadata["m"] = "v";
  auto reply = std::make_unique<test::TestReply>();
  reply->set_text("hello");
  result.response = std::move(reply);
  Buffer out;
  AppendCallResult(result, kMaxEncodableBodySize, &out);
  std::string payload;
  wire::Response response = DecodeResponse(out, &payload);
  EXPECT_EQ(response.call_id(), 5u);
  EXPECT_EQ(response.code(), 0);
  EXPECT_EQ(response.metadata().at("m"), "v");
  test::TestReply parsed;
  ASSERT_TRUE(parsed.ParseFromString(payload));
  EXPECT_EQ(parsed.text(), "hello");
}

TEST(AppendCallResult, TooLargeAResponseBecomesInternal) {
  CallResult result;
  result.method = "pkg.Svc/Big";
  result.call_id = 9;
  auto reply = std::make_unique<test::TestReply>();
  reply->set_text(std::string(1000, 'x'));
  result.response = std::move(reply);
  Buffer out;
  AppendCallResult(result, /*max_body_size=*/100, &out);
  std::string payload;
  wire::Response response = DecodeResponse(out, &payload);
  EXPECT_EQ(response.call_id(), 9u);
  EXPECT_EQ(response.code(), static_cast<int>(absl::StatusCode::kInternal));
  EXPECT_THAT(response.message(), HasSubstr("pkg.Svc/Big"));
  EXPECT_THAT(response.message(), HasSubstr("exceeds the limit"));
  EXPECT_TRUE(payload.empty());
}

TEST(AppendStatusResponse, CarriesOnlyTheStatus) {
  Buffer out;
  AppendStatusResponse(0, absl::ResourceExhaustedError("too big"), &out);
  std::string payload;
  wire::Response response = DecodeResponse(out, &payload);
  EXPECT_EQ(response.call_id(), 0u);
  EXPECT_EQ(response.code(),
            static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(response.message(), "too big");
  EXPECT_TRUE(payload.empty());
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
