#include "client/call_table.h"

#include <algorithm>

#include "gtest/gtest.h"
#include "tests/client/echo_test.pb.h"

namespace framerpc {
namespace internal {
namespace {

using State = PendingCall::State;

TEST(CallTable, TakeReturnsEachSlotOnce) {
  test::EchoReply reply;
  PendingCall one("a/B", &reply, nullptr);
  one.call_id = 1;
  PendingCall two("a/B", &reply, nullptr);
  two.call_id = 2;
  CallTable table;
  table.Insert(&one);
  table.Insert(&two);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.Take(2), &two);
  EXPECT_EQ(table.Take(2), nullptr);  // a late duplicate finds nothing
  EXPECT_EQ(table.Take(7), nullptr);  // an id never issued
  EXPECT_EQ(table.Take(1), &one);
  EXPECT_TRUE(table.empty());
}

TEST(CallTable, RemoveOnlyRemovesThatSlot) {
  test::EchoReply reply;
  PendingCall call("a/B", &reply, nullptr);
  call.call_id = 3;
  PendingCall stranger("a/B", &reply, nullptr);
  stranger.call_id = 3;
  CallTable table;
  table.Insert(&call);
  EXPECT_FALSE(table.Remove(&stranger));
  EXPECT_TRUE(table.Remove(&call));
  EXPECT_FALSE(table.Remove(&call));
}

TEST(CallTable, FindWaitingSkipsCallersStillSending) {
  test::EchoReply reply;
  PendingCall sending("a/B", &reply, nullptr);
  sending.call_id = 1;
  PendingCall waiting("a/B", &reply, nullptr);
  waiting.call_id = 2;
  waiting.state = State::kWaiting;
  CallTable table;
  table.Insert(&sending);
  EXPECT_EQ(table.FindWaiting(), nullptr);
  table.Insert(&waiting);
  EXPECT_EQ(table.FindWaiting(), &waiting);
}

TEST(CallTable, TakeAllEmptiesTheTable) {
  test::EchoReply reply;
  PendingCall a("a/B", &reply, nullptr), b("a/B", &reply, nullptr);
  a.call_id = 10;
  b.call_id = 11;
  CallTable table;
  table.Insert(&a);
  table.Insert(&b);
  std::vector<PendingCall*> all = table.TakeAll();
  std::sort(all.begin(), all.end(), [](PendingCall* x, PendingCall* y) {
    return x->call_id < y->call_id;
  });
  EXPECT_EQ(all, (std::vector<PendingCall*>{&a, &b}));
  EXPECT_TRUE(table.empty());
}

void NoteFinished(PendingCall* call) {
  ++*static_cast<int*>(call->finished_arg);
}

TEST(CallTable, AsynchronousSlotsAreCountedNeverPromotedAndExpireAlone) {
  test::EchoReply reply;
  int finished = 0;
  PendingCall expired("a/B", &reply, nullptr);
  expired.call_id = 1;
  expired.on_finished = &NoteFinished;
  expired.finished_arg = &finished;
  expired.deadline = Deadline::After(absl::ZeroDuration());
  expired.state = State::kWaiting;
  PendingCall running("a/B", &reply, nullptr);
  running.call_id = 2;
  running.on_finished = &NoteFinished;
  running.finished_arg = &finished;
  running.deadline = Deadline::After(absl::Hours(1));
  running.state = State::kWaiting;
  PendingCall blocking("a/B", &reply, nullptr);
  blocking.call_id = 3;
  blocking.state = State::kWaiting;
  CallTable table;
  table.Insert(&expired);
  table.Insert(&running);
  EXPECT_EQ(table.async_size(), 2u);
  // Nobody sleeps on an asynchronous slot: waking one would be lost.
  EXPECT_EQ(table.FindWaiting(), nullptr);
  table.Insert(&blocking);
  EXPECT_EQ(table.FindWaiting(), &blocking);

  EXPECT_EQ(table.TakeExpiredAsync(), std::vector<PendingCall*>{&expired});
  EXPECT_EQ(table.async_size(), 1u);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.Take(2), &running);
  EXPECT_EQ(table.async_size(), 0u);

  // Finish tells the owner instead of waking a thread.
  PendingCall::Finish(&running);
  EXPECT_EQ(running.state.load(), State::kDone);
  EXPECT_EQ(finished, 1);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
