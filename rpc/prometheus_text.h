// internal. Writing the Prometheus text exposition format, version 0.0.4:
// a metric family's HELP and TYPE lines, samples with escaped label
// values, a histogram as its cumulative `_bucket` series (an `le` label
// per bound, then "+Inf"), `_sum` and `_count`, and whole families of
// CallMetrics (the server's and a Channel's alike). Stateless functions
// that append to a string.
#ifndef FRAMERPC_RPC_PROMETHEUS_TEXT_H_
#define FRAMERPC_RPC_PROMETHEUS_TEXT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "rpc/call_metrics.h"

namespace framerpc {
namespace internal {

// The Content-Type of a /metrics answer in this format.
inline constexpr char kPrometheusContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

// Label names and values, in the order written.
using PrometheusLabels = std::vector<std::pair<std::string, std::string>>;

// `value` escaped for a label value: backslash, double quote and line feed
// become \\, \" and \n.
std::string EscapeLabelValue(absl::string_view value);

// The shortest text that reads back as exactly `value`; "+Inf", "-Inf",
// "NaN" for those.
std::string FormatSampleValue(double value);

// "# HELP name help\n# TYPE name type\n", the help text's backslashes and
// line feeds escaped. `type`: "counter", "gauge" or "histogram".
void AppendFamilyHeader(absl::string_view name, absl::string_view type,
                        absl::string_view help, std::string* out);

// "name{labels} value\n" ("name value\n" without labels).
void AppendSample(absl::string_view name, const PrometheusLabels& labels,
                  double value, std::string* out);

// The series of one histogram: name_bucket{labels,le="..."} with cumulative
// counts for each of `bounds` and "+Inf", then name_sum and name_count.
// REQUIRES: histogram.counts.size() == bounds.size() + 1.
void AppendHistogram(absl::string_view name, const PrometheusLabels& labels,
                     const std::vector<double>& bounds,
                     const HistogramSnapshot& histogram, std::string* out);

// The calls of one series (a method, for a Channel also its target): the
// labels that name it and what was counted. Borrows `calls`.
struct LabelledCalls {
  PrometheusLabels labels;
  const CallMetrics::Snapshot* calls;
};

// A counter family: its header, then each row's `started` under its labels.
void AppendStartedFamily(absl::string_view name, absl::string_view help,
                         const std::vector<LabelledCalls>& rows,
                         std::string* out);

// A histogram family: its header, then for each row and each status code
// some of its calls ended with, that code's `histogram` under the row's
// labels plus grpc_status (the code's canonical name, "NOT_FOUND").
void AppendStatusHistogramFamily(
    absl::string_view name, absl::string_view help,
    const std::vector<double>& bounds,
    HistogramSnapshot CallMetrics::StatusSnapshot::*histogram,
    const std::vector<LabelledCalls>& rows, std::string* out);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_RPC_PROMETHEUS_TEXT_H_
