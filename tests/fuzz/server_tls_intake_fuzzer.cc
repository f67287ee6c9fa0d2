// libFuzzer target: arbitrary bytes as a client's first flight to a TLS
// server, through the server's own intake: a TlsHandshakes (the loop's
// handshakes, with ServerTlsCredentials and a real Poller) holding the
// server's end of a socketpair, the bytes written to the other end, which
// then closes its writing side. Handshake steps run until the handshake
// fails or (never, in practice, without the client's keys) completes, when
// the established transport is read until the end. Whatever the server
// writes back is read and dropped, so that it never waits on a full socket.
//
// Checked: no crash, no leak, and the handshake ends within a bounded
// number of steps (the peer's end of stream must end it).
//
// The server's certificate is made once per process by TestPki, in a
// temporary folder.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "framerpc/server_options.h"
#include "framing/buffer.h"
#include "server/listener.h"
#include "server/poller.h"
#include "server/server_tls_credentials.h"
#include "server/tls_handshakes.h"
#include "tests/tls/test_pki.h"

namespace {

using framerpc::Buffer;
using framerpc::UniqueFd;
using framerpc::internal::AcceptedSocket;
using framerpc::internal::ServerTlsCredentials;
using framerpc::internal::TlsHandshakes;

// More steps than any handshake that ends at the peer's end of stream.
constexpr int kMaxSteps = 200;
// What one input may be: the socket buffer takes it at once.
constexpr size_t kMaxInput = 64 * 1024;

std::shared_ptr<ServerTlsCredentials> Credentials() {
  static std::shared_ptr<ServerTlsCredentials>* credentials = [] {
    using framerpc::testing_support::MakeTempDir;
    using framerpc::testing_support::TestPki;
    auto pki = TestPki::Create(MakeTempDir("server_tls_intake_fuzzer"), "ca");
    if (!pki.ok()) std::abort();
    auto issued = (*pki)->Issue("server", "server", {"DNS:localhost"});
    if (!issued.ok()) std::abort();
    framerpc::TlsServerOptions options;
    options.enabled = true;
    options.cert_chain_file = issued->cert_file;
    options.private_key_file = issued->key_file;
    auto loaded = ServerTlsCredentials::Load(options);
    if (!loaded.ok()) std::abort();
    return new std::shared_ptr<ServerTlsCredentials>(*loaded);
  }();
  return *credentials;
}

void DrainQuietly(int fd) {
  char scratch[16384];
  while (::read(fd, scratch, sizeof(scratch)) > 0) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   ends) != 0) {
    std::abort();
  }
  UniqueFd client(ends[0]);
  AcceptedSocket server{UniqueFd(ends[1]), "unix:fuzzer"};
  const int server_fd = server.fd.get();
  if (size > 0 &&
      ::send(client.get(), data, size, MSG_NOSIGNAL) != static_cast<ssize_t>(size)) {
    std::abort();  // a fresh socketpair takes 64 KiB
  }
  ::shutdown(client.get(), SHUT_WR);

  auto poller = framerpc::internal::MakePoller(framerpc::PollerKind::kPoll);
  if (!poller.ok()) std::abort();
  TlsHandshakes handshakes(Credentials(), absl::Seconds(10), poller->get());
  if (!handshakes.Start(std::move(server), absl::Now())) std::abort();
  for (int step = 0; step < kMaxSteps; ++step) {
    handshakes.BeginIteration();
    TlsHandshakes::Established established;
    const TlsHandshakes::Outcome outcome =
        handshakes.Step(server_fd, &established);
    DrainQuietly(client.get());
    if (outcome == TlsHandshakes::Outcome::kFailed) return 0;
    if (outcome == TlsHandshakes::Outcome::kEstablished) {
      Buffer input;
      int error = 0;
      for (int read = 0; read < kMaxSteps; ++read) {
        if (established.transport->ReadInto(&input, 0, &error) <= 0 &&
            !established.transport->HasBufferedInput()) {
          break;
        }
        input.RetrieveAll();
      }
      established.transport->Close();
      return 0;
    }
  }
  std::abort();  // the peer's end of stream did not end the handshake
}
