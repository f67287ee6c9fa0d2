#include "client/call_status.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

// A context with an absolute deadline gives a budget measured to the
// nanosecond; the message rounds it to what the caller chose.
TEST(CallStatus, DeadlineExceededNamesTheBudgetAsAPersonReadsIt) {
  const absl::Status status =
      CallDeadlineExceeded("demo.Echo/Say", "127.0.0.1:7000",
                           absl::Nanoseconds(199'723'831), "connect");
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(status.message(),
            "call demo.Echo/Say to 127.0.0.1:7000: deadline exceeded after "
            "200ms (connect)");
}

TEST(CallStatus, CallErrorKeepsTheCauseCodeAndPrefixesTheCall) {
  const absl::Status status =
      CallError(absl::UnavailableError("connect: Connection refused"),
                "demo.Echo/Say", "127.0.0.1:7000");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(
      status.message(),
      "call demo.Echo/Say to 127.0.0.1:7000: connect: Connection refused");
}

// framerpc_cli tells "nobody answered" (exit 3) from an UNAVAILABLE a
// server sent (exit 1) by this mark.
TEST(CallStatus, EveryClientMadeStatusIsMarkedAndAServersIsNot) {
  EXPECT_TRUE(IsClientMade(CallError(absl::StatusCode::kUnavailable,
                                     "demo.Echo/Say", "127.0.0.1:7000",
                                     "connect: Connection refused")));
  EXPECT_TRUE(IsClientMade(
      CallError(absl::UnavailableError("read: EOF"), "m", "t")));
  EXPECT_TRUE(IsClientMade(
      CallDeadlineExceeded("demo.Echo/Say", "t", absl::Seconds(1))));
  EXPECT_FALSE(IsClientMade(absl::UnavailableError("backend down")));
  EXPECT_FALSE(IsClientMade(absl::OkStatus()));
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
