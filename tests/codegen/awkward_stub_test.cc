// The client side of the code generated for protos/, without a server: the
// Stub is a cheap copyable handle on its channel, both forms of every method
// compile with keyword names and awkward types, and a call that cannot
// connect comes back UNAVAILABLE through either form. Built only when the
// tree has framerpc_client (the generated Stub calls Channel::Call).
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "framerpc/channel.h"
#include "framerpc/client_context.h"
#include "gtest/gtest.h"
#include "tests/codegen/awkward_impls.h"
#include "tests/codegen/test_files.h"

namespace framerpc {
namespace codegen_test {
namespace {

// A channel to a Unix socket path nobody listens on.
std::shared_ptr<Channel> DeadChannel() {
  absl::StatusOr<std::shared_ptr<Channel>> channel =
      Channel::Create("unix:" + MakeTempDir() + "/nobody.sock");
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? *channel : nullptr;
}

TEST(AwkwardStub, CopiesShareTheChannel) {
  std::shared_ptr<Channel> channel = DeadChannel();
  ASSERT_NE(channel, nullptr);
  pkg::Switch::Stub stub(channel);
  pkg::Switch::Stub copy = stub;
  EXPECT_EQ(stub.channel(), channel);
  EXPECT_EQ(copy.channel(), channel);
}

TEST(AwkwardStub, UnreachableServerIsUnavailableInBothForms) {
  std::shared_ptr<Channel> channel = DeadChannel();
  ASSERT_NE(channel, nullptr);
  pkg::Switch::Stub stub(channel);

  ClientContext context;
  context.set_timeout(absl::Seconds(5));
  absl::StatusOr<google::protobuf::Empty> deleted =
      stub.delete_(pkg::Keywords(), &context);
  EXPECT_EQ(deleted.status().code(), absl::StatusCode::kUnavailable)
      << deleted.status();

  ClientContext context2;
  context2.set_timeout(absl::Seconds(5));
  google::protobuf::Timestamp now;
  EXPECT_EQ(stub.Now(&context2, google::protobuf::Empty(), &now).code(),
            absl::StatusCode::kUnavailable);

  pkg::register_::Stub reg(channel);
  ClientContext context3;
  context3.set_timeout(absl::Seconds(5));
  EXPECT_EQ(reg.channel__(pkg::Keywords(), &context3).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace codegen_test
}  // namespace framerpc
