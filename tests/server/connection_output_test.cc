#include "server/connection_output.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "framing/buffer.h"
#include "gtest/gtest.h"
#include "proto/wire.pb.h"
#include "tests/server/socket_pair.h"
#include "tests/server/test_service.pb.h"

namespace framerpc {
namespace internal {
namespace {

struct Fixture {
  Fixture()
      : sockets(test::MakeSocketPair()),
        output(std::make_unique<ConnectionOutput>(sockets.server_end.get())) {}
  test::SocketPair sockets;
  std::unique_ptr<ConnectionOutput> output;
};

CallResult ReplyTo(uint64_t call_id, const std::string& text) {
  CallResult result;
  result.call_id = call_id;
  auto reply = std::make_unique<test::TestReply>();
  reply->set_text(text);
  result.response = std::move(reply);
  return result;
}

TEST(ConnectionOutput, OnlyTheFirstToAppendIsToSend) {
  Fixture f;
  EXPECT_TRUE(f.output->AppendResult(ReplyTo(1, "a")));
  EXPECT_FALSE(f.output->AppendResult(ReplyTo(2, "b")));
  size_t sent = 0;
  EXPECT_EQ(f.output->Send(&sent), ConnectionOutput::SendOutcome::kSent);
  EXPECT_GT(sent, 0u);
  EXPECT_TRUE(f.output->empty());
  EXPECT_TRUE(f.output->AppendResult(ReplyTo(3, "c")));
}

TEST(ConnectionOutput, AFailedSendDropsWhatIsQueuedAndStaysFailed) {
  Fixture f;
  f.sockets.client_end.Reset();
  f.output->AppendStatus(1, absl::OkStatus());
  int error = 0;
  EXPECT_EQ(f.output->Send(nullptr, &error),
            ConnectionOutput::SendOutcome::kFailed);
  EXPECT_EQ(error, EPIPE);  // and no SIGPIPE
  EXPECT_TRUE(f.output->failed());
  EXPECT_TRUE(f.output->empty());
  EXPECT_FALSE(f.output->AppendResult(ReplyTo(2, "late")));
  EXPECT_TRUE(f.output->empty());
  error = 0;
  EXPECT_EQ(f.output->Send(nullptr, &error),
            ConnectionOutput::SendOutcome::kFailed);
  EXPECT_EQ(error, EPIPE);
}

TEST(ConnectionOutput, NothingGoesOutOnceClosed) {
  Fixture f;
  f.output->AppendStatus(1, absl::OkStatus());
  f.output->Close();
  EXPECT_FALSE(f.output->AppendResult(ReplyTo(2, "late")));
  size_t sent = 1;
  EXPECT_EQ(f.output->Send(&sent), ConnectionOutput::SendOutcome::kSent);
  EXPECT_EQ(sent, 0u);
  char byte;
  EXPECT_EQ(::recv(f.sockets.client_end.get(), &byte, 1, 0), -1);
  EXPECT_EQ(errno, EAGAIN);
  // The loop must hear of a closed connection's calls at once (stopping).
  EXPECT_TRUE(f.output->loop_waits().load());
}

// Workers appending and sending concurrently, with a socket too small for
// what they send and a loop that takes over whenever one leaves bytes
// behind: every response arrives whole, exactly once.
TEST(ConnectionOutput, ConcurrentSendersNeverInterleaveFrames) {
  Fixture f;
  int size = 4096;  // small, so that sends stop half-way
  ::setsockopt(f.sockets.server_end.get(), SOL_SOCKET, SO_SNDBUF, &size,
               sizeof(size));
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 200;
  std::atomic<int> left_for_loop{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const uint64_t id = static_cast<uint64_t>(t * kCallsPerThread + i + 1);
        if (f.output->AppendResult(
                ReplyTo(id, std::string(100 + (i % 7) * 900, 'a' + t)))) {
          if (f.output->Send() != ConnectionOutput::SendOutcome::kSent) {
            ++left_for_loop;
          }
        }
      }
    });
  }
  // The peer reads while the loop flushes what workers left behind.
  Buffer received;
  std::vector<wire::Response> all;
  std::atomic<bool> done{false};
  std::thread finisher([&] {
    for (std::thread& worker : workers) worker.join();
    done = true;
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    for (wire::Response& r :
         test::TakeResponses(f.sockets.client_end.get(), &received)) {
      all.push_back(std::move(r));
    }
    const bool finished = done.load();
    f.output->Send();
    if (finished && f.output->empty() &&
        all.size() == kThreads * kCallsPerThread) {
      break;
    }
    pollfd p{f.sockets.client_end.get(), POLLIN, 0};
    ::poll(&p, 1, 1);
  }
  finisher.join();
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kCallsPerThread));
  std::set<uint64_t> ids;
  for (const wire::Response& r : all) {
    test::TestReply reply;
    ASSERT_TRUE(reply.ParseFromString(r.payload()));
    const uint64_t id = r.call_id();
    const int t = static_cast<int>((id - 1) / kCallsPerThread);
    const int i = static_cast<int>((id - 1) % kCallsPerThread);
    EXPECT_EQ(reply.text(), std::string(100 + (i % 7) * 900, 'a' + t));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), all.size());
  // The small buffer made some sends stop half-way: the hand-over path ran.
  EXPECT_GT(left_for_loop.load(), 0);
}

// Replies above the coalescing size are handed over as chunks of their own
// and small ones copied behind them; whatever the mix, the peer reads every
// frame whole and in the order appended, sent partly by the appender and
// partly by the loop.
TEST(ConnectionOutput, BigAndSmallRepliesArriveWholeAndInOrder) {
  Fixture f;
  int size = 16 << 10;  // small, so that sends stop half-way
  ::setsockopt(f.sockets.server_end.get(), SOL_SOCKET, SO_SNDBUF, &size,
               sizeof(size));
  const std::vector<size_t> sizes = {10,        200 << 10, 10,      10,
                                     300 << 10, 70 << 10,  5,       64 << 10,
                                     1 << 20,   3,         1 << 10, 100 << 10};
  Buffer received;
  std::vector<wire::Response> all;
  auto drain = [&] {
    for (wire::Response& r :
         test::TakeResponses(f.sockets.client_end.get(), &received)) {
      all.push_back(std::move(r));
    }
  };
  for (size_t i = 0; i < sizes.size(); ++i) {
    const std::string text(sizes[i], static_cast<char>('a' + i));
    if (f.output->AppendResult(ReplyTo(i + 1, text))) f.output->Send();
    drain();
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (all.size() < sizes.size() && absl::Now() < give_up) {
    f.output->Send();
    pollfd p{f.sockets.client_end.get(), POLLIN, 0};
    ::poll(&p, 1, 1);
    drain();
  }
  ASSERT_EQ(all.size(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(all[i].call_id(), i + 1);
    test::TestReply reply;
    ASSERT_TRUE(reply.ParseFromString(all[i].payload()));
    EXPECT_EQ(reply.text(), std::string(sizes[i], static_cast<char>('a' + i)));
  }
  EXPECT_TRUE(f.output->empty());
}

// What the loop's admission check relies on: the queued count is the bytes
// of the frames, and the largest frame is remembered.
TEST(ConnectionOutput, CountsQueuedBytesAndTheLargestReply) {
  Fixture f;
  EXPECT_EQ(f.output->largest_response(), 0u);
  f.output->AppendResult(ReplyTo(1, std::string(1 << 20, 'x')));
  const size_t big = f.output->readable_bytes();
  EXPECT_GT(big, size_t{1} << 20);
  EXPECT_EQ(f.output->largest_response(), big);
  f.output->AppendResult(ReplyTo(2, "small"));
  EXPECT_GT(f.output->readable_bytes(), big);
  EXPECT_LT(f.output->readable_bytes(), big + 64);
  EXPECT_EQ(f.output->largest_response(), big);
  const size_t total = f.output->readable_bytes();
  EXPECT_EQ(f.output->TakeAll().size(), total);
  EXPECT_TRUE(f.output->empty());
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
