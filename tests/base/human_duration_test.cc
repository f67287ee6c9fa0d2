#include "base/human_duration.h"

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace {

struct Case {
  absl::Duration duration;
  std::string text;
};

TEST(HumanDuration, RoundsToOneReadableUnit) {
  const Case cases[] = {
      {absl::ZeroDuration(), "0s"},
      {absl::Nanoseconds(1), "1ns"},
      {absl::Nanoseconds(999), "999ns"},
      {absl::Microseconds(1), "1us"},
      {absl::Microseconds(250), "250us"},
      {absl::Nanoseconds(999'499), "999us"},
      {absl::Nanoseconds(999'500), "1ms"},  // not "1000us"
      {absl::Milliseconds(1), "1ms"},
      {absl::Nanoseconds(199'423'831), "199ms"},
      {absl::Microseconds(199'500), "200ms"},
      {absl::Milliseconds(200), "200ms"},
      {absl::Milliseconds(1500), "1500ms"},
      {absl::Milliseconds(9999), "9999ms"},
      {absl::Microseconds(9'999'500), "10s"},  // not "10000ms"
      {absl::Seconds(10), "10s"},
      {absl::Milliseconds(12'340), "12.3s"},
      {absl::Milliseconds(12'350), "12.4s"},
      {absl::Milliseconds(12'960), "13s"},  // not "13.0s"
      {absl::Minutes(5), "300s"},
      {absl::Hours(24), "86400s"},
      {absl::Milliseconds(-200), "-200ms"},
      {absl::Seconds(-12.5), "-12.5s"},
      {absl::InfiniteDuration(), "inf"},
      {-absl::InfiniteDuration(), "-inf"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HumanDuration(c.duration), c.text)
        << absl::FormatDuration(c.duration);
  }
}

}  // namespace
}  // namespace framerpc
