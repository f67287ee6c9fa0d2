// bench_capnp_server: the capnp system, Cap'n Proto RPC's EzRpcServer with
// one KJ event loop on the main thread, serving echo.capnp's EchoService;
// the echo copies the request's payload into the results, as the other
// systems' handlers do from their const requests.
//
// Threads: the main thread runs the event loop; a second one only waits for
// the stop request and wakes the loop through a pipe.
#include <capnp/ez-rpc.h>
#include <fcntl.h>
#include <kj/async-io.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "bench/common/server_shell.h"
#include "bench/common/sockets.h"
#include "echo.capnp.h"

namespace framerpc {
namespace bench {
namespace {

class EchoImpl final : public capnp_gen::EchoService::Server {
 protected:
  kj::Promise<void> echo(EchoContext context) override {
    context.getResults().setPayload(context.getParams().getPayload());
    return kj::READY_NOW;
  }
};

int Main(int argc, char** argv) {
  const std::string listen = InitServer(
      argc, argv,
      "bench_capnp_server --listen ADDR: Cap'n Proto EzRpcServer echo server");
  int stop_pipe[2];
  if (::pipe2(stop_pipe, O_CLOEXEC) != 0) DieWith("pipe2", "failed");
  // Our listening socket, not KJ's: its TCP_NODELAY is inherited by every
  // accepted connection, as on the other systems' servers. KJ borrows it.
  absl::StatusOr<Listener> listener = ListenOn(listen);
  if (!listener.ok())
    DieWith("bench_capnp_server", listener.status().ToString());
  absl::Status nodelay = SetNoDelayIfTcp(listener->fd.get());
  if (!nodelay.ok()) DieWith("bench_capnp_server", nodelay.ToString());
  try {
    capnp::EzRpcServer server(kj::heap<EchoImpl>(), listener->fd.get(), 0);
    kj::WaitScope& wait_scope = server.getWaitScope();
    AnnounceListening(listener->address);

    // The loop cannot poll a signalfd of ours, so the stop request reaches
    // it as a readable pipe.
    std::thread waiter([&] {
      WaitForStopRequest();
      const char byte = 0;
      if (::write(stop_pipe[1], &byte, 1) != 1) DieWith("write", "stop pipe");
    });
    kj::Own<kj::AsyncInputStream> stop =
        server.getLowLevelIoProvider().wrapInputFd(stop_pipe[0]);
    kj::byte byte;
    stop->read(&byte, 1).wait(wait_scope);
    waiter.join();
  } catch (const kj::Exception& e) {
    // KJ reports a failed bind or a broken loop by throwing.
    DieWith("bench_capnp_server", e.getDescription().cStr());
  }
  ReportExit();
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
