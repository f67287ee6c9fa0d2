// bench_tls_handshake: what one TLS handshake costs framerpc's TLS layer
// (TlsContext, TlsStream), full and resumed. Both ends run on this thread
// over a Unix socket pair, stepping in turn, so the wall time of a
// handshake is the CPU both ends spent on it (no network, no scheduling).
// A resumed handshake offers the session (TLS 1.3 ticket) the previous
// connection got, as a Channel's reconnect does.
//
// Prints one JSON line: the handshakes run and the median and p90 of each
// kind in microseconds. Exits 1 when a handshake failed or a resumption
// did not resume, 2 on a bad command line.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"
#include "tls/tls_context.h"
#include "tls/tls_stream.h"

ABSL_FLAG(std::string, cert, "", "PEM certificate chain of the server");
ABSL_FLAG(std::string, key, "", "PEM private key of --cert");
ABSL_FLAG(std::string, ca, "", "PEM CAs the client trusts (default: --cert)");
ABSL_FLAG(std::string, host, "localhost",
          "the name the certificate must carry");
ABSL_FLAG(int, count, 300, "handshakes of each kind");

namespace framerpc {
namespace bench {
namespace {

using internal::SslSessionPtr;
using internal::TlsContext;
using internal::TlsStream;

[[noreturn]] void Die(int code, const std::string& what) {
  std::fprintf(stderr, "bench_tls_handshake: %s\n", what.c_str());
  std::exit(code);
}

// Steps both ends until each is done; the wall time it took.
absl::StatusOr<absl::Duration> HandshakeBoth(TlsStream& client,
                                             TlsStream& server) {
  const absl::Time start = absl::Now();
  bool client_done = false;
  bool server_done = false;
  // Each step either moves the handshake on or waits for the other end,
  // which steps next; a handshake takes a few rounds.
  for (int round = 0; round < 1000 && !(client_done && server_done);
       ++round) {
    TlsStream::Want want = TlsStream::Want::kNothing;
    if (!client_done) {
      absl::Status step = client.Handshake(&want);
      if (!step.ok()) return step;
      client_done = client.handshake_done();
    }
    if (!server_done) {
      absl::Status step = server.Handshake(&want);
      if (!step.ok()) return step;
      server_done = server.handshake_done();
    }
  }
  if (!(client_done && server_done)) {
    return absl::InternalError("the handshake did not finish in 1000 rounds");
  }
  return absl::Now() - start;
}

// Brings the server's session ticket to the client (TLS 1.3 sends it after
// the handshake) with one byte each way.
SslSessionPtr TakeTicket(TlsStream& client, TlsStream& server) {
  char byte = 'x';
  for (int i = 0; i < 100; ++i) {
    (void)server.Write(&byte, 1);
    (void)client.Write(&byte, 1);
    (void)client.Read(&byte, 1);
    (void)server.Read(&byte, 1);
    if (SslSessionPtr session = client.TakeSession()) return session;
  }
  return nullptr;
}

struct Pair {
  UniqueFd client;
  UniqueFd server;
};

Pair SocketPair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   fds) != 0) {
    Die(1, "socketpair failed");
  }
  return Pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

double Percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(fraction * (values.size() - 1))];
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "bench_tls_handshake --cert PEM --key PEM [--ca PEM] [--host NAME] "
      "[--count N]: TLS handshake cost, full and resumed");
  absl::ParseCommandLine(argc, argv);
  const std::string cert = absl::GetFlag(FLAGS_cert);
  const std::string key = absl::GetFlag(FLAGS_key);
  const std::string ca = absl::GetFlag(FLAGS_ca).empty()
                             ? cert
                             : absl::GetFlag(FLAGS_ca);
  const int count = absl::GetFlag(FLAGS_count);
  if (cert.empty() || key.empty() || count < 1) {
    Die(2, "--cert and --key are required, --count must be positive");
  }
  auto server_context = TlsContext::ForServer({cert, key, ""});
  if (!server_context.ok()) Die(2, server_context.status().ToString());
  auto client_context = TlsContext::ForClient({ca, "", ""});
  if (!client_context.ok()) Die(2, client_context.status().ToString());

  std::vector<double> full_us;
  std::vector<double> resumed_us;
  SslSessionPtr session;
  for (int i = 0; i < 2 * count; ++i) {
    const bool resume = i % 2 == 1;  // alternate, so both see the same noise
    Pair pair = SocketPair();
    auto client = TlsStream::ForClient(*client_context, pair.client.get(),
                                       absl::GetFlag(FLAGS_host),
                                       resume ? session.get() : nullptr,
                                       "bench server");
    auto server = TlsStream::ForServer(*server_context, pair.server.get(),
                                       "bench client");
    if (!client.ok()) Die(1, client.status().ToString());
    if (!server.ok()) Die(1, server.status().ToString());
    absl::StatusOr<absl::Duration> took = HandshakeBoth(**client, **server);
    if (!took.ok()) Die(1, took.status().ToString());
    if (resume) {
      if (!(*client)->session_reused()) Die(1, "a resumption did not resume");
      resumed_us.push_back(absl::ToDoubleMicroseconds(*took));
    } else {
      full_us.push_back(absl::ToDoubleMicroseconds(*took));
      session = TakeTicket(**client, **server);
      if (session == nullptr) Die(1, "no session ticket came");
    }
  }
  std::printf(
      "{\"handshakes\":%d,\"full_p50_us\":%.1f,\"full_p90_us\":%.1f,"
      "\"resumed_p50_us\":%.1f,\"resumed_p90_us\":%.1f}\n",
      count, Percentile(full_us, 0.5), Percentile(full_us, 0.9),
      Percentile(resumed_us, 0.5), Percentile(resumed_us, 0.9));
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
