#include "tests/client/blackhole_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/posix_error.h"
#include "gtest/gtest.h"
#include "rpc/address.h"

namespace framerpc {
namespace testing_support {
namespace {

// How often the proxy looks at the blackhole switch while nothing moves.
constexpr int kTickMs = 5;

// Copies what `from` has to `to` (blocking writes, small test traffic);
// false at end of stream or on an error.
bool Forward(int from, int to) {
  char buffer[64 * 1024];
  const ssize_t n = ::recv(from, buffer, sizeof(buffer), MSG_DONTWAIT);
  if (n == 0) return false;
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  ssize_t sent = 0;
  while (sent < n) {
    const ssize_t m = ::send(to, buffer + sent, static_cast<size_t>(n - sent),
                             MSG_NOSIGNAL);
    if (m < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += m;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BlackholeProxy>> BlackholeProxy::Start(
    absl::string_view upstream) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid()) return PosixError("proxy: socket", errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0 ||
      ::listen(listener.get(), 16) != 0) {
    return PosixError("proxy: bind and listen on 127.0.0.1:0", errno);
  }
  socklen_t length = sizeof(address);
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address),
                &length);
  std::string name = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  return std::unique_ptr<BlackholeProxy>(new BlackholeProxy(
      std::move(listener), std::move(name), std::string(upstream)));
}

BlackholeProxy::BlackholeProxy(UniqueFd listener, std::string address,
                               std::string upstream)
    : listener_(std::move(listener)),
      address_(std::move(address)),
      upstream_(std::move(upstream)),
      wakeup_(::eventfd(0, EFD_CLOEXEC)) {
  thread_ = std::thread([this] { Run(); });
}

BlackholeProxy::~BlackholeProxy() {
  const uint64_t one = 1;
  EXPECT_EQ(::write(wakeup_.get(), &one, sizeof(one)),
            static_cast<ssize_t>(sizeof(one)));
  thread_.join();
}

void BlackholeProxy::Run() {
  struct Pair {
    UniqueFd client;
    UniqueFd server;
  };
  std::vector<Pair> pairs;
  while (true) {
    std::vector<pollfd> polled = {{wakeup_.get(), POLLIN, 0},
                                  {listener_.get(), POLLIN, 0}};
    const bool forwarding = !blackholed_.load();
    if (forwarding) {
      for (const Pair& pair : pairs) {
        polled.push_back({pair.client.get(), POLLIN, 0});
        polled.push_back({pair.server.get(), POLLIN, 0});
      }
    }
    if (::poll(polled.data(), polled.size(), kTickMs) < 0 && errno != EINTR) {
      ADD_FAILURE() << PosixError("proxy: poll", errno);
      return;
    }
    if (polled[0].revents != 0) return;
    if (polled[1].revents != 0) {
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr,
                                SOCK_CLOEXEC));
      absl::StatusOr<Address> parsed = ParseAddress(upstream_);
      absl::StatusOr<std::vector<ResolvedAddress>> resolved =
          parsed.ok() ? Resolve(*parsed)
                      : absl::StatusOr<std::vector<ResolvedAddress>>(
                            parsed.status());
      if (!client.valid() || !resolved.ok()) {
        ADD_FAILURE() << "proxy: accept or resolve " << upstream_;
        continue;
      }
      const ResolvedAddress& where = resolved->front();
      UniqueFd server(::socket(where.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
      if (::connect(server.get(),
                    reinterpret_cast<const sockaddr*>(&where.storage),
                    where.length) != 0) {
        ADD_FAILURE() << PosixError("proxy: connect upstream", errno);
        continue;
      }
      pairs.push_back(Pair{std::move(client), std::move(server)});
    }
    if (!forwarding) continue;
    // Only the pairs that were polled (not one accepted just now).
    const size_t polled_pairs = (polled.size() - 2) / 2;
    for (size_t i = 0; i < polled_pairs; ++i) {
      const pollfd& from_client = polled[2 + 2 * i];
      const pollfd& from_server = polled[3 + 2 * i];
      bool open = true;
      if (from_client.revents != 0) {
        open = Forward(pairs[i].client.get(), pairs[i].server.get());
      }
      if (open && from_server.revents != 0) {
        open = Forward(pairs[i].server.get(), pairs[i].client.get());
      }
      if (!open) {
        // One end closed: close both, as a transparent proxy would.
        pairs.erase(pairs.begin() + static_cast<std::ptrdiff_t>(i));
        break;  // indices into `polled` no longer match; poll again
      }
    }
  }
}

}  // namespace testing_support
}  // namespace framerpc
