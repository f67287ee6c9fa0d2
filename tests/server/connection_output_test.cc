#include "server/connection_output.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "framing/buffer.h"
#include "gtest/gtest.h"
#include "proto/wire.pb.h"
#include "tests/server/socket_pair.h"
#include "tests/server/test_service.pb.h"

namespace framerpc {
namespace internal {
namespace {

// Far above what these tests queue, but for the one about the bound.
constexpr size_t kQueueLimit = size_t{64} << 20;

struct Fixture {
  explicit Fixture(size_t queue_limit = kQueueLimit)
      : sockets(test::MakeSocketPair()),
        output(std::make_unique<ConnectionOutput>(sockets.server_end.get(),
                                                  queue_limit)) {}
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

// A peer that stops reading pins at most the limit plus one response: a
// response that finds the queue at its bound is replaced by a short
// RESOURCE_EXHAUSTED for its call, naming the sizes, while status-only and
// small replies (no bigger than that refusal) still queue. Whether the
// check happens before serializing (queue already full) or under the mutex
// (filled meanwhile), every call gets one answer.
TEST(ConnectionOutput, AReplyThatFindsTheQueueAtItsBoundIsRefused) {
  constexpr size_t kLimit = 3 << 20;
  Fixture f(kLimit);
  const std::string big(1 << 20, 'x');
  for (uint64_t id = 1; id <= 3; ++id) f.output->AppendResult(ReplyTo(id, big));
  const size_t three = f.output->readable_bytes();
  ASSERT_GT(three, kLimit);  // three replies of 1 MiB plus their envelopes
  f.output->AppendResult(ReplyTo(4, big));
  f.output->AppendResult(ReplyTo(5, "tiny"));
  CallResult failed;
  failed.call_id = 6;
  failed.method = "test.Echo/Fail";
  failed.status = absl::NotFoundError("no row");
  f.output->AppendResult(failed);
  EXPECT_LT(f.output->readable_bytes(), three + 1024)
      << "the fourth 1 MiB reply was queued past the bound";

  // Read as the client would: every call answered once, in order.
  Buffer bytes;
  bytes.Append(f.output->TakeAll());
  const std::vector<wire::Response> responses = test::ParseResponses(&bytes);
  EXPECT_TRUE(bytes.empty());
  ASSERT_EQ(responses.size(), 6u);
  for (uint64_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(responses[id - 1].call_id(), id);
    EXPECT_EQ(responses[id - 1].code(), 0);
  }
  const wire::Response& refused = responses[3];
  EXPECT_EQ(refused.call_id(), 4u);
  EXPECT_EQ(refused.code(),
            static_cast<int>(absl::StatusCode::kResourceExhausted));
  std::printf("refusal: %s\n", refused.message().c_str());
  EXPECT_NE(refused.message().find(std::to_string(three)), std::string::npos);
  EXPECT_NE(refused.message().find(std::to_string(kLimit)), std::string::npos);
  EXPECT_NE(refused.message().find("max_pending_output_bytes"),
            std::string::npos);
  EXPECT_EQ(responses[4].call_id(), 5u);
  EXPECT_EQ(responses[4].code(), 0);
  EXPECT_EQ(responses[5].call_id(), 6u);
  EXPECT_EQ(responses[5].code(), static_cast<int>(absl::StatusCode::kNotFound));
}

// Two workers racing past the lock-free check: the one that appends second
// finds the bound under the mutex and is refused there.
TEST(ConnectionOutput, ConcurrentRepliesCannotBothPassTheBound) {
  constexpr size_t kLimit = 1 << 20;
  constexpr int kThreads = 4;
  for (int round = 0; round < 20; ++round) {
    Fixture f(kLimit);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&f, t] {
        f.output->AppendResult(
            ReplyTo(static_cast<uint64_t>(t + 1), std::string(kLimit, 'y')));
      });
    }
    for (std::thread& thread : threads) thread.join();
    // One reply of the limit's size (the first to append), the rest short.
    ASSERT_LT(f.output->readable_bytes(), kLimit + kThreads * 1024)
        << "round " << round;
  }
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
