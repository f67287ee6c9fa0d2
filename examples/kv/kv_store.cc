#include "kv_store.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kv {
namespace {

absl::Status CheckKey(absl::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("key must not be empty");
  if (key.size() > KvStore::kMaxKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("key of ", key.size(), " bytes exceeds the limit of ",
                     KvStore::kMaxKeySize, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status NotFound(absl::string_view key) {
  return absl::NotFoundError(absl::StrCat("key '", key, "' not found"));
}

}  // namespace

absl::StatusOr<bool> KvStore::Put(absl::string_view key,
                                  absl::string_view value) {
  absl::Status status = CheckKey(key);
  if (!status.ok()) return status;
  if (value.size() > kMaxValueSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("value of ", value.size(), " bytes for key '", key,
                     "' exceeds the limit of ", kMaxValueSize, " bytes"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, created] = entries_.try_emplace(std::string(key));
  it->second.assign(value.data(), value.size());
  return created;
}

absl::StatusOr<std::string> KvStore::Get(absl::string_view key) const {
  absl::Status status = CheckKey(key);
  if (!status.ok()) return status;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return NotFound(key);
  return it->second;
}

absl::Status KvStore::Delete(absl::string_view key) {
  absl::Status status = CheckKey(key);
  if (!status.ok()) return status;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return NotFound(key);
  entries_.erase(it);
  return absl::OkStatus();
}

absl::StatusOr<KvStore::ListResult> KvStore::List(absl::string_view prefix,
                                                  size_t limit) const {
  if (limit > kMaxListLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "list limit ", limit, " exceeds the maximum of ", kMaxListLimit));
  }
  if (limit == 0) limit = kDefaultListLimit;
  ListResult result;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && absl::StartsWith(it->first, prefix); ++it) {
    if (result.entries.size() == limit) {
      result.truncated = true;
      break;
    }
    result.entries.emplace_back(it->first, it->second);
  }
  return result;
}

}  // namespace kv
