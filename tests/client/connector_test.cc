#include "client/connector.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

// A loopback listener on a free port (IPv4 only).
struct Listener {
  UniqueFd fd;
  int port = 0;
};

Listener Listen() {
  Listener listener;
  listener.fd.Reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(listener.fd.get(), reinterpret_cast<sockaddr*>(&address),
                   sizeof(address)),
            0);
  EXPECT_EQ(::listen(listener.fd.get(), 8), 0);
  socklen_t length = sizeof(address);
  ::getsockname(listener.fd.get(), reinterpret_cast<sockaddr*>(&address),
                &length);
  listener.port = ntohs(address.sin_port);
  return listener;
}

Address TcpAddress(const std::string& host, int port) {
  absl::StatusOr<Address> address = ParseAddress(absl::StrCat(host, ":", port));
  EXPECT_TRUE(address.ok()) << address.status();
  return *address;
}

TEST(Connector, ConnectsNonBlockingWithNoDelay) {
  Listener listener = Listen();
  absl::StatusOr<UniqueFd> fd = Connect(TcpAddress("127.0.0.1", listener.port),
                                        Deadline::After(absl::Seconds(10)));
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_NE(::fcntl(fd->get(), F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, 0);
  int nodelay = 0;
  socklen_t length = sizeof(nodelay);
  ASSERT_EQ(
      ::getsockopt(fd->get(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &length), 0);
  EXPECT_NE(nodelay, 0);
}

TEST(Connector, TriesEveryResolvedAddress) {
  // "localhost" may resolve to ::1 first; the listener is only on
  // 127.0.0.1, so connecting must move on to the next address.
  Listener listener = Listen();
  absl::StatusOr<UniqueFd> fd = Connect(TcpAddress("localhost", listener.port),
                                        Deadline::After(absl::Seconds(10)));
  ASSERT_TRUE(fd.ok()) << fd.status();
}

TEST(Connector, RefusedNamesTheAddressAndTheError) {
  int port;
  {
    Listener closed = Listen();
    port = closed.port;
  }
  absl::StatusOr<UniqueFd> fd = Connect(TcpAddress("127.0.0.1", port),
                                        Deadline::After(absl::Seconds(10)));
  EXPECT_EQ(fd.status(),
            absl::UnavailableError(absl::StrCat("connect to 127.0.0.1:", port,
                                                ": Connection refused")));
}

TEST(Connector, UnresolvableHostIsUnavailable) {
  absl::StatusOr<UniqueFd> fd = Connect(TcpAddress("no-such-host.invalid", 80),
                                        Deadline::After(absl::Seconds(10)));
  EXPECT_EQ(fd.status().code(), absl::StatusCode::kUnavailable) << fd.status();
  EXPECT_NE(fd.status().message().find("no-such-host.invalid"),
            std::string::npos);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
