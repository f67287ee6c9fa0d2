// A real Server with ServerOptions::tls (server/tls_handshakes.h,
// server/tls_transport.h) against the test-side TLS client: round trips on
// every address family, pipelined calls and large responses, mutual TLS
// and peer_identity(), and Start's checks of the TLS options and files.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/tls/server_tls_fixture.h"

namespace framerpc {
namespace test {
namespace {

TEST_F(ServerTls, RoundTripOverTcpV4) {
  ExpectRoundTrip("127.0.0.1:0", "127.0.0.1");
}

TEST_F(ServerTls, RoundTripOverTcpV6) {
  {
    Server probe{ServerOptions()};
    if (!probe.Listen("[::1]:0").ok()) GTEST_SKIP() << "no IPv6 loopback here";
  }
  ExpectRoundTrip("[::1]:0", "::1");
}

TEST_F(ServerTls, RoundTripOverUnixSocket) {
  ExpectRoundTrip(absl::StrCat("unix:", dir_, "/tls.sock"), "localhost");
}

TEST_F(ServerTls, PipelinedCallsAndLargeResponsesAllArrive) {
  // Many requests in one write leave plaintext buffered in the server's SSL
  // object after each read, and 4 MiB responses fill the socket (TLS
  // writes that must be retried): every call is still answered.
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  const absl::Time deadline = absl::Now() + kWait;
  auto client = TlsTestClient::Connect(address, ClientOptions(), deadline);
  ASSERT_TRUE(client.ok()) << client.status();
  constexpr int kCalls = 40;
  std::string burst;
  for (int i = 1; i <= kCalls; ++i) {
    TestRequest request;
    request.set_code(i % 10 == 0 ? (4 << 20) : 10);
    burst += EncodeRequest(static_cast<uint64_t>(i),
                                 TestService::Method("Sized"),
                                 request.SerializeAsString());
  }
  ASSERT_TRUE((*client)->Send(burst, deadline).ok());
  std::vector<bool> answered(kCalls + 1, false);
  for (int i = 0; i < kCalls; ++i) {
    absl::StatusOr<RawResponse> response = (*client)->ReadResponse(deadline);
    ASSERT_TRUE(response.ok()) << "after " << i << ": " << response.status();
    ASSERT_EQ(response->code(), absl::StatusCode::kOk);
    const uint64_t id = response->header.call_id();
    ASSERT_TRUE(id >= 1 && id <= kCalls);
    TestReply reply;
    ASSERT_TRUE(reply.ParseFromString(response->payload));
    EXPECT_EQ(reply.text().size(), id % 10 == 0 ? size_t{4} << 20 : 10u);
    answered[id] = true;
  }
  for (int i = 1; i <= kCalls; ++i) EXPECT_TRUE(answered[i]) << i;
}

TEST_F(ServerTls, MutualTlsNamesTheClientCertificate) {
  const std::string address = StartMutualTlsServer();
  ASSERT_FALSE(address.empty());
  absl::StatusOr<TestReply> reply =
      InspectOnce(address, ClientOptions(client_cert_));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->peer_identity(),
            "subject=O=framerpc tests,CN=client1; san=DNS:client1.example");
}

TEST_F(ServerTls, MutualTlsRefusesAClientWithoutCertificate) {
  const std::string address = StartMutualTlsServer();
  ASSERT_FALSE(address.empty());
  // TLS 1.3: the client's handshake ends before the server has checked
  // it, so the refusal may come with the first read.
  absl::StatusOr<TestReply> reply = InspectOnce(address, ClientOptions());
  EXPECT_FALSE(reply.ok());
}

TEST_F(ServerTls, MutualTlsRefusesACertificateFromAnotherCa) {
  const std::string address = StartMutualTlsServer();
  ASSERT_FALSE(address.empty());
  absl::StatusOr<TestReply> reply =
      InspectOnce(address, ClientOptions(stranger_cert_));
  EXPECT_FALSE(reply.ok());
  // Still serving the client it trusts.
  absl::StatusOr<TestReply> trusted =
      InspectOnce(address, ClientOptions(client_cert_));
  EXPECT_TRUE(trusted.ok()) << trusted.status();
}

TEST_F(ServerTls, StartFailsNamingAMissingCertificateFile) {
  ServerOptions options = TlsOptions();
  options.tls.cert_chain_file = dir_ + "/missing.pem";
  Server server(options);
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  const absl::Status started = server.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kInvalidArgument) << started;
  EXPECT_NE(started.message().find("missing.pem"), absl::string_view::npos)
      << started;
}

TEST_F(ServerTls, StartFailsNamingAKeyThatDoesNotMatch) {
  ServerOptions options = TlsOptions();
  options.tls.private_key_file = client_cert_.key_file;
  Server server(options);
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  const absl::Status started = server.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kInvalidArgument) << started;
  EXPECT_NE(started.message().find(client_cert_.key_file),
            absl::string_view::npos)
      << started;
}

TEST_F(ServerTls, StartFailsWithoutAPositiveHandshakeTimeout) {
  ServerOptions options = TlsOptions();
  options.tls.handshake_timeout = absl::ZeroDuration();
  Server server(options);
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  const absl::Status started = server.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kInvalidArgument) << started;
  EXPECT_NE(started.message().find("handshake_timeout"),
            absl::string_view::npos)
      << started;
}

}  // namespace
}  // namespace test
}  // namespace framerpc
