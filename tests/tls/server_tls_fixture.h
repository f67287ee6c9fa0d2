// ServerTls, the fixture the server TLS tests share: a test PKI made per
// test (a CA with a server and a client certificate, and another CA with a
// client certificate of its own), a real Server with the test service
// serving TLS with them, and helpers that dial it as TLS clients
// (TlsTestClient) or as peers that do not speak TLS at all.
//
// Not thread-safe, except InspectOnce and ClientOptions, which only read
// the fixture once SetUp is done.
#ifndef FRAMERPC_TESTS_TLS_SERVER_TLS_FIXTURE_H_
#define FRAMERPC_TESTS_TLS_SERVER_TLS_FIXTURE_H_

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"
#include "framerpc/server.h"
#include "gtest/gtest.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"
#include "tests/server/test_service.pb.h"
#include "tests/tls/test_pki.h"
#include "tests/tls/tls_test_client.h"
#include "tls/tls_context.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace test {

// How soon a server must close a peer whose bytes are no TLS handshake
// (well under the default handshake_timeout of 10 s, which would also
// close it).
inline constexpr absl::Duration kPrompt = absl::Seconds(5);

class ServerTls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing_support::MakeTempDir("server_tls_test");
    auto ca = testing_support::TestPki::Create(dir_, "ca");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    auto other_ca = testing_support::TestPki::Create(dir_, "other_ca");
    ASSERT_TRUE(other_ca.ok()) << other_ca.status();
    other_ca_ = *std::move(other_ca);
    auto server = ca_->Issue("server", "server",
                             {"DNS:localhost", "IP:127.0.0.1", "IP:::1"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_cert_ = *server;
    auto client = ca_->Issue("client1", "client1", {"DNS:client1.example"});
    ASSERT_TRUE(client.ok()) << client.status();
    client_cert_ = *client;
    auto stranger = other_ca_->Issue("stranger", "stranger", {});
    ASSERT_TRUE(stranger.ok()) << stranger.status();
    stranger_cert_ = *stranger;
  }

  ServerOptions TlsOptions() const {
    ServerOptions options;
    options.num_loops = 1;
    options.poller = test::HarnessPoller();  // ctest runs both pollers
    options.tls.enabled = true;
    options.tls.cert_chain_file = server_cert_.cert_file;
    options.tls.private_key_file = server_cert_.key_file;
    return options;
  }

  // Starts a server with `options` on `listen`; returns the address to
  // dial ("" after a failure the test has reported).
  std::string StartServer(ServerOptions options,
                          const std::string& listen = "127.0.0.1:0") {
    server_ = std::make_unique<Server>(options);
    absl::Status status = server_->AddService(&service_);
    if (status.ok()) status = server_->Listen(listen);
    if (status.ok()) status = server_->Start();
    EXPECT_TRUE(status.ok()) << status;
    if (!status.ok()) return "";
    if (listen.rfind("unix:", 0) == 0) return listen;
    const std::string host = listen.substr(0, listen.rfind(':'));
    return absl::StrCat(host, ":", server_->port());
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown(absl::Seconds(5));
      server_->Wait();
    }
  }

  TlsTestClientOptions ClientOptions() const {
    TlsTestClientOptions options;
    options.ca_file = ca_->ca_file();
    return options;
  }
  // ClientOptions, presenting `certificate` (mutual TLS).
  TlsTestClientOptions ClientOptions(const testing_support::TestPki::Issued& certificate) const {
    TlsTestClientOptions options = ClientOptions();
    options.cert_file = certificate.cert_file;
    options.key_file = certificate.key_file;
    return options;
  }

  // A server requiring client certificates signed by ca_.
  std::string StartMutualTlsServer() {
    ServerOptions options = TlsOptions();
    options.tls.client_ca_file = ca_->ca_file();
    return StartServer(options);
  }

  // One Inspect call over a new TLS connection: its reply, or the first
  // failure (handshake, send or read).
  absl::StatusOr<TestReply> InspectOnce(const std::string& address,
                                        const TlsTestClientOptions& options,
                                        const std::string& text = "hello") {
    const absl::Time deadline = absl::Now() + kWait;
    auto client = TlsTestClient::Connect(address, options, deadline);
    if (!client.ok()) return client.status();
    TestRequest request;
    request.set_text(text);
    absl::StatusOr<RawResponse> response =
        (*client)->Call(1, TestService::Method("Inspect"), request, deadline);
    if (!response.ok()) return response.status();
    if (response->code() != absl::StatusCode::kOk) {
      return absl::Status(response->code(), response->header.message());
    }
    TestReply reply;
    if (!reply.ParseFromString(response->payload)) {
      return absl::InternalError("unparseable TestReply");
    }
    return reply;
  }

  // Serves TLS on `listen` and makes one call there, verifying the server
  // as `server_name`.
  void ExpectRoundTrip(const std::string& listen,
                       const std::string& server_name) {
    const std::string address = StartServer(TlsOptions(), listen);
    ASSERT_FALSE(address.empty());
    TlsTestClientOptions options = ClientOptions();
    options.server_name = server_name;
    absl::StatusOr<TestReply> reply = InspectOnce(address, options);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->text(), "hello");
    EXPECT_EQ(reply->peer_identity(), "");  // no client CA: none asked
  }

  // Connects to `address` without TLS, sends `bytes` (and then ends its
  // stream if `then_end`), and expects the server to close promptly.
  void ExpectClosedAfterSending(const std::string& address,
                                absl::string_view bytes,
                                bool then_end = false) {
    absl::StatusOr<RawClient> raw = RawClient::Connect(address);
    ASSERT_TRUE(raw.ok()) << raw.status();
    ASSERT_TRUE(raw->SendRaw(bytes).ok());
    if (then_end) ::shutdown(raw->fd(), SHUT_WR);
    EXPECT_TRUE(WaitForClose(raw->fd(), absl::Now() + kPrompt))
        << bytes.size() << " bytes that are no TLS handshake left open";
  }

  // A connection to `address` that sent the first half of a ClientHello
  // and stalls there.
  absl::StatusOr<RawClient> ConnectStalledInHandshake(
      const std::string& address) const {
    const std::string hello = ClientHello();
    absl::StatusOr<RawClient> raw = RawClient::Connect(address);
    if (!raw.ok()) return raw.status();
    absl::Status sent = raw->SendRaw(hello.substr(0, hello.size() / 2));
    if (!sent.ok()) return sent;
    return raw;
  }

  // A real ClientHello, as a TLS client of this PKI's CA first sends it.
  std::string ClientHello() const {
    int ends[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, ends), 0);
    UniqueFd client_end(ends[0]);
    UniqueFd server_end(ends[1]);
    internal::TlsClientFiles files;
    files.ca_file = ca_->ca_file();
    auto context = internal::TlsContext::ForClient(files);
    EXPECT_TRUE(context.ok()) << context.status();
    auto stream = internal::TlsStream::ForClient(*context, client_end.get(), "localhost",
                                       nullptr, "capture");
    EXPECT_TRUE(stream.ok()) << stream.status();
    internal::TlsStream::Want want = internal::TlsStream::Want::kNothing;
    EXPECT_TRUE((*stream)->Handshake(&want).ok());
    EXPECT_EQ(want, internal::TlsStream::Want::kRead);
    std::string hello;
    char chunk[4096];
    ssize_t n;
    while ((n = ::read(server_end.get(), chunk, sizeof(chunk))) > 0) {
      hello.append(chunk, static_cast<size_t>(n));
    }
    return hello;
  }

  std::string dir_;
  std::unique_ptr<testing_support::TestPki> ca_;
  std::unique_ptr<testing_support::TestPki> other_ca_;
  testing_support::TestPki::Issued server_cert_;
  testing_support::TestPki::Issued client_cert_;
  testing_support::TestPki::Issued stranger_cert_;
  TestService service_;  // outlives the server
  std::unique_ptr<Server> server_;
};


}  // namespace test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_TLS_SERVER_TLS_FIXTURE_H_
