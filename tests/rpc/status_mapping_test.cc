#include "rpc/status_mapping.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "proto/wire.pb.h"

namespace framerpc {
namespace {

struct Row {
  absl::StatusCode code;
  int wire;
};

// gRPC's numbers, which the protocol promises.
const std::vector<Row> kTable = {
    {absl::StatusCode::kOk, 0},
    {absl::StatusCode::kCancelled, 1},
    {absl::StatusCode::kUnknown, 2},
    {absl::StatusCode::kInvalidArgument, 3},
    {absl::StatusCode::kDeadlineExceeded, 4},
    {absl::StatusCode::kNotFound, 5},
    {absl::StatusCode::kAlreadyExists, 6},
    {absl::StatusCode::kPermissionDenied, 7},
    {absl::StatusCode::kResourceExhausted, 8},
    {absl::StatusCode::kFailedPrecondition, 9},
    {absl::StatusCode::kAborted, 10},
    {absl::StatusCode::kOutOfRange, 11},
    {absl::StatusCode::kUnimplemented, 12},
    {absl::StatusCode::kInternal, 13},
    {absl::StatusCode::kUnavailable, 14},
    {absl::StatusCode::kDataLoss, 15},
    {absl::StatusCode::kUnauthenticated, 16},
};

TEST(StatusMapping, EveryCodeRoundTripsWithItsNumberAndMessage) {
  for (const Row& row : kTable) {
    const absl::Status status(row.code, row.wire == 0 ? "" : "why it failed");
    wire::Response response;
    StatusToWire(status, &response);
    EXPECT_EQ(response.code(), row.wire) << status;
    EXPECT_EQ(response.message(), status.message());
    wire::Response parsed;
    ASSERT_TRUE(parsed.ParseFromString(response.SerializeAsString()));
    EXPECT_EQ(StatusFromWire(parsed.code(), parsed.message()), status);
  }
}

TEST(StatusMapping, OkCarriesNoMessage) {
  wire::Response response;
  response.set_message("stale");
  StatusToWire(absl::OkStatus(), &response);
  EXPECT_EQ(response.code(), 0);
  EXPECT_TRUE(response.message().empty());
}

TEST(StatusMapping, UnknownNumbersBecomeUnknownNeverOk) {
  for (int code : {-1, 17, 1000}) {
    absl::Status status = StatusFromWire(code, "odd");
    EXPECT_EQ(status.code(), absl::StatusCode::kUnknown) << code;
    EXPECT_NE(status.message().find(std::to_string(code)), std::string::npos);
    EXPECT_NE(status.message().find("odd"), std::string::npos);
  }
}

TEST(StatusMapping, NonUtf8MessageIsEscapedSoThePeerCanParseIt) {
  wire::Response response;
  StatusToWire(absl::InternalError("bad \xff\xfe byte"), &response);
  EXPECT_EQ(response.message(), "bad \\xff\\xfe byte");
  wire::Response parsed;
  EXPECT_TRUE(parsed.ParseFromString(response.SerializeAsString()));
}

}  // namespace
}  // namespace framerpc
