#include "client/target.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace internal {
namespace {

std::vector<std::string> FixedAsText(const Target& target) {
  std::vector<std::string> text;
  for (const Address& address : target.fixed) {
    text.push_back(address.ToString());
  }
  return text;
}

TEST(Target, HostPortFormsNameOneAddressToResolve) {
  const struct {
    const char* text;
    const char* host;
    int port;
  } cases[] = {
      {"localhost:7000", "localhost", 7000},
      {"127.0.0.1:1", "127.0.0.1", 1},
      {"[::1]:65535", "::1", 65535},
      {"kv.default.svc.cluster.local:7000", "kv.default.svc.cluster.local",
       7000},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Target> target = ParseTarget(c.text);
    ASSERT_TRUE(target.ok()) << c.text << ": " << target.status();
    EXPECT_EQ(target->kind, Target::Kind::kHostPort) << c.text;
    EXPECT_EQ(target->address.kind, Address::Kind::kTcp) << c.text;
    EXPECT_EQ(target->address.host, c.host) << c.text;
    EXPECT_EQ(target->address.port, c.port) << c.text;
    EXPECT_FALSE(target->dns_server.has_value()) << c.text;
    EXPECT_TRUE(target->fixed.empty()) << c.text;
  }
}

TEST(Target, DnsFormsKeepTheNameAndTheServerAsked) {
  const struct {
    const char* text;
    const char* host;
    int port;
    const char* server;  // nullptr: the system's servers
  } cases[] = {
      {"dns:///kv.example:7000", "kv.example", 7000, nullptr},
      {"dns:///localhost:1", "localhost", 1, nullptr},
      {"dns:///_grpc.svc-1.example:80", "_grpc.svc-1.example", 80, nullptr},
      {"dns:///127.0.0.1:80", "127.0.0.1", 80, nullptr},
      {"dns:///[::1]:80", "::1", 80, nullptr},
      {"dns://127.0.0.1:5353/kv.example:7000", "kv.example", 7000,
       "127.0.0.1:5353"},
      {"dns://[::1]:5353/kv:1", "kv", 1, "[::1]:5353"},
      {"dns://8.8.8.8/kv:1", "kv", 1, "8.8.8.8:53"},
      {"dns://[2001:db8::1]/kv:1", "kv", 1, "[2001:db8::1]:53"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Target> target = ParseTarget(c.text);
    ASSERT_TRUE(target.ok()) << c.text << ": " << target.status();
    EXPECT_EQ(target->kind, Target::Kind::kDns) << c.text;
    EXPECT_EQ(target->address.host, c.host) << c.text;
    EXPECT_EQ(target->address.port, c.port) << c.text;
    if (c.server == nullptr) {
      EXPECT_FALSE(target->dns_server.has_value()) << c.text;
    } else {
      ASSERT_TRUE(target->dns_server.has_value()) << c.text;
      EXPECT_EQ(target->dns_server->ToString(), c.server) << c.text;
    }
  }
}

TEST(Target, FixedListsKeepEveryAddressInOrder) {
  const struct {
    const char* text;
    std::vector<std::string> addresses;
  } cases[] = {
      {"ipv4:127.0.0.1:80", {"127.0.0.1:80"}},
      {"ipv4:127.0.0.2:1,10.0.0.1:65535,127.0.0.2:1",
       {"127.0.0.2:1", "10.0.0.1:65535", "127.0.0.2:1"}},
      {"ipv6:[::1]:80", {"[::1]:80"}},
      {"ipv6:[::1]:80,[2001:db8::5]:81,[::ffff:127.0.0.1]:82",
       {"[::1]:80", "[2001:db8::5]:81", "[::ffff:127.0.0.1]:82"}},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Target> target = ParseTarget(c.text);
    ASSERT_TRUE(target.ok()) << c.text << ": " << target.status();
    EXPECT_EQ(target->kind, Target::Kind::kFixed) << c.text;
    EXPECT_EQ(FixedAsText(*target), c.addresses) << c.text;
  }
}

TEST(Target, UnixFormNamesThePath) {
  absl::StatusOr<Target> target = ParseTarget("unix:/run/kv.sock");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->kind, Target::Kind::kUnix);
  EXPECT_EQ(target->address.kind, Address::Kind::kUnix);
  EXPECT_EQ(target->address.path, "/run/kv.sock");
}

TEST(Target, MalformedTargetsAreInvalidArgumentNamingTargetAndFault) {
  const struct {
    const char* text;
    const char* fault;
  } cases[] = {
      {"", "empty target"},
      {"foo:///x:1", "unknown scheme 'foo'"},
      {"http://kv:80", "unknown scheme 'http'"},
      {"localhost", "missing ':port'"},
      {"localhost:", "is not a number"},
      {"localhost:65536", "port 65536 is out of range"},
      {":80", "empty host"},
      {"::1:80", "brackets"},
      {"[::1:80", "missing ']'"},
      {"dns:kv:80", "'dns:' must be followed by '//'"},
      {"dns:/kv:80", "'dns:' must be followed by '//'"},
      {"dns://", "missing '/' before the name"},
      {"dns:///", "missing name:port"},
      {"dns:///kv", "name 'kv': missing ':port'"},
      {"dns:///kv:", "is not a number"},
      {"dns:///kv:70000", "port 70000 is out of range"},
      {"dns:///:80", "empty host"},
      {"dns:///k v:80", "'k v' is not a DNS name"},
      {"dns:////kv:80", "'/kv' is not a DNS name"},
      {"dns://notanaddr/x:1", "DNS server 'notanaddr' is not an IP address"},
      {"dns://1.2.3.4:99999/x:1", "port 99999 is out of range"},
      {"dns://1.2.3.4:0/x:1", "port 0 is out of range"},
      {"dns://1.2.3.4:/x:1", "is not a number"},
      {"dns://::1/x:1", "brackets"},
      {"dns://1.2.3.4:53", "missing '/' before the name"},
      {"ipv4:", "empty address list"},
      {"ipv4:127.0.0.1:80,", "element 2 is empty"},
      {"ipv4:,127.0.0.1:80", "element 1 is empty"},
      {"ipv4:127.0.0.1:80,,127.0.0.2:80", "element 2 is empty"},
      {"ipv4:[::1]:80", "'::1' is not an IPv4 address"},
      {"ipv4:localhost:80", "'localhost' is not an IPv4 address"},
      {"ipv4:127.0.0.1", "missing ':port'"},
      {"ipv4:127.0.0.1:99999", "port 99999 is out of range"},
      {"ipv4:127.0.0.1:80,256.0.0.1:80", "element 2"},
      {"ipv6:", "empty address list"},
      {"ipv6:::1:80", "must be written [v6]:port"},
      {"ipv6:[::1]:80,::2:80", "element 2 '::2:80'"},
      {"ipv6:[127.0.0.1]:80", "'127.0.0.1' is not an IPv6 address"},
      {"ipv6:[localhost]:80", "is not an IPv6 address"},
      {"ipv6:[::1]:80,", "element 2 is empty"},
      {"ipv6:[::1]", "missing ':port' after ']'"},
      {"unix:", "empty unix path"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Target> target = ParseTarget(c.text);
    ASSERT_FALSE(target.ok()) << "accepted '" << c.text << "'";
    EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument)
        << target.status();
    const std::string expected_name =
        "invalid target " + QuoteForStatus(c.text) + ": ";
    EXPECT_NE(target.status().message().find(expected_name), std::string::npos)
        << target.status();
    EXPECT_NE(target.status().message().find(c.fault), std::string::npos)
        << "'" << c.text << "': " << target.status();
  }
}

TEST(Target, OverlongUnixPathIsRejected) {
  const std::string text = "unix:/" + std::string(200, 'a');
  absl::StatusOr<Target> target = ParseTarget(text);
  ASSERT_FALSE(target.ok());
  EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(target.status().message().find("unix path longer than"),
            std::string::npos)
      << target.status();
}

// A target may come from a configuration file of any size; the message
// that names it must not grow with it.
TEST(Target, MessageStaysBoundedForAHugeTarget) {
  const std::string huge(1 << 20, 'x');
  for (const std::string& text :
       {huge, "dns:///" + huge, "dns://" + huge + "/kv:1",
        "ipv4:127.0.0.1:1," + huge, "ipv6:" + huge, "dns:///kv:" + huge,
        huge + "://kv:1"}) {
    absl::StatusOr<Target> target = ParseTarget(text);
    ASSERT_FALSE(target.ok()) << text.substr(0, 40);
    EXPECT_EQ(target.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_LT(target.status().message().size(), 2048u)
        << text.substr(0, 40);
    EXPECT_NE(target.status().message().find("bytes)"), std::string::npos)
        << target.status().message().substr(0, 300);
  }
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
