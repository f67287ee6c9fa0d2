// Every generated service of protos/ served by a real framerpc::Server on
// loopback and called through its generated Stub: wire names, keyword C++
// names, imported and well-known types, defaults and handler errors, end to
// end. Built only when the tree has framerpc_server and framerpc_client.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "framerpc/channel.h"
#include "framerpc/client_context.h"
#include "framerpc/server.h"
#include "gtest/gtest.h"
#include "tests/codegen/awkward_impls.h"

namespace framerpc {
namespace codegen_test {
namespace {

class AwkwardE2e : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.AddService(&switch_).ok());
    ASSERT_TRUE(server_.AddService(&register_).ok());
    ASSERT_TRUE(server_.AddService(&echo_).ok());
    ASSERT_TRUE(server_.Listen("127.0.0.1:0").ok());
    ASSERT_TRUE(server_.Start().ok());
    ASSERT_NE(server_.port(), 0);
    absl::StatusOr<std::shared_ptr<Channel>> channel =
        Channel::Create(absl::StrCat("127.0.0.1:", server_.port()));
    ASSERT_TRUE(channel.ok()) << channel.status();
    channel_ = *std::move(channel);
  }

  void TearDown() override { server_.Shutdown(absl::Seconds(1)); }

  // Every call gets a bound, so a broken server fails the test, not hangs it.
  static std::unique_ptr<ClientContext> Context() {
    auto context = std::make_unique<ClientContext>();
    context->set_timeout(absl::Seconds(10));
    return context;
  }

  SwitchImpl switch_;
  RegisterImpl register_;
  EchoImpl echo_;
  Server server_;
  std::shared_ptr<Channel> channel_;
};

TEST_F(AwkwardE2e, SwitchService) {
  pkg::Switch::Stub stub(channel_);

  pkg::Keywords keywords;
  keywords.set_class_("widget");
  absl::StatusOr<google::protobuf::Empty> deleted =
      stub.delete_(keywords, Context().get());
  EXPECT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(switch_.deleted(), "widget");

  absl::StatusOr<google::protobuf::Timestamp> now =
      stub.Now(google::protobuf::Empty(), Context().get());
  EXPECT_EQ(now.status(),
            absl::UnimplementedError(
                "method framerpc.test.deep.pkg.Switch/Now is not implemented"));

  other::Imported imported;
  imported.set_text("hi");
  imported.set_count(1);
  other::Imported echoed;
  ASSERT_TRUE(stub.Echo(Context().get(), imported, &echoed).ok());
  EXPECT_EQ(echoed.text(), "hi");
  EXPECT_EQ(echoed.count(), 2);

  pkg::delete__new nested;
  nested.set_text("x");
  absl::StatusOr<pkg::delete_> made = stub.new_(nested, Context().get());
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(made->text(), "new:x");
  EXPECT_EQ(stub.new_(pkg::delete__new(), Context().get()).status(),
            absl::InvalidArgumentError("new: text is empty"));
}

TEST_F(AwkwardE2e, RegisterService) {
  pkg::register_::Stub stub(channel_);
  pkg::Keywords request;
  request.set_new_(1);
  absl::StatusOr<pkg::Keywords> reply = stub.Stub_(request, Context().get());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->class_(), "Stub");
  reply = stub.channel__(request, Context().get());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->class_(), "channel");
  reply = stub.Service_(request, Context().get());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->class_(), "Service");
  reply = stub.status(request, Context().get());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->class_(), "status");
  EXPECT_EQ(reply->new_(), 2);
}

TEST_F(AwkwardE2e, EchoServiceWithoutContext) {
  demo::Echo::Stub stub(channel_);
  demo::SayRequest request;
  request.set_text("hello");
  absl::StatusOr<demo::SayReply> reply = stub.Say(request);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "hello");
}

}  // namespace
}  // namespace codegen_test
}  // namespace framerpc
