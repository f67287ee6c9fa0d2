// ClientContext::TryCancel (docs/api.md §5.3, "Cancellation"): from another
// thread it ends a call at once with CANCELLED, wherever the call's thread
// waits, and a framerpc.Control/Cancel naming the call reaches the server
// on the same connection; before the call it sends nothing.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "proto/wire.pb.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::EchoOf;
using testing_support::Event;
using testing_support::FakeConnection;
using testing_support::MakeChannel;
using testing_support::ParseEchoRequest;
using testing_support::ReceivedRequest;
using testing_support::Say;
using testing_support::StartServer;

constexpr char kCancelMethod[] = "framerpc.Control/Cancel";

// "At once": the call's thread notices within about 10 ms wherever it
// waits; the rest is room for sanitizer builds on a loaded machine.
constexpr absl::Duration kPromptly = absl::Milliseconds(250);

// What the fake server saw: the calls' ids in arrival order, and the ids
// named by each Cancel request.
struct Seen {
  std::mutex mu;
  std::vector<uint64_t> calls;
  std::vector<uint64_t> cancelled;
};

// Answers nothing but Cancel requests (OK, as a version 2 server does);
// records everything. Notifies `arrived[i]` when the i-th call arrives, and
// `cancel_arrived` at each Cancel.
void HoldingScript(FakeConnection& connection, Seen* seen,
                   std::vector<Event>* arrived, Event* cancel_arrived,
                   std::atomic<int>* cancels) {
  while (absl::optional<ReceivedRequest> request = connection.Read()) {
    if (request->header.method() == kCancelMethod) {
      wire::CancelRequest cancel;
      EXPECT_TRUE(cancel.ParseFromString(request->payload));
      {
        std::lock_guard<std::mutex> lock(seen->mu);
        seen->cancelled.push_back(cancel.call_id());
      }
      connection.Send([&] {
        wire::Response ok;
        ok.set_call_id(request->header.call_id());
        return ok;
      }());
      ++*cancels;
      cancel_arrived->Notify();
      continue;
    }
    size_t index;
    {
      std::lock_guard<std::mutex> lock(seen->mu);
      seen->calls.push_back(request->header.call_id());
      index = seen->calls.size() - 1;
    }
    if (request->payload.find("echo") != std::string::npos) {
      connection.Reply(request->header.call_id(),
                       EchoOf(ParseEchoRequest(*request)));
    }
    if (index < arrived->size()) (*arrived)[index].Notify();
  }
}

// Echoes calls and answers Cancel requests OK.
void EchoAndCancelScript(FakeConnection& connection) {
  while (absl::optional<ReceivedRequest> request = connection.Read()) {
    if (request->header.method() == kCancelMethod) {
      wire::Response ok;
      ok.set_call_id(request->header.call_id());
      connection.Send(ok);
      continue;
    }
    connection.Reply(request->header.call_id(),
                     EchoOf(ParseEchoRequest(*request)));
  }
}

TEST(ChannelCancel, EndsABlockedCallAtOnceAndTellsTheServer) {
  Seen seen;
  std::vector<Event> arrived(1);
  Event cancel_arrived;
  std::atomic<int> cancels{0};
  auto server = StartServer([&](FakeConnection& connection) {
    HoldingScript(connection, &seen, &arrived, &cancel_arrived, &cancels);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ClientContext context;  // no deadline: only the cancellation ends it
  absl::Status status = absl::UnknownError("not run");
  absl::Time returned;
  std::thread caller([&] {
    status = Say(*channel, "held", &context).status();
    returned = absl::Now();
  });
  ASSERT_TRUE(arrived[0].WaitFor());
  const absl::Time cancelled = absl::Now();
  context.TryCancel();
  caller.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_NE(status.message().find("cancelled by the caller"),
            absl::string_view::npos)
      << status;
  EXPECT_LT(returned - cancelled, kPromptly);
  ASSERT_TRUE(cancel_arrived.WaitFor());
  {
    std::lock_guard<std::mutex> lock(seen.mu);
    ASSERT_EQ(seen.calls.size(), 1u);
    ASSERT_EQ(seen.cancelled.size(), 1u);
    EXPECT_EQ(seen.cancelled[0], seen.calls[0]);
  }
  // The connection carries on; the Cancel's answer was dropped.
  ClientContext next;
  next.set_timeout(absl::Seconds(20));
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "echo after", &next);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "echo after");
  EXPECT_EQ(server->connections_accepted(), 1);
}

// Two calls wait at once: one reads for both (in recv or poll), the other
// sleeps on its slot. Each is cancelled in turn; whichever role its thread
// holds, it returns promptly, and the other call is unaffected until its
// own cancellation.
TEST(ChannelCancel, EndsTheReaderAndTheSleeperAlike) {
  Seen seen;
  std::vector<Event> arrived(2);
  Event cancel_arrived;
  std::atomic<int> cancels{0};
  auto server = StartServer([&](FakeConnection& connection) {
    HoldingScript(connection, &seen, &arrived, &cancel_arrived, &cancels);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ClientContext contexts[2];
  absl::Status statuses[2] = {absl::UnknownError("not run"),
                              absl::UnknownError("not run")};
  std::atomic<bool> done[2] = {{false}, {false}};
  absl::Time returned[2];
  std::vector<std::thread> callers;
  for (int i = 0; i < 2; ++i) {
    callers.emplace_back([&, i] {
      statuses[i] = Say(*channel, absl::StrCat("held ", i), &contexts[i]).status();
      returned[i] = absl::Now();
      done[i] = true;
    });
  }
  ASSERT_TRUE(arrived[0].WaitFor());
  ASSERT_TRUE(arrived[1].WaitFor());
  for (int i = 0; i < 2; ++i) {
    const absl::Time cancelled = absl::Now();
    contexts[i].TryCancel();
    callers[i].join();
    EXPECT_EQ(statuses[i].code(), absl::StatusCode::kCancelled)
        << statuses[i];
    EXPECT_LT(returned[i] - cancelled, kPromptly) << "call " << i;
    if (i == 0) {
      EXPECT_FALSE(done[1].load());
    }
  }
  // Both Cancels reach the server, naming both calls.
  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (cancels.load() < 2 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  std::lock_guard<std::mutex> lock(seen.mu);
  ASSERT_EQ(seen.cancelled.size(), 2u);
  ASSERT_EQ(seen.calls.size(), 2u);
  EXPECT_EQ(std::min(seen.cancelled[0], seen.cancelled[1]),
            std::min(seen.calls[0], seen.calls[1]));
  EXPECT_EQ(std::max(seen.cancelled[0], seen.cancelled[1]),
            std::max(seen.calls[0], seen.calls[1]));
}

TEST(ChannelCancel, BeforeTheCallSendsNothing) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](FakeConnection& connection) {
    while (connection.Read()) ++requests;
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ClientContext context;
  context.TryCancel();
  absl::Status status = Say(*channel, "never sent", &context).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  // Not even a connection was opened for it.
  EXPECT_EQ(server->connections_accepted(), 0);
  // The context stays cancelled.
  EXPECT_EQ(Say(*channel, "never sent", &context).status().code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(requests.load(), 0);
}

TEST(ChannelCancel, AfterTheCallChangesNothing) {
  auto server = StartServer(EchoAndCancelScript);
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ClientContext context;
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "done", &context);
  context.TryCancel();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "done");
  ClientContext fresh;
  ASSERT_TRUE(Say(*channel, "again", &fresh).ok());
}

TEST(ChannelCancel, EndsACallWaitingForTheServerToBeReady) {
  // A unix socket nobody listens on: every connect fails at once.
  const std::string target =
      absl::StrCat("unix:", ::testing::TempDir(), "/framerpc_cancel_",
                   ::getpid(), ".sock");
  std::shared_ptr<Channel> channel = MakeChannel(target);
  ClientContext context;
  context.set_wait_for_ready(true);
  absl::Status status = absl::UnknownError("not run");
  std::atomic<bool> done{false};
  absl::Time returned;
  std::thread caller([&] {
    status = Say(*channel, "waiting", &context).status();
    returned = absl::Now();
    done = true;
  });
  // Long enough for a few refused attempts and backoff waits.
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(done.load());
  const absl::Time cancelled = absl::Now();
  context.TryCancel();
  caller.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_LT(returned - cancelled, kPromptly);
}

// TryCancel racing the call's end from another thread, many times: each
// call ends OK or CANCELLED, never anything else, and nothing crashes or
// races (run under TSan/ASan).
TEST(ChannelCancel, RacingTheAnswerIsHarmless) {
  auto server = StartServer(EchoAndCancelScript);
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  for (int i = 0; i < 200; ++i) {
    ClientContext context;
    context.set_timeout(absl::Seconds(20));
    std::thread canceller([&] { context.TryCancel(); });
    absl::Status status =
        Say(*channel, absl::StrCat("race ", i), &context).status();
    canceller.join();
    EXPECT_TRUE(status.ok() || status.code() == absl::StatusCode::kCancelled)
        << status;
  }
  ClientContext last;
  last.set_timeout(absl::Seconds(20));
  ASSERT_TRUE(Say(*channel, "after the races", &last).ok());
}

}  // namespace
}  // namespace framerpc
