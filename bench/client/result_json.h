// The one JSON line bench_client prints: what was run and the figures of its
// measured window (the fields of ClientResult in
// bench/proto/bench_result.proto).
#ifndef FRAMERPC_BENCH_CLIENT_RESULT_JSON_H_
#define FRAMERPC_BENCH_CLIENT_RESULT_JSON_H_

#include <string>

#include "absl/strings/string_view.h"
#include "bench/client/load_runner.h"

namespace framerpc {
namespace bench {

struct RunDescription {
  std::string system;
  int threads = 1;
  size_t payload = 0;
  bool channel_per_thread = false;
  int idle_connections = 0;  // held open beside the load, as opened
};

// The JSON object, on one line without a newline. Sorts the latencies in
// `result` in place. Per-call figures are 0 when no call completed.
std::string ResultJson(const RunDescription& run, LoadResult* result);

// `text` as a JSON string literal, quotes included.
std::string JsonString(absl::string_view text);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_RESULT_JSON_H_
