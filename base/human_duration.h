// HumanDuration: a Duration as a person reads it in a status message, in
// one unit and without false precision: "200ms" for a 200 ms timeout whose
// budget measured 199.423831 ms, "12.5s", "250us". absl::FormatDuration
// prints every nanosecond, which a reader must round in their head and a
// test cannot match. Stateless.
#ifndef FRAMERPC_BASE_HUMAN_DURATION_H_
#define FRAMERPC_BASE_HUMAN_DURATION_H_

#include <string>

#include "absl/time/time.h"

namespace framerpc {

// Rounded to the nearest unit that suits the size: whole microseconds below
// 1 ms, whole milliseconds below 10 s, seconds with at most one decimal
// above ("10s", "12.5s", "300s"). Below 1 us, whole nanoseconds; zero is
// "0s"; a negative duration gets a leading "-"; infinite ones read "inf"
// and "-inf".
std::string HumanDuration(absl::Duration duration);

}  // namespace framerpc

#endif  // FRAMERPC_BASE_HUMAN_DURATION_H_
