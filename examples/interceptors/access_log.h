// AccessLog: a server interceptor (framerpc/interceptor.h) that writes one
// line per call once it ends: method, peer, status code name, duration and
// the request and response sizes, e.g.
//   kv.KeyValue/Get 127.0.0.1:41234 NOT_FOUND 153us 7B 0B
// Rejections by interceptors after it in the chain are logged too, so put
// it first to see every call.
//
// Thread-safe: calls end on many threads at once, and the sink is called
// under a lock, one whole line at a time.
#ifndef FRAMERPC_EXAMPLES_INTERCEPTORS_ACCESS_LOG_H_
#define FRAMERPC_EXAMPLES_INTERCEPTORS_ACCESS_LOG_H_

#include <functional>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "framerpc/interceptor.h"

namespace framerpc_examples {

// The line AccessLog writes for one call, without a newline.
std::string FormatAccessLine(absl::string_view method, absl::string_view peer,
                             const framerpc::CallSummary& summary);

class AccessLog final : public framerpc::ServerInterceptor {
 public:
  // Receives each line, without its newline.
  using Sink = std::function<void(absl::string_view line)>;

  // Writes to `sink`; by default to stderr.
  explicit AccessLog(Sink sink = WriteToStderr);

  void AfterCall(const framerpc::ServerContext& context,
                 const framerpc::CallSummary& summary) override;

  static void WriteToStderr(absl::string_view line);

 private:
  std::mutex mu_;
  const Sink sink_;  // called under mu_
};

}  // namespace framerpc_examples

#endif  // FRAMERPC_EXAMPLES_INTERCEPTORS_ACCESS_LOG_H_
