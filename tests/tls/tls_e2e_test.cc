// TLS end to end: a real Server with ServerOptions::tls and a real Channel
// with ChannelOptions::tls, certificates made by the test. Calls on TCP
// v4, v6 and a Unix socket; mutual TLS with the client's identity reaching
// the handler (ServerContext::peer_identity()); a plaintext client of a
// TLS server and a TLS client of a plaintext one, each told so within its
// connect timeout while the server keeps serving; a Server that cannot use
// its files refuses to start, naming them.
#include <unistd.h>

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
#include "tests/tls/test_pki.h"

namespace framerpc {
namespace {

using e2e::EchoReply;
using e2e::EchoRequest;
using e2e::TestService;
using testing_support::MakeTempDir;
using testing_support::TestPki;
using ::testing::HasSubstr;

// Answers with the request's text, then what the server knows of the
// caller's certificate.
class IdentityEcho final : public TestService::Service {
 public:
  absl::Status Echo(ServerContext& context, const EchoRequest& request,
                    EchoReply* reply) override {
    reply->set_text(request.text());
    reply->set_peer(context.peer_identity());
    return absl::OkStatus();
  }
};

class TlsEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("framerpc_tls_e2e_");
    ASSERT_FALSE(dir_.empty());
    absl::StatusOr<std::unique_ptr<TestPki>> pki =
        TestPki::Create(dir_, "test-ca");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    absl::StatusOr<TestPki::Issued> server = pki_->Issue(
        "server", "localhost", {"DNS:localhost", "IP:127.0.0.1", "IP:::1"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_cert_ = *server;
    absl::StatusOr<TestPki::Issued> client =
        pki_->Issue("client", "client1", {"DNS:client1.example"});
    ASSERT_TRUE(client.ok()) << client.status();
    client_cert_ = *client;
  }
  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown(absl::Seconds(5));
      server_->Wait();
    }
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  ServerOptions TlsServer(const std::string& client_ca = "") {
    ServerOptions options;
    options.tls.enabled = true;
    options.tls.cert_chain_file = server_cert_.cert_file;
    options.tls.private_key_file = server_cert_.key_file;
    options.tls.client_ca_file = client_ca;
    return options;
  }
  ChannelOptions TlsChannel() {
    ChannelOptions options;
    options.connect_timeout = absl::Seconds(3);
    options.tls.enabled = true;
    options.tls.ca_file = pki_->ca_file();
    return options;
  }

  // Starts the server on `listen`; the status of the first step that
  // failed.
  absl::Status Serve(const std::string& listen, const ServerOptions& options) {
    server_ = std::make_unique<Server>(options);
    absl::Status status = server_->AddService(&service_);
    if (status.ok()) status = server_->Listen(listen);
    if (status.ok()) status = server_->Start();
    return status;
  }

  static absl::StatusOr<EchoReply> Echo(const std::string& target,
                                        const ChannelOptions& options,
                                        const std::string& text) {
    absl::StatusOr<std::shared_ptr<Channel>> channel =
        Channel::Create(target, options);
    if (!channel.ok()) return channel.status();
    TestService::Stub stub(*channel);
    EchoRequest request;
    request.set_text(text);
    ClientContext context;
    context.set_timeout(absl::Seconds(10));
    return stub.Echo(request, &context);
  }

  std::string dir_;
  std::unique_ptr<TestPki> pki_;
  TestPki::Issued server_cert_;
  TestPki::Issued client_cert_;
  IdentityEcho service_;
  std::unique_ptr<Server> server_;
};

TEST_F(TlsEndToEndTest, CallsCrossTlsOnTcpV4) {
  ASSERT_TRUE(Serve("127.0.0.1:0", TlsServer()).ok());
  absl::StatusOr<EchoReply> reply = Echo(
      absl::StrCat("localhost:", server_->port()), TlsChannel(), "v4");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "v4");
  EXPECT_EQ(reply->peer(), "");  // no client certificate asked
}

TEST_F(TlsEndToEndTest, CallsCrossTlsOnTcpV6) {
  absl::Status serving = Serve("[::1]:0", TlsServer());
  if (!serving.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << serving;
  absl::StatusOr<EchoReply> reply = Echo(
      absl::StrCat("ipv6:[::1]:", server_->port()), TlsChannel(), "v6");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "v6");
}

TEST_F(TlsEndToEndTest, CallsCrossTlsOnAUnixSocket) {
  const std::string path = dir_ + "/tls.sock";
  ASSERT_TRUE(Serve("unix:" + path, TlsServer()).ok());
  // A unix: target checks the certificate for "localhost".
  absl::StatusOr<EchoReply> reply =
      Echo("unix:" + path, TlsChannel(), "unix");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "unix");
}

TEST_F(TlsEndToEndTest, MutualTlsHandsTheClientsIdentityToTheHandler) {
  ASSERT_TRUE(Serve("127.0.0.1:0", TlsServer(pki_->ca_file())).ok());
  const std::string target = absl::StrCat("localhost:", server_->port());

  absl::StatusOr<EchoReply> anonymous = Echo(target, TlsChannel(), "who");
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.status().code(), absl::StatusCode::kUnavailable);

  ChannelOptions mutual = TlsChannel();
  mutual.tls.cert_chain_file = client_cert_.cert_file;
  mutual.tls.private_key_file = client_cert_.key_file;
  absl::StatusOr<EchoReply> reply = Echo(target, mutual, "me");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(reply->peer(), HasSubstr("CN=client1"));
}

TEST_F(TlsEndToEndTest, APlaintextClientIsToldWhileTlsClientsAreServed) {
  ASSERT_TRUE(Serve("127.0.0.1:0", TlsServer()).ok());
  const std::string target = absl::StrCat("localhost:", server_->port());
  ChannelOptions plain;
  plain.connect_timeout = absl::Seconds(3);
  const absl::Time start = absl::Now();
  absl::StatusOr<EchoReply> refused = Echo(target, plain, "plain");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("TLS"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));

  absl::StatusOr<EchoReply> reply = Echo(target, TlsChannel(), "tls");
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(TlsEndToEndTest, ATlsClientOfAPlaintextServerIsToldWithinItsTimeout) {
  ASSERT_TRUE(Serve("127.0.0.1:0", ServerOptions()).ok());
  const std::string target = absl::StrCat("localhost:", server_->port());
  const absl::Time start = absl::Now();
  absl::StatusOr<EchoReply> refused = Echo(target, TlsChannel(), "tls");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("TLS handshake with"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  absl::StatusOr<EchoReply> reply = Echo(target, ChannelOptions(), "plain");
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(TlsEndToEndTest, ManyClientsAtOnceAllGetThrough) {
  ASSERT_TRUE(Serve("127.0.0.1:0", TlsServer()).ok());
  const std::string target = absl::StrCat("localhost:", server_->port());
  constexpr int kClients = 50;
  std::vector<std::thread> clients;
  std::vector<int> failed(kClients, 0);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      const std::string text = absl::StrCat("client ", i);
      absl::StatusOr<EchoReply> reply = Echo(target, TlsChannel(), text);
      failed[i] = !reply.ok() || reply->text() != text;
    });
  }
  for (std::thread& client : clients) client.join();
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(failed[i], 0) << "client " << i;
}

TEST_F(TlsEndToEndTest, AServerThatCannotUseItsFilesDoesNotStart) {
  ServerOptions missing = TlsServer();
  missing.tls.cert_chain_file = dir_ + "/no-such-cert.pem";
  absl::Status status = Serve("127.0.0.1:0", missing);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("no-such-cert.pem"));
  server_.reset();

  ServerOptions mismatched = TlsServer();
  mismatched.tls.private_key_file = client_cert_.key_file;
  status = Serve("127.0.0.1:0", mismatched);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  server_.reset();
}

}  // namespace
}  // namespace framerpc
