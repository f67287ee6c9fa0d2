#include "base/tcp_keepalive.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "base/unique_fd.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

int Option(int fd, int level, int name) {
  int value = -1;
  socklen_t length = sizeof(value);
  EXPECT_EQ(::getsockopt(fd, level, name, &value, &length), 0);
  return value;
}

TEST(TcpKeepalive, SetsUserTimeoutAndProbesFromKeepaliveTimeAndTimeout) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(
      SetTcpKeepalive(fd.get(), absl::Seconds(30), absl::Seconds(10)).ok());
  EXPECT_EQ(Option(fd.get(), IPPROTO_TCP, TCP_USER_TIMEOUT), 40000);
  EXPECT_EQ(Option(fd.get(), SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(Option(fd.get(), IPPROTO_TCP, TCP_KEEPIDLE), 30);
  EXPECT_EQ(Option(fd.get(), IPPROTO_TCP, TCP_KEEPINTVL), 10);
  EXPECT_EQ(Option(fd.get(), IPPROTO_TCP, TCP_KEEPCNT), 1);
}

TEST(TcpKeepalive, SubSecondValuesRoundUpToTheKernelsSecond) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_TRUE(fd.valid());
  ASSERT_TRUE(SetTcpKeepalive(fd.get(), absl::Milliseconds(200),
                              absl::Milliseconds(1500))
                  .ok());
  EXPECT_EQ(Option(fd.get(), IPPROTO_TCP, TCP_USER_TIMEOUT), 1700);
  EXPECT_EQ(Option(fd.get(), IPPROTO_TCP, TCP_KEEPIDLE), 1);
  EXPECT_EQ(Option(fd.get(), IPPROTO_TCP, TCP_KEEPINTVL), 2);
}

TEST(TcpKeepalive, FailureNamesTheOption) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));  // no TCP options here
  ASSERT_TRUE(fd.valid());
  absl::Status status =
      SetTcpKeepalive(fd.get(), absl::Seconds(30), absl::Seconds(10));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("TCP_USER_TIMEOUT"), absl::string_view::npos)
      << status;
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
