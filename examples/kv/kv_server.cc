// kv_server: serves the KeyValue example service until SIGINT or SIGTERM,
// then shuts down gracefully (calls in flight get --grace to finish).
// Reflection and health checking are enabled, so framerpc_cli can list,
// describe and call it without kv.proto. With --access_log every call is
// logged to stderr, and with --require_token only callers that send the
// token (kv_client --token) are served (examples/interceptors). With
// --tls_cert and --tls_key it speaks TLS only, and with --tls_client_ca too
// it serves only clients with a certificate that CA signed (mutual TLS).
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "access_log.h"
#include "bound_address.h"
#include "framerpc/server.h"
#include "kv_service.h"
#include "kv_store.h"
#include "stop_signals.h"
#include "token_check.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7000",
          "address to serve on: host:port, [v6]:port or unix:/path; port 0 "
          "picks a free port");
ABSL_FLAG(int, workers, 0, "handler threads; 0: one per core");
ABSL_FLAG(int, max_connections, 1024, "open connections at most");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(5),
          "how long shutdown lets calls in flight finish");
ABSL_FLAG(bool, access_log, false,
          "log one line per call to stderr: method, peer, status, duration, "
          "request and response bytes");
ABSL_FLAG(std::string, require_token, "",
          "when set, answer UNAUTHENTICATED every call (but health checks) "
          "without the metadata \"authorization: Bearer <this token>\"");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve TLS only (needs --tls_key); the "
          "files are read again when they change");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CAs: with TLS, serve only clients with a certificate one of "
          "them signed (mutual TLS)");
ABSL_FLAG(bool, metrics, false,
          "count per-method calls, status codes, latency and bytes, and "
          "serve them over the framerpc.admin service (framerpc_cli stats)");
ABSL_FLAG(std::string, metrics_http, "",
          "when set (host:port; port 0 picks one), also serve the metrics "
          "for Prometheus at http://host:port/metrics");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves the framerpc example key-value service.\n"
      "Usage: kv_server [--listen=127.0.0.1:7000] [--workers=N] "
      "[--access_log] [--require_token=T] [--metrics] "
      "[--metrics_http=host:port] [--tls_cert=PEM --tls_key=PEM "
      "[--tls_client_ca=PEM]]");
  absl::ParseCommandLine(argc, argv);

  // Before any thread starts (see stop_signals.h).
  framerpc_examples::StopSignals stop_signals;

  framerpc::ServerOptions options;
  options.num_workers = absl::GetFlag(FLAGS_workers);
  options.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.metrics_http_address = absl::GetFlag(FLAGS_metrics_http);
  // The log first, so that it sees the calls the token check turns away.
  if (absl::GetFlag(FLAGS_access_log)) {
    options.interceptors.push_back(
        std::make_shared<framerpc_examples::AccessLog>());
  }
  const std::string token = absl::GetFlag(FLAGS_require_token);
  if (!token.empty()) {
    options.interceptors.push_back(
        std::make_shared<framerpc_examples::TokenCheck>(token));
  }
  options.tls.cert_chain_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls.private_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  // Any TLS flag turns TLS on, so that a missing one is an error from Start
  // rather than a plaintext server.
  options.tls.enabled = !options.tls.cert_chain_file.empty() ||
                        !options.tls.private_key_file.empty() ||
                        !options.tls.client_ca_file.empty();
  framerpc::Server server(options);
  kv::KvStore store;
  kv::KvService service(&store);

  const std::string listen = absl::GetFlag(FLAGS_listen);
  absl::Status status = server.AddService(&service);
  // framerpc_cli and health probes: list, describe and check this server.
  if (status.ok()) status = server.EnableReflection();
  if (status.ok()) status = server.EnableHealthCheck();
  if (status.ok() && absl::GetFlag(FLAGS_metrics)) {
    status = server.EnableMetrics();
  }
  if (status.ok()) status = server.Listen(listen);
  if (status.ok()) status = server.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "kv_server: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("kv_server listening on %s\n",
              framerpc_examples::BoundAddress(listen, server.port()).c_str());
  if (server.metrics_http_port() != 0) {
    const std::string http = absl::GetFlag(FLAGS_metrics_http);
    std::printf(
        "kv_server metrics on http://%s/metrics\n",
        framerpc_examples::BoundAddress(http, server.metrics_http_port())
            .c_str());
  }
  std::fflush(stdout);

  std::thread signal_waiter([&] {
    std::printf("kv_server: %s, shutting down\n", stop_signals.Wait());
    std::fflush(stdout);
    server.Shutdown(absl::GetFlag(FLAGS_grace));
  });
  server.Wait();
  signal_waiter.join();
  std::printf("kv_server: stopped\n");
  return 0;
}
