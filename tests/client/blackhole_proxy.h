// BlackholeProxy: a userspace TCP proxy on loopback for keepalive tests. It
// forwards bytes between each client it accepts and an upstream address
// until Blackhole(): from then on it forwards nothing in either direction
// but keeps every socket open, as a vanished host behind a middlebox that
// still acknowledges packets would look to both ends (no FIN, no RST, TCP
// itself still delivering to the proxy).
//
// Owns its thread and sockets; the destructor stops the thread and closes
// everything. Methods are thread-safe.
#ifndef FRAMERPC_TESTS_CLIENT_BLACKHOLE_PROXY_H_
#define FRAMERPC_TESTS_CLIENT_BLACKHOLE_PROXY_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/unique_fd.h"

namespace framerpc {
namespace testing_support {

class BlackholeProxy {
 public:
  // Listens on 127.0.0.1, port 0, and forwards to `upstream`
  // ("127.0.0.1:PORT").
  static absl::StatusOr<std::unique_ptr<BlackholeProxy>> Start(
      absl::string_view upstream);
  ~BlackholeProxy();

  // "127.0.0.1:PORT", for a Channel.
  const std::string& address() const { return address_; }
  // Stops forwarding, for good, in both directions.
  void Blackhole() { blackholed_.store(true); }

 private:
  BlackholeProxy(UniqueFd listener, std::string address, std::string upstream);
  void Run();

  const UniqueFd listener_;
  const std::string address_;
  const std::string upstream_;
  UniqueFd wakeup_;  // eventfd: stop
  std::atomic<bool> blackholed_{false};
  std::thread thread_;
};

}  // namespace testing_support
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_CLIENT_BLACKHOLE_PROXY_H_
