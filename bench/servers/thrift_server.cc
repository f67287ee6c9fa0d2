// bench_thrift_server: the thrift-nb and thrift-threaded systems, Apache
// Thrift serving echo.thrift's EchoService over framed transport and the
// binary protocol, in one of two modes:
//   --mode nonblocking: TNonblockingServer, one libevent I/O thread that
//                       also runs the handler (no thread manager);
//   --mode threaded:    TThreadedServer, a thread per connection.
// The handler copies the request's payload into the reply, as the other
// systems' handlers do from their const requests.
//
// Threads: Thrift's serve() runs on a thread of its own (plus its
// connection threads when threaded); the main thread waits for the stop
// request and then stops it.
#include <sys/socket.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#ifdef FRAMERPC_BENCH_HAVE_THRIFT_NB
#include <thrift/server/TNonblockingServer.h>
#include <thrift/transport/TNonblockingServerSocket.h>
#endif

#include "EchoService.h"
#include "absl/flags/flag.h"
#include "absl/synchronization/notification.h"
#include "bench/common/server_shell.h"
#include "rpc/address.h"

ABSL_FLAG(std::string, mode, "nonblocking",
          "nonblocking (TNonblockingServer) or threaded (TThreadedServer)");
ABSL_FLAG(bool, list_modes, false,
          "Print the modes this binary was built with, one a line, and exit");

namespace framerpc {
namespace bench {
namespace {

using apache::thrift::protocol::TBinaryProtocolFactory;
using apache::thrift::server::TServer;
using apache::thrift::server::TServerEventHandler;

class EchoHandler final : public thrift_gen::EchoServiceIf {
 public:
  void echo(std::string& reply, const std::string& payload) override {
    reply = payload;
  }
};

// Tells the main thread that serve() is listening: it calls preServe()
// once its socket is bound, which is when the port chosen for port 0 is
// known.
class ListeningNotifier final : public TServerEventHandler {
 public:
  void preServe() override { listening_.Notify(); }
  void WaitUntilListening() { listening_.WaitForNotification(); }

 private:
  absl::Notification listening_;
};

// Thrift 0.17's TFramedTransport counts every byte a connection reads
// against TConfiguration's max message size (100 MB) and never restarts the
// count on the server side, so TThreadedServer drops a connection once it
// has read 100 MB: the 1 MiB echo would stop after 99 calls. This transport
// restarts the count at every frame, which keeps the limit per message, as
// meant. (TNonblockingServer reads with libevent and is not affected.)
class PerMessageLimitFramedTransport final
    : public apache::thrift::transport::TFramedTransport {
 public:
  using TFramedTransport::TFramedTransport;

 protected:
  bool readFrame() override {
    resetConsumedMessageSize();
    return TFramedTransport::readFrame();
  }
};

class PerMessageLimitFramedFactory final
    : public apache::thrift::transport::TTransportFactory {
 public:
  std::shared_ptr<apache::thrift::transport::TTransport> getTransport(
      std::shared_ptr<apache::thrift::transport::TTransport> inner) override {
    return std::make_shared<PerMessageLimitFramedTransport>(std::move(inner));
  }
};

// The server for `mode` bound to `address`, and how to read its
// bound port once listening; null server for a mode not built.
struct Built {
  std::unique_ptr<TServer> server;
  std::function<int()> port;
};

Built MakeServer(const std::string& mode, const Address& address) {
  auto processor = std::make_shared<thrift_gen::EchoServiceProcessor>(
      std::make_shared<EchoHandler>());
  auto protocol = std::make_shared<TBinaryProtocolFactory>();
  Built built;
  if (mode == "threaded") {
    auto socket = std::make_shared<apache::thrift::transport::TServerSocket>(
        address.host, address.port);
    socket->setAcceptBacklog(SOMAXCONN);
    built.server = std::make_unique<apache::thrift::server::TThreadedServer>(
        processor, socket, std::make_shared<PerMessageLimitFramedFactory>(),
        protocol);
    built.port = [socket] { return socket->getPort(); };
  }
#ifdef FRAMERPC_BENCH_HAVE_THRIFT_NB
  if (mode == "nonblocking") {
    auto socket =
        std::make_shared<apache::thrift::transport::TNonblockingServerSocket>(
            address.host, address.port);
    socket->setAcceptBacklog(SOMAXCONN);
    // TNonblockingServer reads and writes framed messages itself.
    built.server = std::make_unique<apache::thrift::server::TNonblockingServer>(
        processor, protocol, socket);
    built.port = [socket] { return socket->getListenPort(); };
  }
#endif
  return built;
}

int Main(int argc, char** argv) {
  const std::string listen = InitServer(
      argc, argv,
      "bench_thrift_server --listen HOST:PORT [--mode nonblocking|threaded]: "
      "Apache Thrift echo server, framed transport, binary protocol");
  if (absl::GetFlag(FLAGS_list_modes)) {
#ifdef FRAMERPC_BENCH_HAVE_THRIFT_NB
    std::printf("nonblocking\n");
#endif
    std::printf("threaded\n");
    return 0;
  }
  absl::StatusOr<Address> address = ParseAddress(listen);
  if (!address.ok())
    DieWith("bench_thrift_server", address.status().ToString());
  if (address->kind != Address::Kind::kTcp)
    DieWith("bench_thrift_server", "serves TCP only: " + listen);

  const std::string mode = absl::GetFlag(FLAGS_mode);
  Built built = MakeServer(mode, *address);
  if (built.server == nullptr) {
    DieWith(
        "bench_thrift_server",
        "mode '" + mode + "' is unknown or was not built (see --list_modes)");
  }
  auto notifier = std::make_shared<ListeningNotifier>();
  built.server->setServerEventHandler(notifier);
  std::thread serving([&] {
    // Thrift reports a failed bind by throwing; it ends the server here.
    try {
      built.server->serve();
    } catch (const apache::thrift::TException& e) {
      DieWith("bench_thrift_server: serve", e.what());
    }
  });
  notifier->WaitUntilListening();
  address->port = built.port();
  AnnounceListening(address->ToString());
  WaitForStopRequest();
  built.server->stop();
  serving.join();
  ReportExit();
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
