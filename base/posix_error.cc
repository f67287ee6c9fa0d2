#include "base/posix_error.h"

#include <string.h>

#include "absl/strings/str_cat.h"

namespace framerpc {

absl::Status PosixError(absl::string_view context, int error_number) {
  char text[256];
  // GNU strerror_r may return a static string instead of filling `text`.
  const char* message = strerror_r(error_number, text, sizeof(text));
  return absl::Status(absl::ErrnoToStatusCode(error_number),
                      absl::StrCat(context, ": ", message));
}

}  // namespace framerpc
