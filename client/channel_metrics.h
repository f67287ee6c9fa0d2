// internal. ChannelMetrics: what Channel::EnableMetrics counts, per method
// the channel called, in gRFC A66's client instruments: attempts (each
// time a call is handed to a connection: started, and per final status
// their duration and message sizes) and whole calls (their duration per
// final status, resends and failures before any send included).
//
// Methods are not known in advance, so each one's counters are made on its
// first call (under a mutex, rarely) and found afterwards without a lock:
// the method table is published as an immutable map behind an atomic
// pointer, replaced by a larger copy when a method joins (old copies are
// kept, so a reader holding one never sees it freed: with kMaxMethods
// names, all the copies together hold about 33,000 entries of two
// pointers). Past kMaxMethods names, further ones share the counters of
// "other", found without the lock too, so a program that builds method
// names on the fly cannot grow the table without bound. The
// counters themselves are CallMetrics (rpc/call_metrics.h): sharded
// relaxed atomics.
//
// Thread-safe. Lives as long as its ChannelCore; the pointers it hands out
// live as long as it.
#ifndef FRAMERPC_CLIENT_CHANNEL_METRICS_H_
#define FRAMERPC_CLIENT_CHANNEL_METRICS_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "rpc/call_metrics.h"

namespace framerpc {
namespace internal {

// The counters of one method on one channel.
struct MethodMetrics {
  explicit MethodMetrics(std::string name) : name(std::move(name)) {}

  const std::string name;  // the grpc_method label
  // Per attempt: RecordStart when handed to a connection, RecordFinish with
  // the attempt's status, duration, request and response sizes.
  CallMetrics attempts;
  // Per call: RecordLatency with the call's final status and duration.
  CallMetrics calls;

  // An attempt (counted started by attempts.RecordStart) ended with
  // `status` after `duration`: counted with the serialized sizes of
  // `request` and, when OK, of `response` (0 otherwise, as nothing usable
  // was received).
  void RecordAttempt(const absl::Status& status, absl::Duration duration,
                     const google::protobuf::Message& request,
                     const google::protobuf::Message& response);
};

class ChannelMetrics {
 public:
  // `target`: the channel's target as given, the grpc_target label.
  explicit ChannelMetrics(std::string target);
  ~ChannelMetrics();
  ChannelMetrics(const ChannelMetrics&) = delete;
  ChannelMetrics& operator=(const ChannelMetrics&) = delete;

  // Distinct method names counted on their own; later ones count as
  // "other".
  static constexpr size_t kMaxMethods = 256;

  // The counters of `method`, made on its first call. Never null.
  MethodMetrics* ForMethod(absl::string_view method);

  // Everything counted, in the Prometheus text format 0.0.4 with A66's
  // client metric names (docs/metrics.md lists them), methods by name.
  std::string PrometheusText() const;

 private:
  // Keys borrow their MethodMetrics' name.
  using Table = absl::flat_hash_map<absl::string_view, MethodMetrics*>;

  MethodMetrics* AddMethod(absl::string_view method);

  const std::string target_;
  const std::unique_ptr<MethodMetrics> other_;
  // The current table; never null. Read without the lock.
  std::atomic<const Table*> table_;
  mutable std::mutex mu_;
  // Every table published (the last one is current) and every method's
  // counters, freed with this object.
  std::vector<std::unique_ptr<const Table>> tables_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<MethodMetrics>> methods_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CHANNEL_METRICS_H_
