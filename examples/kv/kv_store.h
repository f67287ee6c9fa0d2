// KvStore: the example's storage, an ordered in-memory map with the checks
// the KeyValue service promises (key and value sizes, list limits). It knows
// nothing about RPC, so it is tested on its own.
//
// Owns its entries. Thread-safe: every method may be called concurrently.
#ifndef FRAMERPC_EXAMPLES_KV_KV_STORE_H_
#define FRAMERPC_EXAMPLES_KV_KV_STORE_H_

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kv {

class KvStore {
 public:
  static constexpr size_t kMaxKeySize = 1024;
  static constexpr size_t kMaxValueSize = size_t{1} << 20;
  static constexpr size_t kDefaultListLimit = 100;
  static constexpr size_t kMaxListLimit = 1000;

  // Stores `value` under `key`; returns true when the key is new.
  // INVALID_ARGUMENT for an empty or oversized key or an oversized value.
  absl::StatusOr<bool> Put(absl::string_view key, absl::string_view value);

  // NOT_FOUND when `key` is absent.
  absl::StatusOr<std::string> Get(absl::string_view key) const;

  // NOT_FOUND when `key` is absent.
  absl::Status Delete(absl::string_view key);

  struct ListResult {
    std::vector<std::pair<std::string, std::string>> entries;
    bool truncated = false;
  };
  // Entries whose key starts with `prefix`, in key order, at most `limit`
  // (0: kDefaultListLimit). INVALID_ARGUMENT when `limit` > kMaxListLimit.
  absl::StatusOr<ListResult> List(absl::string_view prefix, size_t limit) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kv

#endif  // FRAMERPC_EXAMPLES_KV_KV_STORE_H_
