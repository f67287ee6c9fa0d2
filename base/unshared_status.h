// UnsharedStatus: a copy of an absl::Status with its own message, sharing
// no reference count with the original. absl::Status copies share one
// counted representation; when the copies live on different threads, the
// last release frees the message on one thread while the other may have
// read it, ordered only by atomics inside Abseil. Debian's Abseil is not
// built with ThreadSanitizer, so TSan cannot see that ordering and reports
// a race. A status kept under a lock and handed to another thread is
// therefore copied with this. Stateless.
#ifndef FRAMERPC_BASE_UNSHARED_STATUS_H_
#define FRAMERPC_BASE_UNSHARED_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"

namespace framerpc {

// Payloads are copied too, flattened, since a Cord shares its tree the same
// way.
inline absl::Status UnsharedStatus(const absl::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status copy(status.code(), status.message());
  status.ForEachPayload(
      [&copy](absl::string_view type_url, const absl::Cord& payload) {
        copy.SetPayload(type_url, absl::Cord(std::string(payload)));
      });
  return copy;
}

}  // namespace framerpc

#endif  // FRAMERPC_BASE_UNSHARED_STATUS_H_
