// PosixError: the one mapping from an errno value to an absl::Status, so that
// every system-call failure reads "<what we were doing>: <strerror>" and
// carries absl's canonical code for that errno.
#ifndef FRAMERPC_BASE_POSIX_ERROR_H_
#define FRAMERPC_BASE_POSIX_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace framerpc {

// `context` says what failed and with what, e.g. "connect to 127.0.0.1:80".
absl::Status PosixError(absl::string_view context, int error_number);

}  // namespace framerpc

#endif  // FRAMERPC_BASE_POSIX_ERROR_H_
