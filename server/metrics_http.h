// internal. MetricsHttpServer: the minimal HTTP/1.1 endpoint that
// ServerOptions::metrics_http_address turns on, for a Prometheus scraper.
// It answers GET /metrics (a query string is ignored) with the text its
// render function returns, 404 for any other path, 405 for any other
// method, 400 for what is not an HTTP request, and closes each connection
// after one answer.
//
// It has its own listening socket and its own thread, never the RPC
// port's or the loops'. One poll(2) loop serves every client side by side,
// and each is bounded: a request head over kMaxRequestBytes is answered
// 431, a client that has not been answered and served within
// kClientTimeout is dropped, and past kMaxClients the oldest client is
// dropped for a new one, so a slow or hostile client can neither hold the
// thread nor grow its memory, and does not delay anyone else's scrape.
//
// Owns its socket and thread; Stop (or the destructor) joins the thread.
// port() is thread-safe; Start and Stop are for one owner.
#ifndef FRAMERPC_SERVER_METRICS_HTTP_H_
#define FRAMERPC_SERVER_METRICS_HTTP_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"
#include "server/listener.h"

namespace framerpc {
namespace internal {

// The whole HTTP response (status line, headers, body) to one request
// head (the bytes up to and including the blank line). `render` is called
// only for GET /metrics.
std::string AnswerMetricsRequest(absl::string_view request_head,
                                 const std::function<std::string()>& render);

class MetricsHttpServer {
 public:
  static constexpr size_t kMaxRequestBytes = 8192;
  static constexpr absl::Duration kClientTimeout = absl::Seconds(5);
  static constexpr size_t kMaxClients = 32;
  // How long accepting pauses when the process is out of descriptors.
  static constexpr absl::Duration kAcceptPause = absl::Milliseconds(100);

  // Listens on `address`, "host:port" or "[v6]:port" (port 0 picks one),
  // and starts the thread. INVALID_ARGUMENT naming
  // ServerOptions::metrics_http_address when it is malformed (a Unix path
  // included); the bind or listen error, naming the address, otherwise.
  // `render` is called on the server's thread, once per scrape.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      absl::string_view address, std::function<std::string()> render);

  // Stop().
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // The bound TCP port.
  int port() const { return port_; }

  // Closes the listening socket and every client, and joins the thread.
  // Idempotent.
  void Stop();

 private:
  MetricsHttpServer(std::unique_ptr<Listener> listener, UniqueFd wakeup,
                    std::function<std::string()> render);
  void Run();

  // Closed by Stop, once the thread that accepts on it is gone.
  std::unique_ptr<Listener> listener_;
  const int port_;
  // An eventfd: written by Stop to end Run's poll.
  const UniqueFd wakeup_;
  const std::function<std::string()> render_;
  std::thread thread_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_METRICS_HTTP_H_
