// bench_fanout_frontend: the frontend process bench_fanout measures. Serves
// the echo service on --listen by calling the echo server at --backend
// --fanout times per call (fanout_service.h), with blocking handlers
// (--mode=sync; give --workers one per call in flight) or deferred answers
// (--mode=async). Its own process, so that its threads can be counted
// (/proc/PID/task) apart from the backend's and the load's.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "bench/common/server_shell.h"
#include "bench/fanout/fanout_service.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "rpc/address.h"

ABSL_FLAG(std::string, backend, "", "The echo server to call (host:port)");
ABSL_FLAG(std::string, mode, "async", "sync or async handlers");
ABSL_FLAG(int, fanout, 4, "Backend calls per call");
ABSL_FLAG(int, workers, 0,
          "ServerOptions::num_workers (0: one per core, at least 4)");

namespace framerpc {
namespace bench {
namespace {

int Main(int argc, char** argv) {
  const std::string listen = InitServer(
      argc, argv,
      "bench_fanout_frontend --listen ADDR --backend ADDR [--mode sync|async] "
      "[--fanout N] [--workers N]: an echo server that calls another");
  absl::StatusOr<Address> address = ParseAddress(listen);
  if (!address.ok())
    DieWith("bench_fanout_frontend", address.status().ToString());
  const int fanout = absl::GetFlag(FLAGS_fanout);
  if (fanout < 1 || fanout > 64) {
    DieWith("bench_fanout_frontend", "--fanout must be 1..64");
  }
  absl::StatusOr<std::shared_ptr<Channel>> backend =
      Channel::Create(absl::GetFlag(FLAGS_backend));
  if (!backend.ok()) {
    DieWith("bench_fanout_frontend --backend", backend.status().ToString());
  }
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode != "sync" && mode != "async") {
    DieWith("bench_fanout_frontend",
            absl::StrCat("--mode is sync or async, not ", mode));
  }
  FanoutService service(*backend, fanout,
                        mode == "sync" ? FanoutService::Form::kSync
                                       : FanoutService::Form::kAsync);

  ServerOptions options;
  options.num_workers = absl::GetFlag(FLAGS_workers);
  Server server(options);
  absl::Status status = server.AddService(&service);
  if (status.ok()) status = server.Listen(listen);
  if (status.ok()) status = server.Start();
  if (!status.ok()) DieWith("bench_fanout_frontend", status.ToString());
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
