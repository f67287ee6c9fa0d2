// bench_pollref_server: the pollref system (see pollref_loop.h), a single
// poll(2) thread doing the raw+pb work inline. The main thread only waits for
// the stop request.
#include <thread>

#include "bench/common/server_shell.h"
#include "bench/common/sockets.h"
#include "bench/servers/pollref_loop.h"

namespace framerpc {
namespace bench {
namespace {

int Main(int argc, char** argv) {
  const std::string listen = InitServer(
      argc, argv,
      "bench_pollref_server --listen ADDR: single-threaded poll(2) echo "
      "server doing the raw+pb work");
  absl::StatusOr<Listener> listener = ListenOn(listen);
  if (!listener.ok())
    DieWith("bench_pollref_server", listener.status().ToString());
  const std::string address = listener->address;
  absl::StatusOr<std::unique_ptr<PollrefLoop>> loop =
      PollrefLoop::Create(std::move(listener->fd));
  if (!loop.ok()) DieWith("bench_pollref_server", loop.status().ToString());

  std::thread serving([&] {
    absl::Status status = (*loop)->Run();
    if (!status.ok()) DieWith("pollref loop", status.ToString());
  });
  AnnounceListening(address);
  WaitForStopRequest();
  (*loop)->Stop();
  serving.join();
  ReportExit();
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
