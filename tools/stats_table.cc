#include "tools/stats_table.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace framerpc {
namespace cli {

absl::optional<double> EstimateQuantile(const std::vector<double>& bounds,
                                        const std::vector<uint64_t>& counts,
                                        double q) {
  if (counts.size() != bounds.size() + 1 || bounds.empty()) {
    return absl::nullopt;
  }
  uint64_t total = 0;
  for (uint64_t count : counts) total += count;
  if (total == 0) return absl::nullopt;
  const double rank = q * static_cast<double>(total);
  uint64_t below = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0 &&
        static_cast<double>(below + counts[i]) >= rank) {
      if (i == bounds.size()) return bounds.back();
      const double lower = i == 0 ? 0 : bounds[i - 1];
      const double upper = bounds[i];
      const double within =
          (rank - static_cast<double>(below)) / static_cast<double>(counts[i]);
      return lower + (upper - lower) * std::min(1.0, std::max(0.0, within));
    }
    below += counts[i];
  }
  return bounds.back();
}

std::string FormatSeconds(double seconds) {
  if (seconds < 0.001) return absl::StrFormat("%.0fus", seconds * 1e6);
  if (seconds < 1) return absl::StrFormat("%.1fms", seconds * 1e3);
  return absl::StrFormat("%.2fs", seconds);
}

std::string FormatStatsTable(const admin::StatsReply& stats) {
  const std::vector<double> bounds(stats.latency_bounds_seconds().begin(),
                                   stats.latency_bounds_seconds().end());
  std::vector<std::vector<std::string>> rows = {
      {"METHOD", "CALLS", "OK", "ERRORS", "P50", "P99", "RCVD_BYTES",
       "SENT_BYTES"}};
  int idle = 0;
  for (const admin::MethodStats& method : stats.methods()) {
    if (method.started() == 0 && method.statuses().empty()) {
      ++idle;
      continue;
    }
    uint64_t ok = 0;
    uint64_t rcvd = 0;
    uint64_t sent = 0;
    std::vector<std::string> errors;
    std::vector<uint64_t> latency(bounds.size() + 1, 0);
    for (const admin::StatusStats& status : method.statuses()) {
      const uint64_t calls = status.latency_seconds().count();
      if (status.code() == "OK") {
        ok = calls;
      } else {
        errors.push_back(absl::StrCat(status.code(), "=", calls));
      }
      rcvd += static_cast<uint64_t>(status.request_bytes().sum());
      sent += static_cast<uint64_t>(status.response_bytes().sum());
      const auto& counts = status.latency_seconds().counts();
      for (int i = 0; i < counts.size() && i < static_cast<int>(latency.size());
           ++i) {
        latency[static_cast<size_t>(i)] += counts[i];
      }
    }
    auto quantile = [&](double q) {
      absl::optional<double> value = EstimateQuantile(bounds, latency, q);
      return value.has_value() ? FormatSeconds(*value) : std::string("-");
    };
    rows.push_back({method.method(), absl::StrCat(method.started()),
                    absl::StrCat(ok),
                    errors.empty() ? "-" : absl::StrJoin(errors, ","),
                    quantile(0.5), quantile(0.99), absl::StrCat(rcvd),
                    absl::StrCat(sent)});
  }
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      // The method and the errors left-aligned, numbers right-aligned.
      const bool left = i == 0 || i == 3;
      const std::string pad(widths[i] - row[i].size(), ' ');
      absl::StrAppend(&line, i == 0 ? "" : "  ", left ? row[i] : pad,
                      left ? pad : row[i]);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  }
  if (idle > 0) {
    absl::StrAppend(&out, "(", idle, " method", idle == 1 ? "" : "s",
                    " without calls not shown)\n");
  }
  absl::StrAppend(&out, "connections: ", stats.connections_open(), " open, ",
                  stats.connections_accepted(), " accepted\n");
  return out;
}

}  // namespace cli
}  // namespace framerpc
