#include "server/connection_directory.h"

namespace framerpc {
namespace internal {

void ConnectionDirectory::Add(uint64_t id, const std::string& peer,
                              absl::Time accepted) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[id] = Entry{id, peer, accepted};
}

void ConnectionDirectory::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(id);
}

std::vector<ConnectionDirectory::Entry> ConnectionDirectory::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Entry> list;
  list.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) list.push_back(entry);
  return list;
}

}  // namespace internal
}  // namespace framerpc
