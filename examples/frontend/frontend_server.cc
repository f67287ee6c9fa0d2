// frontend_server: serves the Frontend example service (frontend.proto),
// which answers each GetPair with two calls to a kv_server (--backend),
// until SIGINT or SIGTERM, then shuts down gracefully. --mode picks the
// form of the handler (frontend_service.h): "async" (answers from the
// backend calls' callbacks, no thread waits) or "sync" (a blocking handler,
// a thread per call in flight; give it --workers accordingly).
//
//   kv_server --listen=127.0.0.1:7000 &
//   frontend_server --listen=127.0.0.1:7100 --backend=127.0.0.1:7000
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "bound_address.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "frontend_service.h"
#include "stop_signals.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7100",
          "address to serve on: host:port, [v6]:port or unix:/path; port 0 "
          "picks a free port");
ABSL_FLAG(std::string, backend, "127.0.0.1:7000",
          "the kv_server to call: any Channel target (docs/api.md §5.1)");
ABSL_FLAG(std::string, mode, "async",
          "\"async\": handlers answer from the backend calls' callbacks; "
          "\"sync\": handlers block until both backend calls ended");
ABSL_FLAG(int, workers, 0, "handler threads; 0: one per core, at least 4");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(5),
          "how long shutdown lets calls in flight finish");

namespace {

// The form --mode names; false for an unknown mode.
bool ParseForm(const std::string& mode, frontend::FrontendService::Form* form) {
  if (mode == "async")
    *form = frontend::FrontendService::Form::kAsync;
  else if (mode == "sync")
    *form = frontend::FrontendService::Form::kSync;
  else
    return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves the framerpc fan-out example, a frontend to kv_server.\n"
      "Usage: frontend_server [--listen=127.0.0.1:7100] "
      "[--backend=127.0.0.1:7000] [--mode=async|sync] [--workers=N]");
  absl::ParseCommandLine(argc, argv);

  // Before any thread starts (see stop_signals.h).
  framerpc_examples::StopSignals stop_signals;

  const std::string backend_target = absl::GetFlag(FLAGS_backend);
  absl::StatusOr<std::shared_ptr<framerpc::Channel>> backend =
      framerpc::Channel::Create(backend_target);
  if (!backend.ok()) {
    std::fprintf(stderr, "frontend_server: --backend: %s\n",
                 backend.status().ToString().c_str());
    return 1;
  }
  const std::string mode = absl::GetFlag(FLAGS_mode);
  frontend::FrontendService::Form form;
  if (!ParseForm(mode, &form)) {
    std::fprintf(stderr,
                 "frontend_server: --mode is \"async\" or \"sync\", not "
                 "\"%s\"\n",
                 mode.c_str());
    return 1;
  }
  frontend::FrontendService service(*backend, form);

  framerpc::ServerOptions options;
  options.num_workers = absl::GetFlag(FLAGS_workers);
  framerpc::Server server(options);
  const std::string listen = absl::GetFlag(FLAGS_listen);
  absl::Status status = server.AddService(&service);
  if (status.ok()) status = server.Listen(listen);
  if (status.ok()) status = server.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "frontend_server: %s\n", status.ToString().c_str());
    return 1;
  }
  const std::string address =
      framerpc_examples::BoundAddress(listen, server.port());
  std::printf("frontend_server (%s) listening on %s, backend %s\n",
              mode.c_str(), address.c_str(), backend_target.c_str());
  std::fflush(stdout);

  std::thread signal_waiter([&] {
    std::printf("frontend_server: %s, shutting down\n", stop_signals.Wait());
    std::fflush(stdout);
    server.Shutdown(absl::GetFlag(FLAGS_grace));
  });
  server.Wait();
  signal_waiter.join();
  std::printf("frontend_server: stopped\n");
  return 0;
}
