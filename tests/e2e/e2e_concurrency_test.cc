// Many callers on one channel, and slow calls that must not hold up others.
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server_fixture.h"

namespace framerpc::e2e {
namespace {

TEST(Concurrency, SixteenThreadsShareOneChannelAndGetTheirOwnReplies) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  constexpr int kThreads = 16;
  constexpr int kCallsPerThread = 400;
  std::atomic<int> matched{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      TestService::Stub my_stub = stub;  // copies share the channel
      for (int i = 0; i < kCallsPerThread; ++i) {
        EchoRequest request;
        // Distinct text, and lengths that vary so frames split differently.
        request.set_text(absl::StrCat("thread ", t, " call ", i, " ",
                                      std::string(rng() % 3000, 'a' + t)));
        auto context = BoundedContext();
        absl::StatusOr<EchoReply> reply = my_stub.Echo(request, context.get());
        if (!reply.ok()) {
          ++failed;
          ADD_FAILURE() << reply.status();
        } else if (reply->text() == request.text()) {
          ++matched;
        } else {
          ADD_FAILURE() << "thread " << t << " call " << i << " got a reply "
                        << "of " << reply->text().size() << " bytes belonging "
                        << "to another call";
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(matched.load(), kThreads * kCallsPerThread);
}

TEST(Concurrency, SlowHandlerOnOneConnectionDoesNotDelayAnother) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub slow_stub(fixture.NewChannel());
  TestService::Stub fast_stub(fixture.NewChannel());

  absl::Status slow_status;
  std::thread slow([&] {
    EchoRequest request;
    request.set_text("slow");
    request.set_wait_for_gate(true);
    auto context = BoundedContext(absl::Seconds(60));
    slow_status = slow_stub.Echo(request, context.get()).status();
  });
  ASSERT_TRUE(fixture.service().AwaitWaiters(1, absl::Seconds(20)));

  // While the slow handler holds its worker, the other connection is served:
  // every call here would time out if the loop were stalled.
  for (int i = 0; i < 50; ++i) {
    EchoRequest request;
    request.set_text(absl::StrCat("fast ", i));
    auto context = BoundedContext(absl::Seconds(10));
    absl::StatusOr<EchoReply> reply = fast_stub.Echo(request, context.get());
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->text(), request.text());
  }
  // And the slow call's own connection still carries other calls.
  EchoRequest same_connection;
  same_connection.set_text("beside the slow one");
  auto context = BoundedContext(absl::Seconds(10));
  EXPECT_TRUE(slow_stub.Echo(same_connection, context.get()).ok());

  fixture.service().OpenGate();
  slow.join();
  EXPECT_TRUE(slow_status.ok()) << slow_status;
}

}  // namespace
}  // namespace framerpc::e2e
