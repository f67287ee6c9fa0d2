// internal. ServerMetrics: what Server::EnableMetrics counts, the
// CallMetrics of every registered method plus one shared by all the method
// names no service registered ("other", so that a peer inventing names
// cannot make the table grow), and the connection counts the loops keep.
//
// Made by Start, when the methods are known, and constant from then on:
// ForMethod is a lookup in a map nobody writes any more, so the loops look
// a method up without a lock (and only when the method differs from their
// last call's: request_intake.h's IntakeState).
//
// Borrows the LoopGroupState (the server's, which outlives it). Thread-safe.
#ifndef FRAMERPC_SERVER_SERVER_METRICS_H_
#define FRAMERPC_SERVER_SERVER_METRICS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "rpc/call_metrics.h"
#include "server/loop_group_state.h"

namespace framerpc {
namespace internal {

// The grpc_method label of the calls to methods no service registered.
inline constexpr char kOtherMethodLabel[] = "other";

class ServerMetrics {
 public:
  // Text of the process's own, appended to the server's by PrometheusText
  // (Server::AddMetricsSource).
  using Source = std::function<std::string()>;

  // `methods`: every registered method's full name, "pkg.Service/Method".
  // `sources` are called, in order, by every PrometheusText.
  ServerMetrics(const std::vector<std::string>& methods,
                const LoopGroupState* group, std::vector<Source> sources = {});
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // The counters of `method`, or the "other" ones when it is not
  // registered. Never null; lives as long as this object.
  CallMetrics* ForMethod(absl::string_view method) const;
  CallMetrics* other() const { return other_.get(); }

  struct MethodSnapshot {
    std::string method;  // full name, or "other"
    CallMetrics::Snapshot calls;
  };
  struct Snapshot {
    // Sorted by name, "other" last; every registered method, called or not.
    std::vector<MethodSnapshot> methods;
    uint64_t connections_open = 0;
    uint64_t connections_accepted = 0;
  };
  Snapshot Read() const;

  // `snapshot` as RenderPrometheusText writes it, then each source's text.
  std::string PrometheusText(const Snapshot& snapshot) const;
  std::string PrometheusText() const { return PrometheusText(Read()); }

 private:
  const LoopGroupState* const group_;
  std::map<std::string, std::unique_ptr<CallMetrics>, std::less<>> methods_;
  const std::unique_ptr<CallMetrics> other_;
  const std::vector<Source> sources_;
};

// `snapshot` in the Prometheus text format 0.0.4 (rpc/prometheus_text.h),
// with gRFC A66's metric names (docs/metrics.md lists them).
std::string RenderPrometheusText(const ServerMetrics::Snapshot& snapshot);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_SERVER_METRICS_H_
