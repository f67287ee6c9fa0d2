#include "client/connector.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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

// A Unix listener that never accepts by itself, its accept queue filled by
// connections that wait in it, in a directory of its own.
class FullUnixListener {
 public:
  FullUnixListener() {
    char pattern[] = "/tmp/framerpc_connector.XXXXXX";
    if (::mkdtemp(pattern) == nullptr) return;
    dir_ = pattern;
    path_ = dir_ + "/s.sock";
    fd_.Reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s",
                  path_.c_str());
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address),
                     sizeof(address)),
              0);
    EXPECT_EQ(::listen(fd_.get(), 0), 0);
    // Connect until the queue refuses (a handful with backlog 0).
    for (int i = 0; i < 64; ++i) {
      UniqueFd waiting(
          ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      if (::connect(waiting.get(), reinterpret_cast<sockaddr*>(&address),
                    sizeof(address)) != 0) {
        full_ = errno == EAGAIN;
        break;
      }
      waiting_.push_back(std::move(waiting));
    }
  }
  ~FullUnixListener() {
    fd_.Reset();
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  bool full() const { return full_; }
  Address address() const {
    absl::StatusOr<Address> parsed = ParseAddress("unix:" + path_);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return *parsed;
  }
  // Takes one waiting connection off the queue, making room for one more.
  void AcceptOne() { UniqueFd taken(::accept(fd_.get(), nullptr, nullptr)); }

 private:
  std::string dir_;
  std::string path_;
  UniqueFd fd_;
  std::vector<UniqueFd> waiting_;
  bool full_ = false;
};

// A Unix socket refuses a non-blocking connect with EAGAIN while its
// accept queue is full, where TCP would wait: the server is busy, not
// gone, so the connect waits for room (it used to fail the call at once).
TEST(Connector, UnixAcceptQueueFullIsWaitedOut) {
  FullUnixListener listener;
  ASSERT_TRUE(listener.full()) << "could not fill the accept queue";
  std::thread server([&listener] {
    absl::SleepFor(absl::Milliseconds(100));
    listener.AcceptOne();
  });
  const absl::Time start = absl::Now();
  absl::StatusOr<UniqueFd> fd =
      Connect(listener.address(), Deadline::After(absl::Seconds(20)));
  const absl::Duration took = absl::Now() - start;
  server.join();
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_GE(took, absl::Milliseconds(90));
}

TEST(Connector, UnixAcceptQueueThatStaysFullEndsAtTheDeadline) {
  FullUnixListener listener;
  ASSERT_TRUE(listener.full()) << "could not fill the accept queue";
  absl::StatusOr<UniqueFd> fd =
      Connect(listener.address(), Deadline::After(absl::Milliseconds(150)));
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(std::string(fd.status().message()).find("accept queue was full"),
            std::string::npos)
      << fd.status();
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
