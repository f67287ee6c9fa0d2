// Channel targets (docs/api.md §5.1): which forms Create accepts, and that
// a Channel on an address list or a DNS name reaches a live server among
// dead addresses, DNS answered by a dnsmasq the test starts.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "rpc/quote_for_status.h"
#include "tests/client/dnsmasq_server.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::DnsmasqServer;
using testing_support::EchoScript;
using testing_support::FreeLoopbackAddress;
using testing_support::MakeChannel;
using testing_support::Say;
using testing_support::StartServer;

// "127.0.0.1:1234" -> "1234".
std::string PortOf(const std::string& address) {
  return address.substr(address.rfind(':') + 1);
}

TEST(ChannelTarget, CreateRejectsMalformedTargetsNamingThem) {
  for (const char* bad :
       {"", "foo:///x:1", "dns:///", "dns:///kv", "dns://notanaddr/x:1",
        "dns://1.2.3.4:99999/x:1", "ipv4:", "ipv4:127.0.0.1:80,",
        "ipv4:[::1]:80", "ipv4:localhost:80", "ipv6:::1:80", "ipv6:[::1]",
        "unix:", "localhost:70000"}) {
    absl::StatusOr<std::shared_ptr<Channel>> channel = Channel::Create(bad);
    ASSERT_FALSE(channel.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument)
        << channel.status();
    EXPECT_NE(channel.status().message().find(
                  absl::StrCat("invalid target ", QuoteForStatus(bad))),
              std::string::npos)
        << channel.status();
  }
}

TEST(ChannelTarget, CreateAcceptsEveryFormWithoutConnecting) {
  // Nothing listens on port 1 and no DNS server is asked yet.
  for (const char* target :
       {"127.0.0.1:1", "localhost:1", "[::1]:1", "unix:/nonexistent/socket",
        "dns:///kv.test:1", "dns://127.0.0.1:1/kv.test:1",
        "dns://[::1]/kv.test:1", "ipv4:127.0.0.1:1,127.0.0.2:1",
        "ipv6:[::1]:1"}) {
    absl::StatusOr<std::shared_ptr<Channel>> channel = Channel::Create(target);
    ASSERT_TRUE(channel.ok()) << target << ": " << channel.status();
    EXPECT_EQ((*channel)->target(), target);
  }
}

TEST(ChannelTarget, Ipv4ListReachesTheLiveServerAfterADeadOne) {
  auto server = StartServer(EchoScript, "127.0.0.1:0");
  ASSERT_NE(server, nullptr);
  const std::string target =
      absl::StrCat("ipv4:", FreeLoopbackAddress(), ",", server->address());
  std::shared_ptr<Channel> channel = MakeChannel(target);
  ASSERT_NE(channel, nullptr);
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "past the dead one");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "past the dead one");
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST(ChannelTarget, Ipv6ListReachesTheLiveServerAfterADeadOne) {
  absl::StatusOr<std::unique_ptr<testing_support::FakeServer>> server =
      testing_support::FakeServer::Start("[::1]:0", EchoScript);
  if (!server.ok()) {
    GTEST_SKIP() << "no IPv6 loopback here: " << server.status();
  }
  const std::string dead_port = PortOf(FreeLoopbackAddress());
  const std::string target =
      absl::StrCat("ipv6:[::1]:", dead_port, ",", (*server)->address());
  std::shared_ptr<Channel> channel = MakeChannel(target);
  ASSERT_NE(channel, nullptr);
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "v6");
  ASSERT_TRUE(reply.ok()) << target << ": " << reply.status();
}

TEST(ChannelTarget, ListWithNoLiveAddressFailsUnavailableNamingEach) {
  const std::string first = FreeLoopbackAddress();
  const std::string second = FreeLoopbackAddress();
  std::shared_ptr<Channel> channel =
      MakeChannel(absl::StrCat("ipv4:", first, ",", second));
  ASSERT_NE(channel, nullptr);
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "nobody");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable)
      << reply.status();
  EXPECT_NE(reply.status().message().find(first), std::string::npos)
      << reply.status();
  EXPECT_NE(reply.status().message().find(second), std::string::npos)
      << reply.status();
}

class ChannelTargetWithDnsmasq : public ::testing::Test {
 protected:
  void SetUp() override {
    if (DnsmasqServer::BinaryPath().empty()) {
      GTEST_SKIP() << "dnsmasq is not installed (Debian: dnsmasq-base, "
                      "which scripts/install_deps.sh installs)";
    }
    absl::StatusOr<std::unique_ptr<DnsmasqServer>> dns =
        DnsmasqServer::Start({"kv.test,127.0.0.1"});
    ASSERT_TRUE(dns.ok()) << dns.status();
    dns_ = *std::move(dns);
  }

  std::string DnsTarget(absl::string_view name, absl::string_view port) {
    return absl::StrCat("dns://127.0.0.1:", dns_->port(), "/", name, ":", port);
  }

  std::unique_ptr<DnsmasqServer> dns_;
};

TEST_F(ChannelTargetWithDnsmasq, NameResolvedByTheGivenServerReachesServer) {
  auto server = StartServer(EchoScript, "127.0.0.1:0");
  ASSERT_NE(server, nullptr);
  std::shared_ptr<Channel> channel =
      MakeChannel(DnsTarget("kv.test", PortOf(server->address())));
  ASSERT_NE(channel, nullptr);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<test::EchoReply> reply = Say(*channel, "through dns");
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->text(), "through dns");
  }
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST_F(ChannelTargetWithDnsmasq, UnknownNameFailsUnavailableNamingIt) {
  std::shared_ptr<Channel> channel = MakeChannel(DnsTarget("nosuch.test", "1"));
  ASSERT_NE(channel, nullptr);
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "nobody");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable)
      << reply.status();
  EXPECT_NE(reply.status().message().find("resolve 'nosuch.test'"),
            std::string::npos)
      << reply.status();
  EXPECT_NE(reply.status().message().find(
                absl::StrCat("DNS server 127.0.0.1:", dns_->port())),
            std::string::npos)
      << reply.status();
}

}  // namespace
}  // namespace framerpc
