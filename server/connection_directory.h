// internal. ConnectionDirectory: the open connections of a server, across
// all its loops, for the admin service's Connections list (peer, age).
// Only kept with metrics on (Server::EnableMetrics): each loop adds a
// connection when it adopts it and removes it when it closes it, a lock
// taken twice per connection and never per call.
//
// Thread-safe.
#ifndef FRAMERPC_SERVER_CONNECTION_DIRECTORY_H_
#define FRAMERPC_SERVER_CONNECTION_DIRECTORY_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace framerpc {
namespace internal {

class ConnectionDirectory {
 public:
  struct Entry {
    uint64_t id = 0;
    std::string peer;
    absl::Time accepted;
  };

  void Add(uint64_t id, const std::string& peer, absl::Time accepted);
  // Forgets `id`; nothing happens if it is not listed.
  void Remove(uint64_t id);
  // Every listed connection, by id (so oldest first: ids only grow).
  std::vector<Entry> List() const;

 private:
  mutable std::mutex mu_;
  std::map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_CONNECTION_DIRECTORY_H_
