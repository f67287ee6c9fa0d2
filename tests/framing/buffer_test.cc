#include "framing/buffer.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "base/unique_fd.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace {

TEST(Buffer, AppendRetrieveKeepsOrder) {
  Buffer buffer(16);
  buffer.Append("hello ");
  buffer.Append("world");
  EXPECT_EQ(buffer.readable(), "hello world");
  buffer.Retrieve(6);
  EXPECT_EQ(buffer.readable(), "world");
  buffer.Retrieve(5);
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.prependable_bytes(), Buffer::kPrependSize);
}

TEST(Buffer, GrowsByDoublingNotByEachAppend) {
  Buffer buffer(16);
  size_t reallocations = 0;
  size_t capacity = buffer.capacity();
  std::string expected;
  for (int i = 0; i < 100000; ++i) {
    buffer.Append("x", 1);
    expected.push_back('x');
    if (buffer.capacity() != capacity) {
      ++reallocations;
      capacity = buffer.capacity();
    }
  }
  EXPECT_EQ(buffer.readable(), expected);
  EXPECT_LE(reallocations, 20u);
}

TEST(Buffer, CompactsConsumedBytesInsteadOfGrowing) {
  Buffer buffer(64);
  const size_t capacity = buffer.capacity();
  for (int i = 0; i < 1000; ++i) {
    buffer.Append(std::string(40, 'a'));
    buffer.Retrieve(40);
    buffer.Append(std::string(10, 'b'));
    buffer.Retrieve(10);
  }
  EXPECT_EQ(buffer.capacity(), capacity);
}

TEST(Buffer, PrependWritesInFrontOfReadable) {
  Buffer buffer;
  buffer.Append("body");
  buffer.Prepend("\x00\x00\x00\x04", 4);
  EXPECT_EQ(buffer.readable(), absl::string_view("\x00\x00\x00\x04"
                                                 "body",
                                                 8));
}

TEST(Buffer, ShrinkIfIdleReleasesLargeStorageOnlyWhenEmpty) {
  Buffer buffer(16);
  buffer.Append(std::string(1 << 20, 'z'));
  buffer.ShrinkIfIdle(64 << 10);
  EXPECT_GE(buffer.capacity(), size_t{1} << 20);  // not empty: kept
  buffer.RetrieveAll();
  buffer.ShrinkIfIdle(64 << 10);
  EXPECT_LT(buffer.capacity(), size_t{64} << 10);
}

// The shared idle cap keeps the storage of a 1 MiB message's frame, so
// back-to-back calls of that size do not fault their buffers in again.
TEST(Buffer, MaxIdleCapacityKeepsAOneMiBFrame) {
  Buffer buffer(16);
  buffer.Append(std::string((1 << 20) + 64, 'z'));
  const size_t grown = buffer.capacity();
  buffer.RetrieveAll();
  buffer.ShrinkIfIdle(Buffer::kMaxIdleCapacity);
  EXPECT_EQ(buffer.capacity(), grown);
}

TEST(Buffer, ReadFromFdDrainsMoreThanWritableSpaceInOneCall) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  UniqueFd a(fds[0]), b(fds[1]);
  const std::string data(20000, 'q');
  ASSERT_EQ(write(b.get(), data.data(), data.size()),
            static_cast<ssize_t>(data.size()));
  Buffer buffer(16);
  int error = 0;
  EXPECT_EQ(buffer.ReadFromFd(a.get(), &error), 20000);
  EXPECT_EQ(buffer.readable(), data);
  b.Reset();
  EXPECT_EQ(buffer.ReadFromFd(a.get(), &error), 0);  // end of stream
}

TEST(Buffer, ReadFromFdReportsErrno) {
  Buffer buffer;
  int error = 0;
  EXPECT_EQ(buffer.ReadFromFd(-1, &error), -1);
  EXPECT_EQ(error, EBADF);
}

}  // namespace
}  // namespace framerpc
