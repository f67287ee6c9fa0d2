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

}  // namespace
}  // namespace internal
}  // namespace framerpc
