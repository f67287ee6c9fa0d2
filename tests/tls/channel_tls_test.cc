// A Channel with ChannelOptions::tls against a real Server behind a TLS
// terminator (tests/tls/tls_terminator.h), with certificates made by the
// test: calls over TLS (small, many at once, 1 MiB), the name checked
// (host, IP literal, server_name), every refusal the client must name
// (wrong CA, wrong name, expired, a server that wants a client
// certificate), mutual TLS, a TLS client of a plaintext server failing
// within its connect timeout, and a reconnect resuming its session.
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "e2e_test.framerpc.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server_fixture.h"
#include "tests/tls/test_pki.h"
#include "tests/tls/tls_terminator.h"
#include "tls/tls_context.h"

namespace framerpc {
namespace {

using e2e::EchoReply;
using e2e::EchoRequest;
using e2e::ServerFixture;
using e2e::TestService;
using internal::TlsContext;
using testing_support::MakeTempDir;
using testing_support::TestPki;
using testing_support::TlsTerminator;
using ::testing::HasSubstr;

class ChannelTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("framerpc_channel_tls_");
    ASSERT_FALSE(dir_.empty());
    absl::StatusOr<std::unique_ptr<TestPki>> pki =
        TestPki::Create(dir_, "test-ca");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    absl::StatusOr<TestPki::Issued> server = pki_->Issue(
        "server", "localhost", {"DNS:localhost", "IP:127.0.0.1", "IP:::1"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_cert_ = *server;
    backend_ = std::make_unique<ServerFixture>("127.0.0.1:0", BackendOptions());
    ASSERT_TRUE(backend_->status().ok()) << backend_->status();
  }
  void TearDown() override {
    terminator_.reset();
    backend_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  virtual ServerOptions BackendOptions() { return ServerOptions(); }

  // Puts a terminator with `issued` (and `client_ca`, for mutual TLS) in
  // front of the backend.
  void StartTerminator(const TestPki::Issued& issued,
                       const std::string& client_ca = "") {
    absl::StatusOr<std::shared_ptr<TlsContext>> context =
        TlsContext::ForServer({issued.cert_file, issued.key_file, client_ca});
    ASSERT_TRUE(context.ok()) << context.status();
    absl::StatusOr<std::unique_ptr<TlsTerminator>> terminator =
        TlsTerminator::Start(*context, backend_->server().port());
    ASSERT_TRUE(terminator.ok()) << terminator.status();
    terminator_ = *std::move(terminator);
  }

  ChannelOptions TlsOptions() {
    ChannelOptions options;
    options.connect_timeout = absl::Seconds(5);
    options.tls.enabled = true;
    options.tls.ca_file = pki_->ca_file();
    return options;
  }

  std::shared_ptr<Channel> NewChannel(const std::string& target,
                                      const ChannelOptions& options) {
    absl::StatusOr<std::shared_ptr<Channel>> channel =
        Channel::Create(target, options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return channel.ok() ? *channel : nullptr;
  }

  std::string LocalhostTarget() const {
    return absl::StrCat("localhost:", terminator_->port());
  }

  static absl::StatusOr<EchoReply> Echo(Channel& channel,
                                        const std::string& text,
                                        int padding = 0) {
    TestService::Stub stub(
        std::shared_ptr<Channel>(&channel, [](Channel*) {}));
    EchoRequest request;
    request.set_text(text);
    request.set_reply_padding(padding);
    ClientContext context;
    context.set_timeout(absl::Seconds(20));
    return stub.Echo(request, &context);
  }

  std::string dir_;
  std::unique_ptr<TestPki> pki_;
  TestPki::Issued server_cert_;
  std::unique_ptr<ServerFixture> backend_;
  std::unique_ptr<TlsTerminator> terminator_;
};

TEST_F(ChannelTlsTest, CallsGoThroughTlsToTheServer) {
  StartTerminator(server_cert_);
  std::shared_ptr<Channel> channel = NewChannel(LocalhostTarget(), TlsOptions());
  ASSERT_NE(channel, nullptr);
  absl::StatusOr<EchoReply> reply = Echo(*channel, "over tls");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "over tls");
  EXPECT_EQ(terminator_->handshakes(), 1);
}

TEST_F(ChannelTlsTest, ManyCallsAtOnceAndAMebibyteReplyCrossIntact) {
  StartTerminator(server_cert_);
  std::shared_ptr<Channel> channel = NewChannel(LocalhostTarget(), TlsOptions());
  ASSERT_NE(channel, nullptr);
  constexpr int kThreads = 8;
  constexpr int kCallsEach = 50;
  std::vector<std::thread> threads;
  std::vector<int> wrong(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        const std::string text = absl::StrCat("t", t, "-", i);
        absl::StatusOr<EchoReply> reply = Echo(*channel, text, i % 5 * 7000);
        if (!reply.ok() || reply->text().substr(0, text.size()) != text) {
          ++wrong[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;

  absl::StatusOr<EchoReply> big = Echo(*channel, "big", 1 << 20);
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(big->text().size(), 3u + (1u << 20));
}

TEST_F(ChannelTlsTest, AnIpTargetIsCheckedAgainstTheCertificatesAddresses) {
  StartTerminator(server_cert_);
  std::shared_ptr<Channel> by_ip = NewChannel(
      absl::StrCat("ipv4:127.0.0.1:", terminator_->port()), TlsOptions());
  ASSERT_NE(by_ip, nullptr);
  absl::StatusOr<EchoReply> reply = Echo(*by_ip, "by ip");
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ChannelTlsTest, ACertificateForAnotherNameIsRefusedUnlessServerNameSaysSo) {
  absl::StatusOr<TestPki::Issued> other =
      pki_->Issue("other", "kv.internal", {"DNS:kv.internal"});
  ASSERT_TRUE(other.ok()) << other.status();
  StartTerminator(*other);

  std::shared_ptr<Channel> by_host =
      NewChannel(LocalhostTarget(), TlsOptions());
  absl::StatusOr<EchoReply> refused = Echo(*by_host, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("TLS handshake with 127.0.0.1:"));
  EXPECT_THAT(refused.status().message(), HasSubstr("hostname mismatch"));

  ChannelOptions named = TlsOptions();
  named.tls.server_name = "kv.internal";
  std::shared_ptr<Channel> by_name = NewChannel(LocalhostTarget(), named);
  absl::StatusOr<EchoReply> reply = Echo(*by_name, "named");
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ChannelTlsTest, AServerOurCaDidNotSignIsRefused) {
  absl::StatusOr<std::unique_ptr<TestPki>> other_ca =
      TestPki::Create(dir_, "other-ca");
  ASSERT_TRUE(other_ca.ok()) << other_ca.status();
  absl::StatusOr<TestPki::Issued> stranger =
      (*other_ca)->Issue("stranger", "localhost", {"DNS:localhost"});
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  StartTerminator(*stranger);

  std::shared_ptr<Channel> channel = NewChannel(LocalhostTarget(), TlsOptions());
  absl::StatusOr<EchoReply> refused = Echo(*channel, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("certificate verify failed"));
  EXPECT_THAT(refused.status().message(), HasSubstr("127.0.0.1:"));
}

TEST_F(ChannelTlsTest, AnExpiredCertificateIsRefused) {
  absl::StatusOr<TestPki::Issued> expired =
      pki_->Issue("expired", "localhost", {"DNS:localhost"},
                  absl::Hours(-48), absl::Hours(24));
  ASSERT_TRUE(expired.ok()) << expired.status();
  StartTerminator(*expired);

  std::shared_ptr<Channel> channel = NewChannel(LocalhostTarget(), TlsOptions());
  absl::StatusOr<EchoReply> refused = Echo(*channel, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("expired"));
}

TEST_F(ChannelTlsTest, MutualTlsNeedsTheClientsCertificate) {
  StartTerminator(server_cert_, pki_->ca_file());
  std::shared_ptr<Channel> anonymous =
      NewChannel(LocalhostTarget(), TlsOptions());
  absl::StatusOr<EchoReply> refused = Echo(*anonymous, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("127.0.0.1:"));
  // The server's alert, or the reset that may discard it, with a hint.
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("requires a client certificate"));

  absl::StatusOr<TestPki::Issued> client =
      pki_->Issue("client", "client1", {"DNS:client1.example"});
  ASSERT_TRUE(client.ok()) << client.status();
  ChannelOptions mutual = TlsOptions();
  mutual.tls.cert_chain_file = client->cert_file;
  mutual.tls.private_key_file = client->key_file;
  std::shared_ptr<Channel> known = NewChannel(LocalhostTarget(), mutual);
  absl::StatusOr<EchoReply> reply = Echo(*known, "mutual");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(terminator_->last_peer_identity(), HasSubstr("CN=client1"));
}

TEST_F(ChannelTlsTest, ATlsClientOfAPlaintextServerFailsWithinItsConnectTimeout) {
  ChannelOptions options = TlsOptions();
  options.connect_timeout = absl::Seconds(2);
  std::shared_ptr<Channel> channel = NewChannel(
      absl::StrCat("localhost:", backend_->server().port()), options);
  const absl::Time start = absl::Now();
  absl::StatusOr<EchoReply> refused = Echo(*channel, "x");
  const absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("TLS handshake with"));
  EXPECT_LT(took, absl::Seconds(3)) << refused.status();
  // The plaintext server still serves plaintext clients.
  std::shared_ptr<Channel> plain = backend_->NewChannel();
  absl::StatusOr<EchoReply> reply = Echo(*plain, "plain");
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ChannelTlsTest, APlaintextClientOfATlsServerIsToldItSpeaksTls) {
  StartTerminator(server_cert_);
  ChannelOptions plain_options;
  plain_options.connect_timeout = absl::Seconds(2);
  std::shared_ptr<Channel> plain = NewChannel(LocalhostTarget(), plain_options);
  const absl::Time start = absl::Now();
  absl::StatusOr<EchoReply> refused = Echo(*plain, "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable)
      << refused.status();
  // Its alert, or a reset that discarded it, with a hint.
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("TLS"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  // The TLS side keeps serving TLS clients.
  std::shared_ptr<Channel> channel = NewChannel(LocalhostTarget(), TlsOptions());
  absl::StatusOr<EchoReply> reply = Echo(*channel, "tls");
  EXPECT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(terminator_->failures(), 1) << terminator_->last_failure();
}

TEST_F(ChannelTlsTest, FilesThatCannotBeUsedFailCreateNamingThem) {
  ChannelOptions missing_ca = TlsOptions();
  missing_ca.tls.ca_file = dir_ + "/no-such-ca.pem";
  absl::StatusOr<std::shared_ptr<Channel>> channel =
      Channel::Create("localhost:7000", missing_ca);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(channel.status().message(), HasSubstr("no-such-ca.pem"));
  EXPECT_THAT(channel.status().message(), HasSubstr("localhost:7000"));

  ChannelOptions half = TlsOptions();
  half.tls.cert_chain_file = server_cert_.cert_file;
  channel = Channel::Create("localhost:7000", half);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
}

// The backend closes idle connections quickly, so the next call reconnects.
class ChannelTlsReconnectTest : public ChannelTlsTest {
 protected:
  ServerOptions BackendOptions() override {
    ServerOptions options;
    options.idle_timeout = absl::Milliseconds(100);
    return options;
  }
};

TEST_F(ChannelTlsReconnectTest, AReconnectResumesTheSessionWithoutAFullHandshake) {
  StartTerminator(server_cert_);
  std::shared_ptr<Channel> channel = NewChannel(LocalhostTarget(), TlsOptions());
  ASSERT_TRUE(Echo(*channel, "first").ok());
  // Bounded: the server's idle sweep runs at least once a second.
  const absl::Time limit = absl::Now() + absl::Seconds(20);
  while (terminator_->handshakes() < 2 && absl::Now() < limit) {
    absl::SleepFor(absl::Milliseconds(300));
    absl::StatusOr<EchoReply> reply = Echo(*channel, "again");
    ASSERT_TRUE(reply.ok()) << reply.status();
  }
  ASSERT_GE(terminator_->handshakes(), 2) << "the connection was never closed";
  EXPECT_GE(terminator_->resumed(), 1);
}

}  // namespace
}  // namespace framerpc
