// Many threads sharing one Channel: every caller gets its own answer
// however the server orders them, and callers that give up do not disturb
// the others.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::EchoOf;
using testing_support::FakeConnection;
using testing_support::kSay;
using testing_support::MakeChannel;
using testing_support::ParseEchoRequest;
using testing_support::ReceivedRequest;
using testing_support::StartServer;

constexpr int kThreads = 16;
constexpr int kCallsPerThread = 250;

TEST(ChannelConcurrency, SixteenThreadsGetTheirOwnAnswersInScrambledOrder) {
  // The server answers each batch of requests that arrived together in a
  // shuffled order.
  std::atomic<int> largest_batch{0};
  auto server = StartServer([&](FakeConnection& connection) {
    std::mt19937 rng(7);
    while (true) {
      std::vector<ReceivedRequest> batch = connection.ReadBatch();
      if (batch.empty()) return;
      int seen = largest_batch.load();
      while (static_cast<int>(batch.size()) > seen &&
             !largest_batch.compare_exchange_weak(
                 seen, static_cast<int>(batch.size()))) {
      }
      std::shuffle(batch.begin(), batch.end(), rng);
      for (const ReceivedRequest& request : batch) {
        if (!connection.Reply(request.header.call_id(),
                              EchoOf(ParseEchoRequest(request)))) {
          return;
        }
      }
    }
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());

  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < kCallsPerThread; ++i) {
        test::EchoRequest request;
        // Distinct payloads of varied sizes, some spanning several reads.
        request.set_text(absl::StrCat("thread ", t, " call ", i, " ",
                                      std::string(rng() % 3000, 'a' + t)));
        request.set_sequence(static_cast<uint64_t>(t) << 32 | i);
        test::EchoReply reply;
        ClientContext context;
        if (i % 2 == 0) context.set_timeout(absl::Seconds(60));
        context.AddMetadata("thread", absl::StrCat(t));
        absl::Status status = channel->Call(kSay, request, &reply, &context);
        if (!status.ok()) {
          ADD_FAILURE() << status;
          ++failures;
        } else if (reply.text() != request.text() ||
                   reply.sequence() != request.sequence()) {
          ++mismatches;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(server->connections_accepted(), 1);
  // The server did see calls in flight together, so it did reorder them.
  EXPECT_GT(largest_batch.load(), 1);
}

TEST(ChannelConcurrency, CallersThatGiveUpDoNotDisturbTheOthers) {
  // The server holds back every request whose text starts with "slow" and
  // answers it only after the next few others: their callers, with short
  // deadlines, have given up by then, so the late answers must be dropped.
  auto server = StartServer([](FakeConnection& connection) {
    std::vector<ReceivedRequest> held;
    while (true) {
      std::vector<ReceivedRequest> batch = connection.ReadBatch();
      if (batch.empty()) return;
      for (ReceivedRequest& request : batch) {
        const test::EchoRequest parsed = ParseEchoRequest(request);
        if (parsed.text().rfind("slow", 0) == 0) {
          held.push_back(std::move(request));
          continue;
        }
        if (!connection.Reply(request.header.call_id(), EchoOf(parsed))) return;
      }
      if (held.size() >= 4) {
        for (const ReceivedRequest& late : held) {
          if (!connection.Reply(late.header.call_id(),
                                EchoOf(ParseEchoRequest(late)))) {
            return;
          }
        }
        held.clear();
      }
    }
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());

  constexpr int kCallers = 8;
  constexpr int kCalls = 40;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kCallers; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const bool slow = (i + t) % 10 == 0;
        test::EchoRequest request;
        request.set_text(absl::StrCat(slow ? "slow " : "fast ", t, "/", i));
        test::EchoReply reply;
        ClientContext context;
        context.set_timeout(slow ? absl::Milliseconds(50) : absl::Seconds(60));
        absl::Status status = channel->Call(kSay, request, &reply, &context);
        if (slow) {
          // Answered late (dropped) or, rarely, in time.
          if (!status.ok() &&
              status.code() != absl::StatusCode::kDeadlineExceeded) {
            ADD_FAILURE() << status;
            ++wrong;
          }
          if (status.ok() && reply.text() != request.text()) ++wrong;
        } else if (!status.ok() || reply.text() != request.text()) {
          ADD_FAILURE() << status << " " << reply.text() << " for "
                        << request.text();
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(server->connections_accepted(), 1);
}

}  // namespace
}  // namespace framerpc
