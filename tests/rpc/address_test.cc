#include "rpc/address.h"

#include <netinet/in.h>

#include <string>

#include "gtest/gtest.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace {

TEST(Address, ParsesEachForm) {
  auto v4 = ParseAddress("127.0.0.1:8080");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->kind, Address::Kind::kTcp);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);

  auto v6 = ParseAddress("[::1]:0");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(v6->ToString(), "[::1]:0");

  auto name = ParseAddress("localhost:65535");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->ToString(), "localhost:65535");

  auto unix_socket = ParseAddress("unix:/tmp/framerpc.sock");
  ASSERT_TRUE(unix_socket.ok());
  EXPECT_EQ(unix_socket->kind, Address::Kind::kUnix);
  EXPECT_EQ(unix_socket->path, "/tmp/framerpc.sock");
  EXPECT_EQ(unix_socket->ToString(), "unix:/tmp/framerpc.sock");
}

TEST(Address, RejectsMalformedWithTheReason) {
  const struct {
    const char* text;
    const char* reason;
  } cases[] = {
      {"", "missing ':port'"},
      {"localhost", "missing ':port'"},
      {":80", "empty host"},
      {"host:", "is not a number"},
      {"host:http", "is not a number"},
      {"host:-1", "is not a number"},
      {"host:65536", "out of range"},
      {"host:99999999999", "is not a number"},
      {"[::1", "missing ']'"},
      {"[::1]80", "missing ':port'"},
      {"[]:80", "empty host"},
      {"::1:80", "brackets"},
      {"unix:", "empty unix path"},
      {"unix:/"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
       "longer than"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseAddress(c.text);
    ASSERT_FALSE(parsed.ok()) << "accepted '" << c.text << "'";
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.reason), std::string::npos)
        << parsed.status();
    EXPECT_NE(parsed.status().message().find(QuoteForStatus(c.text)),
              std::string::npos)
        << parsed.status();
  }
}

TEST(Address, MessageQuotesAHugeAddressBounded) {
  const std::string huge_host(1 << 20, 'h');
  for (const std::string& text :
       {huge_host, "[" + huge_host, "host:" + huge_host}) {
    auto parsed = ParseAddress(text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_LT(parsed.status().message().size(), 1024u) << text.size();
    EXPECT_NE(parsed.status().message().find(" bytes)"),
              std::string::npos);
  }
}

TEST(Address, ResolvesLiteralsAndRoundTripsThroughSockaddr) {
  for (const char* text : {"127.0.0.1:4000", "[::1]:4000"}) {
    auto address = ParseAddress(text);
    ASSERT_TRUE(address.ok());
    auto resolved = Resolve(*address);
    ASSERT_TRUE(resolved.ok()) << resolved.status();
    ASSERT_FALSE(resolved->empty());
    const ResolvedAddress& first = resolved->front();
    EXPECT_EQ(
        SockaddrToString(reinterpret_cast<const sockaddr*>(&first.storage),
                         first.length),
        text);
  }
  auto unix_socket = Resolve(*ParseAddress("unix:/tmp/x.sock"));
  ASSERT_TRUE(unix_socket.ok());
  EXPECT_EQ(SockaddrToString(reinterpret_cast<const sockaddr*>(
                                 &unix_socket->front().storage),
                             unix_socket->front().length),
            "unix:/tmp/x.sock");
}

TEST(Address, UnresolvableHostIsUnavailableNamingTheHost) {
  auto resolved = Resolve(*ParseAddress("no-such-host.invalid:80"));
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(resolved.status().message().find("no-such-host.invalid"),
            std::string::npos);
}

}  // namespace
}  // namespace framerpc
