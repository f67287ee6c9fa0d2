// TlsStream and TlsContext against each other on loopback TCP, with
// certificates made by the test (TestPki): a handshake and bytes both ways,
// every failure the issue names (wrong CA, wrong host, expired, mutual TLS
// without a client certificate, plaintext on either side, garbage and a
// truncated ClientHello), the peer identity of a client certificate, and a
// reconnect that resumes its session instead of a full handshake.
#include "tls/tls_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "gtest/gtest.h"
#include "tests/tls/test_pki.h"
#include "tls/tls_context.h"

namespace framerpc {
namespace internal {
namespace {

using testing_support::MakeTempDir;
using testing_support::TestPki;
using Want = TlsStream::Want;

constexpr absl::Duration kLimit = absl::Seconds(20);

struct SocketPair {
  UniqueFd client;
  UniqueFd server;
};

// A connected loopback TCP pair, both ends non-blocking.
SocketPair ConnectedPair() {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  EXPECT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address),
                   sizeof(address)),
            0);
  EXPECT_EQ(::listen(listener.get(), 1), 0);
  EXPECT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address),
                          &length),
            0);
  SocketPair pair;
  pair.client = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_EQ(::connect(pair.client.get(), reinterpret_cast<sockaddr*>(&address),
                      sizeof(address)),
            0);
  pair.server = UniqueFd(::accept4(listener.get(), nullptr, nullptr,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC));
  ::fcntl(pair.client.get(), F_SETFL, O_NONBLOCK);
  return pair;
}

short PollEvents(Want want) { return want == Want::kWrite ? POLLOUT : POLLIN; }

struct Outcome {
  absl::Status client;
  absl::Status server;
};

// Drives both handshakes on this thread until each has finished or failed
// (a side that fails shuts its socket, as a real peer would close it).
Outcome HandshakeBoth(TlsStream& client, int client_fd, TlsStream& server,
                      int server_fd) {
  Outcome outcome;
  bool client_over = false;
  bool server_over = false;
  Want client_want = Want::kNothing;
  Want server_want = Want::kNothing;
  const absl::Time end = absl::Now() + kLimit;
  while (!(client_over && server_over) && absl::Now() < end) {
    if (!client_over) {
      outcome.client = client.Handshake(&client_want);
      client_over = !outcome.client.ok() || client.handshake_done();
      if (!outcome.client.ok()) ::shutdown(client_fd, SHUT_RDWR);
    }
    if (!server_over) {
      outcome.server = server.Handshake(&server_want);
      server_over = !outcome.server.ok() || server.handshake_done();
      if (!outcome.server.ok()) ::shutdown(server_fd, SHUT_RDWR);
    }
    pollfd fds[2] = {{client_fd, PollEvents(client_want), 0},
                     {server_fd, PollEvents(server_want), 0}};
    ::poll(fds, 2, 10);
  }
  EXPECT_TRUE(client_over && server_over) << "handshake did not end";
  return outcome;
}

// A server's handshake against whatever the test wrote to its peer, to its
// end: OK when it completed, else its failure.
absl::Status ServerHandshake(TlsStream& server, int fd) {
  Want want = Want::kRead;
  absl::Status status;
  const absl::Time end = absl::Now() + kLimit;
  while (status.ok() && want != Want::kNothing && absl::Now() < end) {
    status = server.Handshake(&want);
    pollfd readable{fd, POLLIN, 0};
    ::poll(&readable, 1, 10);
  }
  return status;
}

// Moves `bytes` from `writer` to `reader` (both after their handshake),
// interleaving partial writes and reads on this thread; the status of the
// first failure, else what `reader` received.
absl::StatusOr<std::string> Transfer(TlsStream& writer, TlsStream& reader,
                                     int reader_fd, const std::string& bytes) {
  std::string received;
  size_t sent = 0;
  char buffer[16384];
  const absl::Time end = absl::Now() + kLimit;
  while (received.size() < bytes.size() && absl::Now() < end) {
    if (sent < bytes.size()) {
      absl::StatusOr<TlsStream::Io> wrote =
          writer.Write(bytes.data() + sent, bytes.size() - sent);
      if (!wrote.ok()) return wrote.status();
      sent += wrote->bytes;
    }
    absl::StatusOr<TlsStream::Io> read = reader.Read(buffer, sizeof(buffer));
    if (!read.ok()) return read.status();
    if (read->end_of_stream) break;
    received.append(buffer, read->bytes);
    if (read->bytes == 0) {
      pollfd fd{reader_fd, POLLIN, 0};
      ::poll(&fd, 1, 1);
    }
  }
  return received;
}

bool Contains(const absl::Status& status, absl::string_view part) {
  return status.message().find(part) != absl::string_view::npos;
}

class TlsStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("framerpc_tls_");
    ASSERT_FALSE(dir_.empty());
    absl::StatusOr<std::unique_ptr<TestPki>> pki =
        TestPki::Create(dir_, "test-ca");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    absl::StatusOr<TestPki::Issued> server = pki_->Issue(
        "server", "localhost", {"DNS:localhost", "IP:127.0.0.1", "IP:::1"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *server;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::shared_ptr<TlsContext> ServerContext(const TestPki::Issued& issued,
                                            const std::string& client_ca = "") {
    absl::StatusOr<std::shared_ptr<TlsContext>> context =
        TlsContext::ForServer({issued.cert_file, issued.key_file, client_ca});
    EXPECT_TRUE(context.ok()) << context.status();
    return context.ok() ? *context : nullptr;
  }
  std::shared_ptr<TlsContext> ClientContext(const TlsClientFiles& files) {
    absl::StatusOr<std::shared_ptr<TlsContext>> context =
        TlsContext::ForClient(files);
    EXPECT_TRUE(context.ok()) << context.status();
    return context.ok() ? *context : nullptr;
  }

  // A client and a server stream over a fresh pair.
  struct Link {
    SocketPair sockets;
    std::unique_ptr<TlsStream> client;
    std::unique_ptr<TlsStream> server;
    Outcome Handshake() {
      return HandshakeBoth(*client, sockets.client.get(), *server,
                           sockets.server.get());
    }
  };
  Link Connect(std::shared_ptr<TlsContext> client_context,
               std::shared_ptr<TlsContext> server_context,
               const std::string& host = "localhost",
               SSL_SESSION* resume = nullptr) {
    Link link;
    link.sockets = ConnectedPair();
    absl::StatusOr<std::unique_ptr<TlsStream>> client = TlsStream::ForClient(
        std::move(client_context), link.sockets.client.get(), host, resume,
        "127.0.0.1:7000");
    EXPECT_TRUE(client.ok()) << client.status();
    absl::StatusOr<std::unique_ptr<TlsStream>> server = TlsStream::ForServer(
        std::move(server_context), link.sockets.server.get(), "127.0.0.1:5555");
    EXPECT_TRUE(server.ok()) << server.status();
    if (client.ok()) link.client = *std::move(client);
    if (server.ok()) link.server = *std::move(server);
    return link;
  }

  // The client's failure when `trusted_ca` is its CA file, `host` what it
  // dialled, and `served` the server's certificate: UNAVAILABLE, expected.
  absl::Status ClientRefusal(const std::string& trusted_ca,
                             const TestPki::Issued& served,
                             const std::string& host = "localhost") {
    Link link =
        Connect(ClientContext({trusted_ca, "", ""}), ServerContext(served), host);
    const absl::Status failed = link.Handshake().client;
    EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
    return failed;
  }

  std::string dir_;
  std::unique_ptr<TestPki> pki_;
  TestPki::Issued server_;
};

TEST_F(TlsStreamTest, HandshakeThenBytesBothWaysOverTls13WithAlpn) {
  Link link = Connect(ClientContext({pki_->ca_file(), "", ""}),
                      ServerContext(server_));
  const Outcome outcome = link.Handshake();
  ASSERT_TRUE(outcome.client.ok()) << outcome.client;
  ASSERT_TRUE(outcome.server.ok()) << outcome.server;
  EXPECT_EQ(link.client->version(), "TLSv1.3");
  EXPECT_EQ(link.client->alpn(), kAlpnProtocol);
  EXPECT_EQ(link.server->alpn(), kAlpnProtocol);
  EXPECT_FALSE(link.client->session_reused());
  // More than the socket buffers hold, so writes end short and resume.
  std::string request(3 << 20, '\0');
  for (size_t i = 0; i < request.size(); ++i) request[i] = char(i * 7);
  absl::StatusOr<std::string> at_server = Transfer(
      *link.client, *link.server, link.sockets.server.get(), request);
  ASSERT_TRUE(at_server.ok()) << at_server.status();
  EXPECT_TRUE(*at_server == request);
  absl::StatusOr<std::string> at_client = Transfer(
      *link.server, *link.client, link.sockets.client.get(), "reply");
  ASSERT_TRUE(at_client.ok()) << at_client.status();
  EXPECT_EQ(*at_client, "reply");
}

TEST_F(TlsStreamTest, AnIpLiteralIsCheckedAgainstTheCertificatesAddresses) {
  Link link = Connect(ClientContext({pki_->ca_file(), "", ""}),
                      ServerContext(server_), "127.0.0.1");
  EXPECT_TRUE(link.Handshake().client.ok());
  const absl::Status failed =
      ClientRefusal(pki_->ca_file(), server_, "127.0.0.2");
  EXPECT_TRUE(Contains(failed, "IP address mismatch")) << failed;
}

TEST_F(TlsStreamTest, AServerTheClientsCaDidNotSignIsRefused) {
  absl::StatusOr<std::unique_ptr<TestPki>> other =
      TestPki::Create(dir_, "other-ca");
  ASSERT_TRUE(other.ok());
  const absl::Status failed = ClientRefusal((*other)->ca_file(), server_);
  EXPECT_TRUE(Contains(failed, "certificate verify failed")) << failed;
  // The server sent its chain up to its own (self-signed) CA.
  EXPECT_TRUE(Contains(failed, "self-signed certificate in certificate chain"))
      << failed;
  EXPECT_TRUE(Contains(failed, "127.0.0.1:7000")) << failed;  // the peer
}

TEST_F(TlsStreamTest, ACertificateForAnotherHostIsRefused) {
  const absl::Status failed =
      ClientRefusal(pki_->ca_file(), server_, "kv.internal");
  EXPECT_TRUE(Contains(failed, "hostname mismatch")) << failed;
}

TEST_F(TlsStreamTest, AnExpiredCertificateIsRefused) {
  absl::StatusOr<TestPki::Issued> expired =
      pki_->Issue("expired", "localhost", {"DNS:localhost"},
                  /*valid_from=*/absl::Hours(-48), /*valid_for=*/absl::Hours(24));
  ASSERT_TRUE(expired.ok());
  const absl::Status failed = ClientRefusal(pki_->ca_file(), *expired);
  EXPECT_TRUE(Contains(failed, "certificate has expired")) << failed;
}

TEST_F(TlsStreamTest, MutualTlsGivesTheServerTheClientsIdentity) {
  absl::StatusOr<TestPki::Issued> client =
      pki_->Issue("client", "client1", {"DNS:client1.example"});
  ASSERT_TRUE(client.ok());
  Link link = Connect(
      ClientContext({pki_->ca_file(), client->cert_file, client->key_file}),
      ServerContext(server_, pki_->ca_file()));
  const Outcome outcome = link.Handshake();
  ASSERT_TRUE(outcome.client.ok()) << outcome.client;
  ASSERT_TRUE(outcome.server.ok()) << outcome.server;
  EXPECT_EQ(link.server->PeerIdentity(),
            "subject=O=framerpc tests,CN=client1; san=DNS:client1.example");
}

TEST_F(TlsStreamTest, MutualTlsWithoutAClientCertificateIsRefused) {
  Link link = Connect(ClientContext({pki_->ca_file(), "", ""}),
                      ServerContext(server_, pki_->ca_file()));
  const Outcome outcome = link.Handshake();
  EXPECT_EQ(outcome.server.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(outcome.server, "did not return a certificate"))
      << outcome.server;
  // Under TLS 1.3 the client's handshake ends first; it learns of the
  // refusal on its first read.
  if (outcome.client.ok()) {
    char byte;
    absl::StatusOr<TlsStream::Io> read = absl::UnavailableError("no read");
    const absl::Time end = absl::Now() + kLimit;
    do {
      read = link.client->Read(&byte, 1);
      pollfd fd{link.sockets.client.get(), POLLIN, 0};
      ::poll(&fd, 1, 10);
    } while (read.ok() && !read->end_of_stream && read->bytes == 0 &&
             absl::Now() < end);
    EXPECT_FALSE(read.ok() && read->bytes > 0);
    if (!read.ok()) {
      EXPECT_TRUE(Contains(read.status(), "certificate required"))
          << read.status();
    }
  }
}

TEST_F(TlsStreamTest, APlaintextClientGetsAClearErrorAtTheServer) {
  std::shared_ptr<TlsContext> server_context = ServerContext(server_);
  SocketPair sockets = ConnectedPair();
  absl::StatusOr<std::unique_ptr<TlsStream>> server = TlsStream::ForServer(
      server_context, sockets.server.get(), "127.0.0.1:5555");
  ASSERT_TRUE(server.ok());
  // A framerpc frame: a 4-byte length, then a protobuf body.
  const char frame[] = "\x00\x00\x00\x05\x0a\x03" "abc";
  ASSERT_EQ(::write(sockets.client.get(), frame, sizeof(frame) - 1),
            static_cast<ssize_t>(sizeof(frame) - 1));
  const absl::Status status = ServerHandshake(**server, sockets.server.get());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(status, "does not speak TLS")) << status;
}

TEST_F(TlsStreamTest, ATlsClientOfAPlaintextServerGetsAClearError) {
  SocketPair sockets = ConnectedPair();
  absl::StatusOr<std::unique_ptr<TlsStream>> client = TlsStream::ForClient(
      ClientContext({pki_->ca_file(), "", ""}), sockets.client.get(),
      "localhost", nullptr, "127.0.0.1:7000");
  ASSERT_TRUE(client.ok());
  Want want = Want::kNothing;
  ASSERT_TRUE((*client)->Handshake(&want).ok());  // the ClientHello is out
  // A plaintext framerpc server reads it as an over-long frame and closes.
  char hello[512];
  pollfd readable{sockets.server.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 10000), 1);
  ASSERT_GT(::read(sockets.server.get(), hello, sizeof(hello)), 0);
  sockets.server = UniqueFd();
  absl::Status status;
  const absl::Time end = absl::Now() + kLimit;
  while (status.ok() && want != Want::kNothing && absl::Now() < end) {
    pollfd fd{sockets.client.get(), POLLIN, 0};
    ::poll(&fd, 1, 10);
    status = (*client)->Handshake(&want);
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(status, "closed the connection during the handshake"))
      << status;
}

TEST_F(TlsStreamTest, GarbageOrATruncatedClientHelloFailsTheServerCleanly) {
  std::shared_ptr<TlsContext> server_context = ServerContext(server_);
  // Random bytes; then the first 40 bytes of a real ClientHello, cut off.
  std::string garbage(300, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = char(i * 131 + 17);
  std::string truncated;
  {
    SocketPair capture = ConnectedPair();
    absl::StatusOr<std::unique_ptr<TlsStream>> client = TlsStream::ForClient(
        ClientContext({pki_->ca_file(), "", ""}), capture.client.get(),
        "localhost", nullptr, "capture");
    ASSERT_TRUE(client.ok());
    Want want;
    ASSERT_TRUE((*client)->Handshake(&want).ok());
    char hello[40];
    pollfd readable{capture.server.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&readable, 1, 10000), 1);
    ASSERT_EQ(::read(capture.server.get(), hello, sizeof(hello)),
              static_cast<ssize_t>(sizeof(hello)));
    truncated.assign(hello, sizeof(hello));
  }
  for (const std::string& input : {garbage, truncated}) {
    SocketPair sockets = ConnectedPair();
    absl::StatusOr<std::unique_ptr<TlsStream>> server = TlsStream::ForServer(
        server_context, sockets.server.get(), "127.0.0.1:5555");
    ASSERT_TRUE(server.ok());
    ASSERT_EQ(::write(sockets.client.get(), input.data(), input.size()),
              static_cast<ssize_t>(input.size()));
    ::shutdown(sockets.client.get(), SHUT_WR);
    const absl::Status status =
        ServerHandshake(**server, sockets.server.get());
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  }
}

TEST_F(TlsStreamTest, AReconnectResumesItsSessionWithoutAFullHandshake) {
  std::shared_ptr<TlsContext> client_context =
      ClientContext({pki_->ca_file(), "", ""});
  std::shared_ptr<TlsContext> server_context = ServerContext(server_);
  SslSessionPtr session;
  {
    Link first = Connect(client_context, server_context);
    ASSERT_TRUE(first.Handshake().client.ok());
    // TLS 1.3 tickets follow the handshake: an exchange brings them in.
    ASSERT_TRUE(Transfer(*first.client, *first.server,
                         first.sockets.server.get(), "ping")
                    .ok());
    ASSERT_TRUE(Transfer(*first.server, *first.client,
                         first.sockets.client.get(), "pong")
                    .ok());
    session = first.client->TakeSession();
    ASSERT_NE(session, nullptr);
  }
  Link second =
      Connect(client_context, server_context, "localhost", session.get());
  const Outcome outcome = second.Handshake();
  ASSERT_TRUE(outcome.client.ok()) << outcome.client;
  EXPECT_TRUE(second.client->session_reused());
  EXPECT_TRUE(second.server->session_reused());
}

TEST_F(TlsStreamTest, WritingToAPeerThatWentFailsWithoutSigpipe) {
  Link link = Connect(ClientContext({pki_->ca_file(), "", ""}),
                      ServerContext(server_));
  ASSERT_TRUE(link.Handshake().client.ok());
  link.server.reset();
  link.sockets.server = UniqueFd();  // closed: later writes draw a reset
  const std::string chunk(64 << 10, 'x');
  absl::Status failed;
  const absl::Time end = absl::Now() + kLimit;
  // SIGPIPE is not ignored here: were it raised, the test would die.
  while (failed.ok() && absl::Now() < end) {
    absl::StatusOr<TlsStream::Io> wrote =
        link.client->Write(chunk.data(), chunk.size());
    if (!wrote.ok()) failed = wrote.status();
    pollfd fd{link.sockets.client.get(), POLLOUT, 0};
    ::poll(&fd, 1, 10);
  }
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
}

TEST(TlsContextTest, FilesThatCannotBeUsedAreNamed) {
  absl::StatusOr<std::shared_ptr<TlsContext>> missing =
      TlsContext::ForServer({"/nonexistent/server.pem", "/nonexistent/server.key", ""});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(missing.status(), "/nonexistent/server.pem"))
      << missing.status();
  absl::StatusOr<std::shared_ptr<TlsContext>> half =
      TlsContext::ForClient({"", "client.pem", ""});
  EXPECT_EQ(half.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::shared_ptr<TlsContext>> no_key =
      TlsContext::ForServer({"server.pem", "", ""});
  EXPECT_EQ(no_key.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TlsStreamTest, AKeyThatDoesNotMatchItsCertificateIsNamed) {
  absl::StatusOr<TestPki::Issued> other =
      pki_->Issue("other", "other", {"DNS:other"});
  ASSERT_TRUE(other.ok());
  absl::StatusOr<std::shared_ptr<TlsContext>> mismatched =
      TlsContext::ForServer({server_.cert_file, other->key_file, ""});
  EXPECT_EQ(mismatched.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(mismatched.status(), "other.key"))
      << mismatched.status();
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
