// bench_framerpc_server: the framerpc system, the generated EchoService on
// framerpc::Server (poll loop plus --workers handler threads), over TCP or
// a Unix socket. With --inline the service is added with
// ServiceOptions::inline_handlers: the echo runs on the loop thread, with no
// hand-off to a worker (the framerpc-inline system). --max_connections lifts
// ServerOptions::max_connections for the c1_idle10k workload, whose 10,000
// idle connections the default would refuse. --tls_cert and --tls_key
// serve TLS (the framerpc-tls system). --metrics (Server::EnableMetrics)
// and --interceptor (one that does nothing) measure what those cost a call
// (the framerpc-metrics and framerpc-icpt systems).
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "bench/common/blocking_frames.h"
#include "bench/common/server_shell.h"
#include "echo.framerpc.h"
#include "framerpc/interceptor.h"
#include "framerpc/server.h"
#include "rpc/address.h"

ABSL_FLAG(int, workers, 0, "Handler threads (0: one per core, at least 4)");
ABSL_FLAG(bool, inline, false,
          "Run the echo handler on the poll loop thread "
          "(ServiceOptions::inline_handlers) instead of a worker");
ABSL_FLAG(int, max_connections, 0,
          "ServerOptions::max_connections (0: the library's default)");
ABSL_FLAG(bool, metrics, false, "Server::EnableMetrics()");
ABSL_FLAG(bool, interceptor, false,
          "Install one server interceptor whose BeforeCall and AfterCall do "
          "nothing");

namespace framerpc {
namespace bench {
namespace {

// The cheapest interceptor there is: what the chain itself costs.
class NothingInterceptor final : public ServerInterceptor {
  absl::Status BeforeCall(ServerContext&) override { return absl::OkStatus(); }
  void AfterCall(const ServerContext&, const CallSummary&) override {}
};

class EchoServiceImpl final : public EchoService::Service {
  absl::Status Echo(ServerContext&, const EchoRequest& request,
                    EchoReply* reply) override {
    reply->set_payload(request.payload());
    return absl::OkStatus();
  }
};

int Main(int argc, char** argv) {
  const std::string listen =
      InitServer(argc, argv,
                 "bench_framerpc_server --listen ADDR [--workers N] [--inline] "
                 "[--max_connections N] [--tls_cert PEM --tls_key PEM] "
                 "[--metrics] [--interceptor]: framerpc echo server");
  absl::StatusOr<Address> address = ParseAddress(listen);
  if (!address.ok())
    DieWith("bench_framerpc_server", address.status().ToString());

  ServerOptions options;
  options.num_workers = absl::GetFlag(FLAGS_workers);
  options.max_frame_size = kBenchMaxBodySize;
  if (const int most = absl::GetFlag(FLAGS_max_connections); most > 0) {
    options.max_connections = most;
  }
  if (const ServerTlsFiles tls = TlsFiles(); tls.enabled()) {
    options.tls.enabled = true;
    options.tls.cert_chain_file = tls.cert_file;
    options.tls.private_key_file = tls.key_file;
  }
  if (absl::GetFlag(FLAGS_interceptor)) {
    options.interceptors.push_back(std::make_shared<NothingInterceptor>());
  }
  Server server(options);
  EchoServiceImpl service;
  ServiceOptions service_options;
  service_options.inline_handlers = absl::GetFlag(FLAGS_inline);
  absl::Status status = server.AddService(&service, service_options);
  if (status.ok() && absl::GetFlag(FLAGS_metrics)) {
    status = server.EnableMetrics();
  }
  if (status.ok()) status = server.Listen(listen);
  if (status.ok()) status = server.Start();
  if (!status.ok()) DieWith("bench_framerpc_server", status.ToString());
  if (address->kind == Address::Kind::kTcp) address->port = server.port();

  AnnounceListening(address->ToString());
  WaitForStopRequest();
  server.Shutdown();
  server.Wait();
  ReportExit();
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
