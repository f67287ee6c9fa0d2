#include "tests/support/frame_io.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/unique_fd.h"
#include "framing/frame_decoder.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace {

constexpr size_t kLimit = 8 << 20;

struct SocketPair {
  UniqueFd a, b;
};

// A connected pair with the smallest buffers the kernel allows, so that
// large frames move in many partial send/recv calls.
SocketPair TinyBufferPair() {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  for (int fd : fds) {
    int size = 1;  // clamped up to the kernel's minimum
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void SetNonBlocking(int fd) {
  ASSERT_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

std::string Pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>(i * 131 + 7);
  return s;
}

class FrameIoSizes : public ::testing::TestWithParam<size_t> {};

TEST_P(FrameIoSizes, RoundTripThroughTinySocketBuffers) {
  SocketPair pair = TinyBufferPair();
  const std::string body = Pattern(GetParam());
  absl::Status written;
  std::thread writer([&] { written = WriteFrame(pair.a.get(), body); });
  std::string got;
  auto outcome = ReadFrame(pair.b.get(), kLimit, &got);
  writer.join();
  ASSERT_TRUE(written.ok()) << written;
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, ReadOutcome::kFrame);
  EXPECT_TRUE(got == body) << "body of " << body.size() << " bytes differs";
}

TEST_P(FrameIoSizes, RoundTripOnNonBlockingSockets) {
  SocketPair pair = TinyBufferPair();
  SetNonBlocking(pair.a.get());
  SetNonBlocking(pair.b.get());
  const std::string body = Pattern(GetParam());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  absl::Status written;
  std::thread writer(
      [&] { written = WriteFrame(pair.a.get(), body, deadline); });
  std::string got;
  auto outcome = ReadFrame(pair.b.get(), kLimit, &got, deadline);
  writer.join();
  ASSERT_TRUE(written.ok()) << written;
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(got == body);
}

INSTANTIATE_TEST_SUITE_P(Sizes, FrameIoSizes,
                         ::testing::Values(0, 1, 4095, 64 << 10, 4 << 20,
                                           kLimit));

TEST(FrameIo, LimitPlusOneIsRejectedBeforeReadingTheBody) {
  SocketPair pair = TinyBufferPair();
  // Only the prefix is sent: a reader that tried to buffer the body first
  // would block here instead of failing.
  char prefix[4];
  EncodeFrameLength(kLimit + 1, prefix);
  ASSERT_TRUE(WriteAll(pair.a.get(), absl::string_view(prefix, 4)).ok());
  std::string got;
  auto outcome =
      ReadFrame(pair.b.get(), kLimit, &got, absl::Now() + absl::Seconds(10));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(outcome.status().message().find(absl::StrCat(kLimit + 1)),
            std::string::npos);
  EXPECT_TRUE(got.empty());
}

TEST(FrameIo, CleanCloseBetweenFramesIsEndOfStream) {
  SocketPair pair = TinyBufferPair();
  ASSERT_TRUE(WriteFrame(pair.a.get(), "one").ok());
  pair.a.Reset();
  std::string got;
  auto first = ReadFrame(pair.b.get(), kLimit, &got);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(got, "one");
  auto second = ReadFrame(pair.b.get(), kLimit, &got);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, ReadOutcome::kEndOfStream);
}

TEST(FrameIo, CloseMidHeaderNamesMissingBytes) {
  SocketPair pair = TinyBufferPair();
  ASSERT_TRUE(
      WriteAll(pair.a.get(), absl::string_view("\x00\x00\x00", 3)).ok());
  pair.a.Reset();
  std::string got;
  auto outcome = ReadFrame(pair.b.get(), kLimit, &got);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(outcome.status().message().find(
                "mid-header after 3 of 4 bytes (1 missing)"),
            std::string::npos)
      << outcome.status();
}

TEST(FrameIo, CloseMidBodyNamesMissingBytes) {
  SocketPair pair = TinyBufferPair();
  char prefix[4];
  EncodeFrameLength(10, prefix);
  ASSERT_TRUE(WriteAll(pair.a.get(), absl::string_view(prefix, 4)).ok());
  ASSERT_TRUE(WriteAll(pair.a.get(), "1234").ok());
  pair.a.Reset();
  std::string got;
  auto outcome = ReadFrame(pair.b.get(), kLimit, &got);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(outcome.status().message().find("after 4 of 10 bytes (6 missing)"),
            std::string::npos)
      << outcome.status();
}

TEST(FrameIo, ReadDeadlinePassesWithoutData) {
  SocketPair pair = TinyBufferPair();
  SetNonBlocking(pair.b.get());
  std::string got;
  auto outcome = ReadFrame(pair.b.get(), kLimit, &got,
                           absl::Now() + absl::Milliseconds(20));
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(FrameIo, WriteToClosedPeerIsAnErrorNotSigpipe) {
  SocketPair pair = TinyBufferPair();
  pair.b.Reset();
  // Without MSG_NOSIGNAL the default SIGPIPE action would kill the test.
  absl::Status status = WriteFrame(pair.a.get(), std::string(100000, 'p'));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("send"), std::string::npos) << status;
}

extern "C" void NoteSignal(int) {}

TEST(FrameIo, SignalInterruptingBlockingReadLosesNoBytes) {
  // A handler without SA_RESTART makes the blocked recv fail with EINTR.
  struct sigaction action {};
  action.sa_handler = NoteSignal;
  sigemptyset(&action.sa_mask);
  struct sigaction previous {};
  ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);

  SocketPair pair = TinyBufferPair();
  const std::string body = Pattern(300000);
  std::atomic<bool> done{false};
  std::string got;
  absl::StatusOr<ReadOutcome> outcome = absl::UnknownError("not run");
  std::thread reader([&] {
    outcome = ReadFrame(pair.b.get(), kLimit, &got);
    done = true;
  });
  const pthread_t reader_thread = reader.native_handle();
  // Interrupt the reader while it waits for the prefix, and while the body
  // trickles in.
  for (int i = 0; i < 20; ++i) {
    pthread_kill(reader_thread, SIGUSR1);
    usleep(1000);
  }
  std::string frame(4, '\0');
  EncodeFrameLength(static_cast<uint32_t>(body.size()), frame.data());
  frame += body;
  std::thread writer([&] {
    // Small pieces, so the reader blocks (and is interrupted) many times.
    for (size_t at = 0; at < frame.size(); at += 7919) {
      absl::string_view piece = absl::string_view(frame).substr(at, 7919);
      if (!WriteAll(pair.a.get(), piece).ok()) return;
    }
  });
  while (!done) {
    pthread_kill(reader_thread, SIGUSR1);
    usleep(200);
  }
  writer.join();
  reader.join();
  sigaction(SIGUSR1, &previous, nullptr);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(got == body);
}

}  // namespace
}  // namespace framerpc
