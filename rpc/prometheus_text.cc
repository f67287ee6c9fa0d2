#include "rpc/prometheus_text.h"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace framerpc {
namespace internal {

std::string EscapeLabelValue(absl::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        escaped += "\\\\";
        break;
      case '"':
        escaped += "\\\"";
        break;
      case '\n':
        escaped += "\\n";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counts are integers: written as such, never in exponent form.
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<long long>(value));
  }
  char text[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

void AppendFamilyHeader(absl::string_view name, absl::string_view type,
                        absl::string_view help, std::string* out) {
  std::string escaped_help;
  for (char c : help) {
    if (c == '\\') {
      escaped_help += "\\\\";
    } else if (c == '\n') {
      escaped_help += "\\n";
    } else {
      escaped_help += c;
    }
  }
  absl::StrAppend(out, "# HELP ", name, " ", escaped_help, "\n# TYPE ", name,
                  " ", type, "\n");
}

namespace {

void AppendLabels(const PrometheusLabels& labels, std::string* out) {
  if (labels.empty()) return;
  out->push_back('{');
  for (size_t i = 0; i < labels.size(); ++i) {
    absl::StrAppend(out, i == 0 ? "" : ",", labels[i].first, "=\"",
                    EscapeLabelValue(labels[i].second), "\"");
  }
  out->push_back('}');
}

}  // namespace

void AppendSample(absl::string_view name, const PrometheusLabels& labels,
                  double value, std::string* out) {
  out->append(name.data(), name.size());
  AppendLabels(labels, out);
  absl::StrAppend(out, " ", FormatSampleValue(value), "\n");
}

void AppendHistogram(absl::string_view name, const PrometheusLabels& labels,
                     const std::vector<double>& bounds,
                     const HistogramSnapshot& histogram, std::string* out) {
  assert(histogram.counts.size() == bounds.size() + 1);
  const std::string bucket_name = absl::StrCat(name, "_bucket");
  PrometheusLabels with_le = labels;
  with_le.emplace_back("le", "");
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += histogram.counts[i];
    with_le.back().second =
        i < bounds.size() ? FormatSampleValue(bounds[i]) : "+Inf";
    AppendSample(bucket_name, with_le, static_cast<double>(cumulative), out);
  }
  AppendSample(absl::StrCat(name, "_sum"), labels, histogram.sum, out);
  AppendSample(absl::StrCat(name, "_count"), labels,
               static_cast<double>(histogram.count), out);
}

void AppendStartedFamily(absl::string_view name, absl::string_view help,
                         const std::vector<LabelledCalls>& rows,
                         std::string* out) {
  AppendFamilyHeader(name, "counter", help, out);
  for (const LabelledCalls& row : rows) {
    AppendSample(name, row.labels, static_cast<double>(row.calls->started),
                 out);
  }
}

void AppendStatusHistogramFamily(
    absl::string_view name, absl::string_view help,
    const std::vector<double>& bounds,
    HistogramSnapshot CallMetrics::StatusSnapshot::*histogram,
    const std::vector<LabelledCalls>& rows, std::string* out) {
  AppendFamilyHeader(name, "histogram", help, out);
  for (const LabelledCalls& row : rows) {
    PrometheusLabels labels = row.labels;
    labels.emplace_back("grpc_status", "");
    for (const CallMetrics::StatusSnapshot& status : row.calls->by_status) {
      labels.back().second = absl::StatusCodeToString(status.code);
      AppendHistogram(name, labels, bounds, status.*histogram, out);
    }
  }
}

}  // namespace internal
}  // namespace framerpc
