// AccessLog: see access_log.h.
#include "access_log.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace framerpc_examples {

std::string FormatAccessLine(absl::string_view method, absl::string_view peer,
                             const framerpc::CallSummary& summary) {
  // Microseconds: finer than most calls, coarse enough to read.
  const absl::Duration rounded =
      absl::Trunc(summary.duration, absl::Microseconds(1));
  return absl::StrCat(method, " ", peer, " ",
                      absl::StatusCodeToString(summary.status.code()), " ",
                      absl::FormatDuration(rounded), " ",
                      summary.request_bytes, "B ", summary.response_bytes,
                      "B");
}

AccessLog::AccessLog(Sink sink) : sink_(std::move(sink)) {}

void AccessLog::AfterCall(const framerpc::ServerContext& context,
                          const framerpc::CallSummary& summary) {
  const std::string line =
      FormatAccessLine(context.method(), context.peer(), summary);
  std::lock_guard<std::mutex> lock(mu_);
  sink_(line);
}

void AccessLog::WriteToStderr(absl::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace framerpc_examples
