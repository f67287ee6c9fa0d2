// FRAMERPC_RETURN_IF_ERROR: the one early-return helper for absl::Status,
// which Abseil 20220623 lacks. Lives in base/, the bottom layer, because
// every layer above uses it.
#ifndef FRAMERPC_BASE_STATUS_MACROS_H_
#define FRAMERPC_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"

// Evaluates `expr` (an absl::Status) once and returns it from the enclosing
// function when it is not OK.
#define FRAMERPC_RETURN_IF_ERROR(expr)                   \
  do {                                                   \
    ::absl::Status framerpc_status_ = (expr);            \
    if (!framerpc_status_.ok()) return framerpc_status_; \
  } while (false)

#endif  // FRAMERPC_BASE_STATUS_MACROS_H_
