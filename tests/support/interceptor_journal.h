// Test support: Journal, where the recording interceptors of the server and
// client interceptor tests write what they saw (one line per BeforeCall or
// AfterCall, and each CallSummary), in the order they saw it. Header-only.
//
// Thread-safe: interceptors run on the server's threads or the callers'.
#ifndef FRAMERPC_TESTS_SUPPORT_INTERCEPTOR_JOURNAL_H_
#define FRAMERPC_TESTS_SUPPORT_INTERCEPTOR_JOURNAL_H_

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "framerpc/interceptor.h"

namespace framerpc {
namespace testing_support {

class Journal {
 public:
  void Add(std::string entry) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.push_back(std::move(entry));
  }
  std::vector<std::string> entries() {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_;
  }
  void Keep(const CallSummary& summary) {
    std::lock_guard<std::mutex> lock(mu_);
    summaries_.push_back(summary);
  }
  std::vector<CallSummary> summaries() {
    std::lock_guard<std::mutex> lock(mu_);
    return summaries_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> entries_;
  std::vector<CallSummary> summaries_;
};

}  // namespace testing_support
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_SUPPORT_INTERCEPTOR_JOURNAL_H_
