// ServingStatus: what the health service (framerpc.health.Health) reports
// for the whole server or one of its services; set through
// Server::SetServingStatus. A plain enum, with its wire name.
#ifndef FRAMERPC_SERVING_STATUS_H_
#define FRAMERPC_SERVING_STATUS_H_

#include "absl/strings/string_view.h"

namespace framerpc {

enum class ServingStatus {
  kServing,
  kNotServing,
  // Read only: no status is set for the name. Setting it forgets the name.
  kUnknownService,
};

// "SERVING", "NOT_SERVING", "UNKNOWN_SERVICE".
absl::string_view ServingStatusName(ServingStatus status);

}  // namespace framerpc

#endif  // FRAMERPC_SERVING_STATUS_H_
