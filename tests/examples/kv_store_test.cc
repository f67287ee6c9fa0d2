#include "kv_store.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace kv {
namespace {

TEST(KvStore, PutGetDelete) {
  KvStore store;
  EXPECT_EQ(store.Put("a", "1").value(), true);
  EXPECT_EQ(store.Put("a", "2").value(), false);
  EXPECT_EQ(store.Get("a").value(), "2");
  EXPECT_TRUE(store.Delete("a").ok());
  EXPECT_EQ(store.Get("a").status().code(), absl::StatusCode::kNotFound);
  absl::Status missing = store.Delete("a");
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "key 'a' not found");
}

TEST(KvStore, RejectsBadKeysAndValues) {
  KvStore store;
  EXPECT_EQ(store.Put("", "v").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Get("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Put(std::string(KvStore::kMaxKeySize + 1, 'k'), "v")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store.Put(std::string(KvStore::kMaxKeySize, 'k'), "v").ok());
  absl::Status big =
      store.Put("k", std::string(KvStore::kMaxValueSize + 1, 'v')).status();
  EXPECT_EQ(big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(big.message().find("1048577"), std::string::npos) << big;
}

TEST(KvStore, ListsByPrefixInOrderWithLimit) {
  KvStore store;
  for (const char* key : {"b2", "a", "b1", "b3", "c"}) {
    ASSERT_TRUE(store.Put(key, absl::StrCat("v", key)).ok());
  }
  auto all = store.List("b", 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->entries.size(), 3u);
  EXPECT_EQ(all->entries[0].first, "b1");
  EXPECT_EQ(all->entries[2].second, "vb3");
  EXPECT_FALSE(all->truncated);

  auto limited = store.List("b", 2);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->entries.size(), 2u);
  EXPECT_TRUE(limited->truncated);

  auto exact = store.List("b", 3);
  EXPECT_FALSE(exact->truncated);

  EXPECT_EQ(store.List("", KvStore::kMaxListLimit + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.List("", 0)->entries.size(), 5u);
}

TEST(KvStore, ConcurrentWritersAllLand) {
  KvStore store;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 200; ++i) {
        ASSERT_TRUE(store.Put(absl::StrCat("t", t, "-", i), "x").ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store.List("t", KvStore::kMaxListLimit)->entries.size(), 1000u);
  EXPECT_TRUE(store.List("t", KvStore::kMaxListLimit)->truncated);
}

}  // namespace
}  // namespace kv
