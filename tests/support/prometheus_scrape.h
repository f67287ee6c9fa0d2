// Test helpers for the Prometheus text format: ParsePrometheusText reads
// exposition text back into its samples, strictly enough that a line the
// format does not allow fails the test that parses it; HttpGet fetches a
// URL path from a loopback HTTP server with a bounded wait; PromtoolCheck
// runs Prometheus's own checker on a text.
#ifndef FRAMERPC_TESTS_SUPPORT_PROMETHEUS_SCRAPE_H_
#define FRAMERPC_TESTS_SUPPORT_PROMETHEUS_SCRAPE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace framerpc {
namespace testing_support {

struct PrometheusSample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct PrometheusText {
  std::vector<PrometheusSample> samples;
  // Family name -> "counter", "gauge", "histogram" (from TYPE lines).
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> helps;

  // The value of the one sample named `name` whose labels include every
  // pair of `labels`; NOT_FOUND if none, FAILED_PRECONDITION if several.
  absl::StatusOr<double> Value(
      absl::string_view name,
      const std::map<std::string, std::string>& labels = {}) const;
  // Every sample named `name` whose labels include `labels`.
  std::vector<PrometheusSample> Find(
      absl::string_view name,
      const std::map<std::string, std::string>& labels = {}) const;
};

// INVALID_ARGUMENT naming the line for what is not a comment, a blank line
// or `name{label="value",...} number`.
absl::StatusOr<PrometheusText> ParsePrometheusText(absl::string_view text);

// The raw response (status line, headers, body) to "GET `path`" from
// 127.0.0.1:`port`, read until the server closes; DEADLINE_EXCEEDED after
// `timeout`.
absl::StatusOr<std::string> HttpGet(int port, absl::string_view path,
                                    absl::Duration timeout = absl::Seconds(10));
// As HttpGet with a whole request of the caller's.
absl::StatusOr<std::string> HttpExchange(
    int port, absl::string_view request,
    absl::Duration timeout = absl::Seconds(10));
// The body of a raw response (after the blank line), or "" if none.
std::string HttpBody(absl::string_view response);

// promtool's path, from Debian's prometheus package
// (scripts/install_deps.sh); "" when it is not installed.
std::string PromtoolPath();

// What `promtool check metrics` said of a text: its exit code (-1 when it
// could not be run) and everything it printed (lint problems are printed
// with exit code 0 for some).
struct PromtoolVerdict {
  int exit_code = -1;
  std::string output;
};
// REQUIRES: `promtool` is PromtoolPath(), not empty.
PromtoolVerdict PromtoolCheck(const std::string& promtool,
                              absl::string_view text);

}  // namespace testing_support
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_SUPPORT_PROMETHEUS_SCRAPE_H_
