#include "bench/client/cell_args.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace framerpc {
namespace bench {

absl::StatusOr<std::vector<int>> ParseThreadCounts(absl::string_view list) {
  std::vector<int> counts;
  for (absl::string_view item : absl::StrSplit(list, ',')) {
    int n = 0;
    if (!absl::SimpleAtoi(item, &n) || n < 1 || n > 4096) {
      return absl::InvalidArgumentError(
          absl::StrCat("--threads takes counts 1..4096, not '", item, "'"));
    }
    counts.push_back(n);
  }
  return counts;
}

absl::Status CheckRunFlags(int repeat, int64_t payload, double duration,
                           double warmup) {
  if (repeat < 1 || repeat > 100) {
    return absl::InvalidArgumentError("--repeat must be 1..100");
  }
  if (payload < 0 || payload > (int64_t{8} << 20)) {
    return absl::InvalidArgumentError("--payload must be 0..8 MiB");
  }
  if (!(duration > 0 && duration <= 3600)) {
    return absl::InvalidArgumentError("--duration must be in (0, 3600]");
  }
  if (!(warmup >= 0 && warmup <= 3600)) {
    return absl::InvalidArgumentError("--warmup must be in [0, 3600]");
  }
  return absl::OkStatus();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void ExitIfCallsFailed(absl::string_view program, absl::string_view cell,
                       const LoadResult& result) {
  if (result.errors == 0 && result.mismatches == 0) return;
  std::fprintf(stderr,
               "%s: %s: %lld failed calls, %lld mismatched replies; first "
               "error: %s\n",
               std::string(program).c_str(), std::string(cell).c_str(),
               static_cast<long long>(result.errors),
               static_cast<long long>(result.mismatches),
               result.first_error.c_str());
  std::exit(1);
}

}  // namespace bench
}  // namespace framerpc
