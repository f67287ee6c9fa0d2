// One call per transport, through a generated stub and a real server.
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server_fixture.h"

namespace framerpc::e2e {
namespace {

std::string UnixPath() {
  return absl::StrCat("unix:/tmp/framerpc-e2e-", getpid(), ".sock");
}

class Transport : public ::testing::TestWithParam<std::string> {};

TEST_P(Transport, EchoWithMetadataDeadlineAndPeer) {
  const std::string listen = GetParam() == "unix" ? UnixPath() : GetParam();
  ServerFixture fixture(listen);
  if (!fixture.status().ok() && absl::StartsWith(listen, "[::1]")) {
    GTEST_SKIP() << "no IPv6 loopback here: " << fixture.status();
  }
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());

  EchoRequest request;
  request.set_text(absl::StrCat("over ", listen));
  request.set_echo_metadata_key("x-trace");
  ClientContext context;
  context.set_timeout(absl::Seconds(30));
  context.AddMetadata("x-trace", "abc");
  absl::StatusOr<EchoReply> reply = stub.Echo(request, &context);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), request.text());
  EXPECT_EQ(reply->method(), "framerpc.e2e.TestService/Echo");
  EXPECT_FALSE(reply->peer().empty());
  if (GetParam() != "unix") {
    EXPECT_TRUE(
        absl::StartsWith(reply->peer(), listen.substr(0, listen.rfind(':'))))
        << reply->peer();
  }
  // The timeout travelled: the handler saw a deadline under 30 s away.
  EXPECT_GT(reply->deadline_left_us(), 0);
  EXPECT_LE(reply->deadline_left_us(), 30'000'000);
  EXPECT_EQ(context.response_metadata().at("x-trace"), "abc");

  // Without a context: no deadline reaches the handler.
  EchoRequest plain;
  plain.set_text("no context");
  absl::StatusOr<EchoReply> second = stub.Echo(plain);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->deadline_left_us(), -1);

  // The out-parameter form of the stub.
  EchoReply out;
  ASSERT_TRUE(stub.Echo(nullptr, plain, &out).ok());
  EXPECT_EQ(out.text(), "no context");
}

INSTANTIATE_TEST_SUITE_P(Loopback, Transport,
                         ::testing::Values("127.0.0.1:0", "[::1]:0", "unix"),
                         [](const auto& info) {
                           return info.param == "unix"   ? std::string("Unix")
                                  : info.param[0] == '[' ? std::string("IPv6")
                                                         : std::string("IPv4");
                         });

}  // namespace
}  // namespace framerpc::e2e
