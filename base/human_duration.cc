#include "base/human_duration.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace framerpc {
namespace {

// `duration` divided by `unit`, rounded half up. REQUIRES: duration >= 0.
int64_t RoundedCount(absl::Duration duration, absl::Duration unit) {
  return absl::IDivDuration(duration + unit / 2, unit, &duration);
}

}  // namespace

std::string HumanDuration(absl::Duration duration) {
  if (duration == absl::InfiniteDuration()) return "inf";
  if (duration == -absl::InfiniteDuration()) return "-inf";
  if (duration < absl::ZeroDuration()) {
    return absl::StrCat("-", HumanDuration(-duration));
  }
  if (duration == absl::ZeroDuration()) return "0s";
  if (duration < absl::Microseconds(1)) {
    return absl::StrCat(absl::ToInt64Nanoseconds(duration), "ns");
  }
  // Each unit is chosen by the rounded value, so that 999.6 us reads "1ms",
  // not "1000us", and 9999.6 ms reads "10s".
  const int64_t micros = RoundedCount(duration, absl::Microseconds(1));
  if (micros < 1000) return absl::StrCat(micros, "us");
  const int64_t millis = RoundedCount(duration, absl::Milliseconds(1));
  if (millis < 10000) return absl::StrCat(millis, "ms");
  const int64_t tenths = RoundedCount(duration, absl::Milliseconds(100));
  if (tenths % 10 == 0) return absl::StrCat(tenths / 10, "s");
  return absl::StrCat(tenths / 10, ".", tenths % 10, "s");
}

}  // namespace framerpc
