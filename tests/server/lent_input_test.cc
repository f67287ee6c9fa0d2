#include "server/lent_input.h"

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

Buffer BufferHolding(const std::string& bytes) {
  Buffer buffer;
  buffer.Append(bytes);
  return buffer;
}

TEST(SpareInput, HandsOutANewBufferUntilOneIsGivenBackThenThatOneEmptied) {
  SpareInput spare;
  Buffer first = spare.Take();
  EXPECT_TRUE(first.empty());
  first.Append(std::string(100000, 'x'));
  const size_t grown = first.capacity();
  const char* storage = first.peek();
  spare.GiveBack(std::move(first));
  Buffer again = spare.Take();
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(again.capacity(), grown);
  EXPECT_EQ(again.peek(), storage);  // the same storage, reused
  // Taken: the next Take makes a new one.
  EXPECT_EQ(spare.Take().capacity(), Buffer().capacity());
}

TEST(SpareInput, KeepsOneBufferAndNoneOverTheIdleCap) {
  SpareInput spare;
  Buffer huge;
  huge.EnsureWritable(Buffer::kMaxIdleCapacity + 1);
  spare.GiveBack(std::move(huge));
  EXPECT_EQ(spare.Take().capacity(), Buffer().capacity());

  Buffer a(size_t{1} << 16);
  Buffer b(size_t{1} << 17);
  spare.GiveBack(std::move(a));
  spare.GiveBack(std::move(b));  // one is kept already: b is freed
  EXPECT_EQ(spare.Take().capacity(), Buffer(size_t{1} << 16).capacity());
}

TEST(LentInput, GivesItsBufferBackWhenDestroyedAndKeepsThePayloadWhenMoved) {
  auto home = std::make_shared<SpareInput>();
  Buffer buffer = BufferHolding("header|the request|rest");
  const absl::string_view payload = buffer.readable().substr(7, 11);
  {
    LentInput lent(std::move(buffer), payload, home);
    ASSERT_TRUE(lent.has_buffer());
    LentInput moved(std::move(lent));
    EXPECT_FALSE(lent.has_buffer());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(moved.payload(), "the request");
    LentInput assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.payload(), "the request");
  }
  // Back as the spare, emptied.
  Buffer spare = home->Take();
  EXPECT_TRUE(spare.empty());
  EXPECT_GE(spare.capacity(), std::string("header|the request|rest").size());
}

TEST(LentInput, AConnectionGoneFreesTheBufferInstead) {
  auto home = std::make_shared<SpareInput>();
  LentInput lent(BufferHolding("request"), "", home);
  std::weak_ptr<SpareInput> watch = home;
  home.reset();
  EXPECT_TRUE(watch.expired());
  // Destroying `lent` now has nowhere to give the buffer: it must not crash
  // (ASan checks the buffer is freed, not leaked).
}

TEST(LentInput, OnlyLargeRequestsWithLittleAfterThemAreLent) {
  EXPECT_FALSE(ShouldLendInput(100, 0));
  EXPECT_FALSE(ShouldLendInput((size_t{64} << 10) - 1, 0));
  EXPECT_TRUE(ShouldLendInput(size_t{64} << 10, 0));
  EXPECT_TRUE(ShouldLendInput(size_t{1} << 20, 100000));
  // Copying a quarter of the request or more into the spare costs what
  // lending saves.
  EXPECT_FALSE(ShouldLendInput(size_t{1} << 20, size_t{1} << 18));
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
