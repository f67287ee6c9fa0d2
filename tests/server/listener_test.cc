#include "server/listener.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"

namespace framerpc {
namespace internal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// ServerOptions' defaults, for the tests that do not look at them.
constexpr absl::Duration kKeepaliveTime = absl::Seconds(30);
constexpr absl::Duration kKeepaliveTimeout = absl::Seconds(10);

class ListenerTest : public ::testing::Test {
 protected:
  std::string Path(absl::string_view name) const { return dir_.File(name); }
  static bool Exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }
  static bool IsSocket(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
  }

  test::TempDir dir_;
};

// Waits (bounded) until `listener` has a connection pending, then accepts it.
absl::optional<AcceptedSocket> AcceptOne(Listener& listener) {
  pollfd p{listener.fd(), POLLIN, 0};
  if (::poll(&p, 1, 10000) != 1) return absl::nullopt;
  absl::StatusOr<absl::optional<AcceptedSocket>> accepted = listener.Accept();
  EXPECT_TRUE(accepted.ok()) << accepted.status();
  return accepted.ok() ? std::move(*accepted) : absl::nullopt;
}

TEST_F(ListenerTest, TcpPortZeroPicksAPortAndAccepts) {
  absl::StatusOr<std::unique_ptr<Listener>> listener =
      Listener::Create("127.0.0.1:0", kKeepaliveTime, kKeepaliveTimeout);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_TRUE((*listener)->is_tcp());
  ASSERT_GT((*listener)->port(), 0);
  EXPECT_EQ((*listener)->bound_address(),
            absl::StrCat("127.0.0.1:", (*listener)->port()));
  // Nothing pending: nullopt, not an error.
  absl::StatusOr<absl::optional<AcceptedSocket>> none = (*listener)->Accept();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  absl::StatusOr<test::RawClient> client =
      test::RawClient::Connect((*listener)->bound_address());
  ASSERT_TRUE(client.ok());
  absl::optional<AcceptedSocket> accepted = AcceptOne(**listener);
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(accepted->peer, client->LocalAddress());
  EXPECT_TRUE(::fcntl(accepted->fd.get(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(::fcntl(accepted->fd.get(), F_GETFD) & FD_CLOEXEC);
}

// A client connected to `listener` and its accepted end (nullopt if the
// connect or the accept failed, which is also reported).
struct Connection {
  absl::StatusOr<test::RawClient> client;
  absl::optional<AcceptedSocket> accepted;
};
Connection ConnectAndAccept(Listener& listener) {
  Connection connection{test::RawClient::Connect(listener.bound_address()),
                        absl::nullopt};
  EXPECT_TRUE(connection.client.ok()) << connection.client.status();
  if (connection.client.ok()) connection.accepted = AcceptOne(listener);
  return connection;
}

int IntOption(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof(value);
  EXPECT_EQ(::getsockopt(fd, level, name, &value, &length), 0)
      << "getsockopt " << name;
  return value;
}

TEST_F(ListenerTest, AcceptedTcpSocketsCarryTheKeepaliveOptions) {
  for (const char* address : {"127.0.0.1:0", "[::1]:0"}) {
    SCOPED_TRACE(address);
    absl::StatusOr<std::unique_ptr<Listener>> listener =
        Listener::Create(address, absl::Seconds(3), absl::Milliseconds(1500));
    if (!listener.ok() && std::string(address) == "[::1]:0") {
      GTEST_SKIP() << "no IPv6 loopback here: " << listener.status();
    }
    ASSERT_TRUE(listener.ok()) << listener.status();
    Connection connection = ConnectAndAccept(**listener);
    ASSERT_TRUE(connection.accepted.has_value());
    const int fd = connection.accepted->fd.get();
    EXPECT_EQ(IntOption(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 4500);
    EXPECT_EQ(IntOption(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
    EXPECT_EQ(IntOption(fd, IPPROTO_TCP, TCP_KEEPIDLE), 3);
    EXPECT_EQ(IntOption(fd, IPPROTO_TCP, TCP_KEEPINTVL), 2);  // rounded up
    EXPECT_EQ(IntOption(fd, IPPROTO_TCP, TCP_KEEPCNT), 1);
    EXPECT_EQ(IntOption(fd, IPPROTO_TCP, TCP_NODELAY), 1);
  }
}

TEST_F(ListenerTest, AcceptedUnixSocketsGetNoKeepalive) {
  const std::string path = Path("keepalive.sock");
  absl::StatusOr<std::unique_ptr<Listener>> listener = Listener::Create(
      absl::StrCat("unix:", path), absl::Seconds(3), absl::Seconds(2));
  ASSERT_TRUE(listener.ok()) << listener.status();
  Connection connection = ConnectAndAccept(**listener);
  // Accepted all the same; a Unix socket has no peer host to vanish.
  ASSERT_TRUE(connection.accepted.has_value());
  EXPECT_EQ(IntOption(connection.accepted->fd.get(), SOL_SOCKET, SO_KEEPALIVE),
            0);
}

TEST_F(ListenerTest, MalformedAddressIsInvalidArgument) {
  for (const char* address : {"", "127.0.0.1", "127.0.0.1:http", "[::1:0",
                              "::1:0", "127.0.0.1:70000", "unix:"}) {
    SCOPED_TRACE(address);
    absl::StatusOr<std::unique_ptr<Listener>> listener =
        Listener::Create(address, kKeepaliveTime, kKeepaliveTimeout);
    ASSERT_FALSE(listener.ok());
    EXPECT_EQ(listener.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(ListenerTest, PortInUseNamesTheAddressAndTheCause) {
  absl::StatusOr<std::unique_ptr<Listener>> first =
      Listener::Create("127.0.0.1:0", kKeepaliveTime, kKeepaliveTimeout);
  ASSERT_TRUE(first.ok());
  const std::string address = (*first)->bound_address();
  absl::StatusOr<std::unique_ptr<Listener>> second =
      Listener::Create(address, kKeepaliveTime, kKeepaliveTimeout);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(std::string(second.status().message()),
            absl::StrCat("bind ", address, ": Address already in use"));
}

TEST_F(ListenerTest, PrivilegedPortIsPermissionDenied) {
  absl::StatusOr<std::unique_ptr<Listener>> listener =
      Listener::Create("127.0.0.1:1", kKeepaliveTime, kKeepaliveTimeout);
  if (listener.ok()) GTEST_SKIP() << "this process may bind privileged ports";
  if (listener.status().code() != absl::StatusCode::kPermissionDenied) {
    GTEST_SKIP() << "port 1 is unusable for another reason: "
                 << listener.status();
  }
  EXPECT_EQ(std::string(listener.status().message()),
            "bind 127.0.0.1:1: Permission denied");
}

TEST_F(ListenerTest, UnixSocketIsCreatedAndRemoved) {
  const std::string path = Path("a.sock");
  {
    absl::StatusOr<std::unique_ptr<Listener>> listener = Listener::Create(
        absl::StrCat("unix:", path), kKeepaliveTime, kKeepaliveTimeout);
    ASSERT_TRUE(listener.ok()) << listener.status();
    EXPECT_FALSE((*listener)->is_tcp());
    EXPECT_EQ((*listener)->port(), 0);
    EXPECT_EQ((*listener)->bound_address(), absl::StrCat("unix:", path));
    EXPECT_TRUE(IsSocket(path));
    absl::StatusOr<test::RawClient> client =
        test::RawClient::Connect(absl::StrCat("unix:", path));
    ASSERT_TRUE(client.ok());
    absl::optional<AcceptedSocket> accepted = AcceptOne(**listener);
    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->peer, absl::StrCat("unix:", path));
  }
  EXPECT_FALSE(Exists(path));
}

TEST_F(ListenerTest, RegularFileAtTheUnixPathIsRefusedAndKept) {
  const std::string path = Path("not-a-socket");
  {
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "keep", 4), 4);
    ::close(fd);
  }
  absl::StatusOr<std::unique_ptr<Listener>> listener = Listener::Create(
      absl::StrCat("unix:", path), kKeepaliveTime, kKeepaliveTimeout);
  ASSERT_FALSE(listener.ok());
  EXPECT_EQ(listener.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(listener.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(listener.status().message()),
              HasSubstr("not a socket"));
  struct stat st;
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 4);
}

TEST_F(ListenerTest, StaleUnixSocketFileIsReplaced) {
  const std::string path = Path("stale.sock");
  {
    // A socket file whose server is gone: bound, then closed.
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, path.c_str());
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address),
                     sizeof(address)),
              0);
  }
  ASSERT_TRUE(IsSocket(path));
  absl::StatusOr<std::unique_ptr<Listener>> listener = Listener::Create(
      absl::StrCat("unix:", path), kKeepaliveTime, kKeepaliveTimeout);
  ASSERT_TRUE(listener.ok()) << listener.status();
  absl::StatusOr<test::RawClient> client =
      test::RawClient::Connect(absl::StrCat("unix:", path));
  EXPECT_TRUE(client.ok()) << client.status();
}

TEST_F(ListenerTest, LiveUnixSocketIsRefused) {
  const std::string path = Path("live.sock");
  absl::StatusOr<std::unique_ptr<Listener>> live = Listener::Create(
      absl::StrCat("unix:", path), kKeepaliveTime, kKeepaliveTimeout);
  ASSERT_TRUE(live.ok());
  absl::StatusOr<std::unique_ptr<Listener>> second = Listener::Create(
      absl::StrCat("unix:", path), kKeepaliveTime, kKeepaliveTimeout);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              StartsWith(absl::StrCat("bind unix:", path)));
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("Address already in use"));
  // The refused attempt did not remove the live server's socket.
  EXPECT_TRUE(IsSocket(path));
  absl::StatusOr<test::RawClient> client =
      test::RawClient::Connect(absl::StrCat("unix:", path));
  EXPECT_TRUE(client.ok());
}

TEST_F(ListenerTest, ReplacedSocketFileIsNotRemovedByTheOldListener) {
  const std::string path = Path("moved.sock");
  absl::StatusOr<std::unique_ptr<Listener>> old = Listener::Create(
      absl::StrCat("unix:", path), kKeepaliveTime, kKeepaliveTimeout);
  ASSERT_TRUE(old.ok());
  // Someone removes the file and a new server takes the path.
  ASSERT_EQ(::unlink(path.c_str()), 0);
  absl::StatusOr<std::unique_ptr<Listener>> replacement = Listener::Create(
      absl::StrCat("unix:", path), kKeepaliveTime, kKeepaliveTimeout);
  ASSERT_TRUE(replacement.ok());
  old->reset();
  EXPECT_TRUE(IsSocket(path));
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
