// A real Server with ServerOptions::tls (server/tls_handshakes.h,
// server/tls_transport.h) against the test-side TLS client: round trips on
// every address family, mutual TLS and peer_identity(), peers that do not
// speak TLS or stall in the handshake, many handshakes at once, Start's
// checks of the certificate files and their rotation on disk. Certificates
// come from TestPki.
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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
namespace {

using internal::TlsStream;
using test::RawClient;
using test::RawResponse;
using test::TestReply;
using test::TestRequest;
using test::TestService;
using test::TlsTestClient;
using test::TlsTestClientOptions;
using testing_support::MakeTempDir;
using testing_support::TestPki;

constexpr absl::Duration kWait = absl::Seconds(20);
// How soon a server must close a peer whose bytes are no TLS handshake
// (well under the default handshake_timeout of 10 s, which would also
// close it).
constexpr absl::Duration kPrompt = absl::Seconds(5);

class ServerTls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("server_tls_test");
    auto ca = TestPki::Create(dir_, "ca");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    auto other_ca = TestPki::Create(dir_, "other_ca");
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
  TlsTestClientOptions ClientOptions(const TestPki::Issued& certificate) const {
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
    EXPECT_TRUE(test::WaitForClose(raw->fd(), absl::Now() + kPrompt))
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
    auto stream = TlsStream::ForClient(*context, client_end.get(), "localhost",
                                       nullptr, "capture");
    EXPECT_TRUE(stream.ok()) << stream.status();
    TlsStream::Want want = TlsStream::Want::kNothing;
    EXPECT_TRUE((*stream)->Handshake(&want).ok());
    EXPECT_EQ(want, TlsStream::Want::kRead);
    std::string hello;
    char chunk[4096];
    ssize_t n;
    while ((n = ::read(server_end.get(), chunk, sizeof(chunk))) > 0) {
      hello.append(chunk, static_cast<size_t>(n));
    }
    return hello;
  }

  std::string dir_;
  std::unique_ptr<TestPki> ca_;
  std::unique_ptr<TestPki> other_ca_;
  TestPki::Issued server_cert_;
  TestPki::Issued client_cert_;
  TestPki::Issued stranger_cert_;
  TestService service_;  // outlives the server
  std::unique_ptr<Server> server_;
};

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
    burst += test::EncodeRequest(static_cast<uint64_t>(i),
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

TEST_F(ServerTls, PlaintextClientIsClosedPromptlyAndOthersServed) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  TestRequest request;
  request.set_text("plaintext");
  ExpectClosedAfterSending(
      address, test::EncodeRequest(1, TestService::Method("Echo"),
                                   request.SerializeAsString()));
  absl::StatusOr<TestReply> reply = InspectOnce(address, ClientOptions());
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ServerTls, GarbageIsClosedPromptlyAndOthersServed) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  const std::string garbages[] = {
      std::string(300, '\xff'),
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
      std::string("\x16\x03\x01\xff\xff", 5) + std::string(64, '\0'),
  };
  for (const std::string& garbage : garbages) {
    ExpectClosedAfterSending(address, garbage);
  }
  absl::StatusOr<TestReply> reply = InspectOnce(address, ClientOptions());
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ServerTls, TruncatedClientHelloIsClosedPromptly) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  const std::string hello = ClientHello();
  ASSERT_GT(hello.size(), 20u);
  // And that is all it will ever send.
  ExpectClosedAfterSending(address, hello.substr(0, hello.size() / 2),
                           /*then_end=*/true);
  absl::StatusOr<TestReply> reply = InspectOnce(address, ClientOptions());
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ServerTls, FailedHandshakesGiveBackTheirConnectionSlots) {
  ServerOptions options = TlsOptions();
  options.max_connections = 1;
  const std::string address = StartServer(options);
  ASSERT_FALSE(address.empty());
  for (int i = 0; i < 3; ++i) {
    ExpectClosedAfterSending(address, std::string(64, '\x01'));
  }
  absl::StatusOr<TestReply> reply = InspectOnce(address, ClientOptions());
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ServerTls, ShutdownClosesHandshakesUnderWay) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  absl::StatusOr<RawClient> stalled = ConnectStalledInHandshake(address);
  ASSERT_TRUE(stalled.ok()) << stalled.status();
  // The handshake has begun once a TLS client behind it is served.
  ASSERT_TRUE(InspectOnce(address, ClientOptions()).ok());
  const absl::Time begun = absl::Now();
  server_->Shutdown(absl::Seconds(5));
  server_->Wait();
  EXPECT_LT(absl::Now() - begun, absl::Seconds(2));
  EXPECT_TRUE(test::WaitForClose(stalled->fd(), absl::Now() + kPrompt));
}

TEST_F(ServerTls, StalledHandshakeIsClosedAfterHandshakeTimeout) {
  constexpr absl::Duration kTimeout = absl::Milliseconds(300);
  ServerOptions options = TlsOptions();
  options.tls.handshake_timeout = kTimeout;
  const std::string address = StartServer(options);
  ASSERT_FALSE(address.empty());
  const absl::Time sent = absl::Now();
  absl::StatusOr<RawClient> loris = ConnectStalledInHandshake(address);
  ASSERT_TRUE(loris.ok()) << loris.status();
  // Meanwhile another client is served, call after call, on one connection.
  const absl::Time deadline = absl::Now() + kWait;
  auto other = TlsTestClient::Connect(address, ClientOptions(), deadline);
  ASSERT_TRUE(other.ok()) << other.status();
  int calls = 0;
  bool closed = false;
  while (!closed && absl::Now() < deadline) {
    TestRequest request;
    request.set_text("meanwhile");
    absl::StatusOr<RawResponse> response = (*other)->Call(
        static_cast<uint64_t>(++calls), TestService::Method("Echo"), request,
        deadline);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->code(), absl::StatusCode::kOk);
    pollfd entry{loris->fd(), POLLIN, 0};
    closed = ::poll(&entry, 1, 10) > 0 &&
             test::WaitForClose(loris->fd(), absl::Now() + kPrompt);
  }
  const absl::Duration took = absl::Now() - sent;
  EXPECT_TRUE(closed);
  EXPECT_GE(took, kTimeout - absl::Milliseconds(20));
  EXPECT_LT(took, kTimeout + absl::Seconds(3));
  EXPECT_GT(calls, 1);
}

TEST_F(ServerTls, TwoHundredConcurrentHandshakesAllSucceed) {
  ServerOptions options = TlsOptions();
  options.num_loops = 2;
  const std::string address = StartServer(options);
  ASSERT_FALSE(address.empty());
  constexpr int kClients = 200;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<int> succeeded{0};
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> threads;
  const TlsTestClientOptions client_options = ClientOptions();
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      const absl::Time give_up = absl::Now() + kWait;
      while (!go.load() && absl::Now() < give_up) std::this_thread::yield();
      absl::StatusOr<TestReply> reply =
          InspectOnce(address, client_options, absl::StrCat("client ", i));
      if (reply.ok() && reply->text() == absl::StrCat("client ", i)) {
        succeeded.fetch_add(1);
      } else {
        failures[i] = reply.ok() ? reply->text() : reply.status().ToString();
      }
    });
  }
  const absl::Time give_up = absl::Now() + kWait;
  while (ready.load() < kClients && absl::Now() < give_up) {
    std::this_thread::yield();
  }
  go.store(true);
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), kClients);
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(failures[i], "") << "client " << i;
  }
}

TEST_F(ServerTls, RotatedCertificateReachesNewConnectionsWithoutFailingCalls) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  // One established connection calls on throughout the rotation.
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  std::string failure;  // written by the caller, read after join
  std::thread caller([&] {
    const absl::Time deadline = absl::Now() + kWait;
    auto client = TlsTestClient::Connect(address, ClientOptions(), deadline);
    if (!client.ok()) {
      failure = client.status().ToString();
      return;
    }
    for (uint64_t id = 1; !stop.load() && absl::Now() < deadline; ++id) {
      TestRequest request;
      request.set_text("during rotation");
      absl::StatusOr<RawResponse> response = (*client)->Call(
          id, TestService::Method("Echo"), request, deadline);
      if (!response.ok() || response->code() != absl::StatusCode::kOk) {
        failure = response.ok() ? response->header.message()
                                : response.status().ToString();
        return;
      }
      calls.fetch_add(1);
    }
  });
  // The new pair is renamed over the old, key first: for a moment the
  // files do not match, which the server must ride out.
  auto next = ca_->Issue("server_next", "server-rotated",
                         {"DNS:localhost", "IP:127.0.0.1"});
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(::rename(next->key_file.c_str(), server_cert_.key_file.c_str()), 0);
  ASSERT_EQ(::rename(next->cert_file.c_str(), server_cert_.cert_file.c_str()),
            0);
  const absl::Time deadline = absl::Now() + kWait;
  std::string subject;
  while (absl::Now() < deadline) {
    auto client = TlsTestClient::Connect(address, ClientOptions(), deadline);
    ASSERT_TRUE(client.ok()) << client.status();
    subject = (*client)->ServerSubject();
    if (subject.find("CN=server-rotated") != std::string::npos) break;
    absl::SleepFor(absl::Milliseconds(50));  // pacing the probes only
  }
  EXPECT_NE(subject.find("CN=server-rotated"), std::string::npos) << subject;
  stop.store(true);
  caller.join();
  EXPECT_EQ(failure, "");
  EXPECT_GT(calls.load(), 0);
}

TEST_F(ServerTls, BadRotatedCertificateKeepsTheOldOne) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  const std::string garbage = dir_ + "/garbage.pem";
  {
    FILE* file = std::fopen(garbage.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("-----BEGIN CERTIFICATE-----\nnot base64\n", file);
    std::fclose(file);
  }
  ASSERT_EQ(::rename(garbage.c_str(), server_cert_.cert_file.c_str()), 0);
  // Past the check interval, connections keep getting the old certificate.
  const absl::Time until = absl::Now() + absl::Milliseconds(2500);
  int connections = 0;
  while (absl::Now() < until) {
    auto client =
        TlsTestClient::Connect(address, ClientOptions(), absl::Now() + kWait);
    ASSERT_TRUE(client.ok()) << client.status();
    EXPECT_EQ((*client)->ServerSubject(), "O=framerpc tests,CN=server");
    ++connections;
    absl::SleepFor(absl::Milliseconds(100));  // pacing the probes only
  }
  EXPECT_GT(connections, 10);
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
}  // namespace framerpc
