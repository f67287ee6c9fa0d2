#include "bound_address.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace framerpc_examples {

std::string BoundAddress(const std::string& listen, int port) {
  if (absl::StartsWith(listen, "unix:")) return listen;
  return absl::StrCat(listen.substr(0, listen.rfind(':') + 1), port);
}

}  // namespace framerpc_examples
