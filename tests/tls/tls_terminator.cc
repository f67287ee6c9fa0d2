#include "tests/tls/tls_terminator.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace testing_support {
namespace {

using internal::TlsStream;
using Want = TlsStream::Want;

// How often blocked threads look at the stop flag.
constexpr int kStopCheckMs = 20;
constexpr absl::Duration kHandshakeLimit = absl::Seconds(10);

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

short Events(Want want) { return want == Want::kWrite ? POLLOUT : POLLIN; }

}  // namespace

absl::StatusOr<std::unique_ptr<TlsTerminator>> TlsTerminator::Start(
    std::shared_ptr<internal::TlsContext> context, int backend_port) {
  UniqueFd listener(
      ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (!listener.valid() ||
      ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0 ||
      ::listen(listener.get(), 512) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address),
                    &length) != 0) {
    return absl::InternalError(
        absl::StrCat("TLS terminator: listen on 127.0.0.1: errno ", errno));
  }
  std::unique_ptr<TlsTerminator> terminator(
      new TlsTerminator(std::move(context), std::move(listener),
                        ntohs(address.sin_port), backend_port));
  terminator->acceptor_ = std::thread([t = terminator.get()] { t->AcceptLoop(); });
  return terminator;
}

TlsTerminator::TlsTerminator(std::shared_ptr<internal::TlsContext> context,
                             UniqueFd listener, int port, int backend_port)
    : context_(std::move(context)),
      listener_(std::move(listener)),
      port_(port),
      backend_port_(backend_port) {}

TlsTerminator::~TlsTerminator() {
  stopping_.store(true);
  acceptor_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections.swap(connections_);
  }
  for (std::thread& connection : connections) connection.join();
}

std::string TlsTerminator::last_failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_failure_;
}

std::string TlsTerminator::last_peer_identity() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_peer_identity_;
}

void TlsTerminator::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, kStopCheckMs) <= 0) continue;
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr,
                              SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client.valid()) continue;
    std::lock_guard<std::mutex> lock(mu_);
    connections_.emplace_back(
        [this, fd = std::make_shared<UniqueFd>(std::move(client))] {
          Serve(std::move(*fd));
        });
  }
}

void TlsTerminator::Serve(UniqueFd client) {
  absl::StatusOr<std::unique_ptr<TlsStream>> made =
      TlsStream::ForServer(context_, client.get(), "test client");
  if (!made.ok()) return;
  TlsStream& tls = **made;
  const absl::Time limit = absl::Now() + kHandshakeLimit;
  while (!stopping_.load()) {
    Want want = Want::kNothing;
    absl::Status step = tls.Handshake(&want);
    if (!step.ok()) {
      failures_.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu_);
      last_failure_ = std::string(step.message());
      return;
    }
    if (want == Want::kNothing) break;
    if (absl::Now() > limit) return;
    pollfd p{client.get(), Events(want), 0};
    ::poll(&p, 1, kStopCheckMs);
  }
  if (stopping_.load()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_peer_identity_ = tls.PeerIdentity();
  }
  if (tls.session_reused()) resumed_.fetch_add(1);
  handshakes_.fetch_add(1);

  UniqueFd backend(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_in address = Loopback(backend_port_);
  if (!backend.valid() ||
      ::connect(backend.get(), reinterpret_cast<const sockaddr*>(&address),
                sizeof(address)) != 0) {
    return;
  }
  ::fcntl(backend.get(), F_SETFL, O_NONBLOCK);
  Pump(tls, client.get(), backend.get());
}

void TlsTerminator::Pump(TlsStream& tls, int client_fd, int backend_fd) {
  char data[16 * 1024];
  // Bytes read from one side that the other has not taken yet.
  std::string to_backend;
  std::string to_client;
  Want client_wants = Want::kRead;
  while (!stopping_.load()) {
    // From the client, through TLS (which may hold decrypted bytes).
    while (to_backend.empty()) {
      absl::StatusOr<TlsStream::Io> io = tls.Read(data, sizeof(data));
      if (!io.ok() || io->end_of_stream) return;
      if (io->bytes == 0) {
        client_wants = io->want;
        break;
      }
      to_backend.assign(data, io->bytes);
    }
    while (!to_backend.empty()) {
      const ssize_t n = ::send(backend_fd, to_backend.data(),
                               to_backend.size(), MSG_NOSIGNAL);
      if (n > 0) {
        to_backend.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return;
      } else {
        break;
      }
    }
    // From the backend, out through TLS.
    if (to_client.empty()) {
      const ssize_t n = ::recv(backend_fd, data, sizeof(data), 0);
      if (n == 0) return;
      if (n > 0) to_client.assign(data, static_cast<size_t>(n));
      if (n < 0 && errno != EAGAIN && errno != EINTR) return;
    }
    while (!to_client.empty()) {
      absl::StatusOr<TlsStream::Io> io =
          tls.Write(to_client.data(), to_client.size());
      if (!io.ok()) return;
      if (io->bytes == 0) {
        client_wants = io->want;
        break;
      }
      to_client.erase(0, io->bytes);
    }
    if (tls.buffered_plaintext() > 0 && to_backend.empty()) continue;
    pollfd fds[2] = {
        {client_fd, Events(client_wants), 0},
        {backend_fd,
         static_cast<short>((to_client.empty() ? POLLIN : 0) |
                            (to_backend.empty() ? 0 : POLLOUT)),
         0}};
    ::poll(fds, 2, kStopCheckMs);
  }
}

}  // namespace testing_support
}  // namespace framerpc
