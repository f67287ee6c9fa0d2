// bench_raw_server: the raw and raw+pb systems, the baselines framerpc is
// measured against. Blocking sockets and one thread per connection; each
// frame is answered before the next is read.
//   raw:            the reply frame is the request frame's body, sent back
//                   from the read buffer (no copy, no parsing).
//   raw+pb (--protobuf): the body is parsed as an EchoRequest and answered
//                   with a serialized EchoReply holding the same payload.
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "bench/common/blocking_frames.h"
#include "bench/common/protobuf_echo.h"
#include "bench/common/server_shell.h"
#include "bench/common/sockets.h"

ABSL_FLAG(bool, protobuf, false,
          "raw+pb: parse each request as an EchoRequest and answer with a "
          "serialized EchoReply (default: echo the frame body as is)");

namespace framerpc {
namespace bench {
namespace {

absl::Status ServeRaw(int fd) {
  BlockingFrameReader reader;
  while (true) {
    absl::StatusOr<absl::optional<absl::string_view>> body = reader.Next(fd);
    if (!body.ok()) return body.status();
    if (!body->has_value()) return absl::OkStatus();
    absl::Status sent = SendFrame(fd, **body);
    if (!sent.ok()) return sent;
  }
}

absl::Status ServeProtobuf(int fd) {
  BlockingFrameReader reader;
  ProtobufEcho echo;
  std::string reply;
  while (true) {
    absl::StatusOr<absl::optional<absl::string_view>> body = reader.Next(fd);
    if (!body.ok()) return body.status();
    if (!body->has_value()) return absl::OkStatus();
    absl::Status handled = echo.Handle(**body);
    if (!handled.ok()) return handled;
    reply.resize(echo.reply_frame_size());
    echo.WriteReplyFrame(reply.data());
    absl::Status sent = SendBytes(fd, reply);
    if (!sent.ok()) return sent;
  }
}

// The connections and their threads. A connection's socket is closed when its
// thread ends; StopAll() shuts down the ones still open (their threads then
// see end of stream) and joins every thread. Thread-safe.
class Connections {
 public:
  explicit Connections(bool protobuf) : protobuf_(protobuf) {}

  void Serve(UniqueFd fd) {
    std::lock_guard<std::mutex> lock(mu_);
    auto connection = std::make_unique<Connection>();
    connection->fd = std::move(fd);
    Connection* c = connection.get();
    c->thread = std::thread([this, c] { Run(c); });
    connections_.push_back(std::move(connection));
  }

  void StopAll() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& c : connections_) {
        if (c->fd.valid()) ::shutdown(c->fd.get(), SHUT_RDWR);
      }
    }
    // No new connections arrive now (the acceptor has stopped), so the list
    // is stable without the lock.
    for (auto& c : connections_) c->thread.join();
  }

 private:
  struct Connection {
    UniqueFd fd;  // guarded by mu_ once the thread runs
    std::thread thread;
  };

  void Run(Connection* c) {
    int fd;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fd = c->fd.get();
    }
    absl::Status status = protobuf_ ? ServeProtobuf(fd) : ServeRaw(fd);
    if (!status.ok()) {
      std::fprintf(stderr, "connection closed: %s\n",
                   status.ToString().c_str());
    }
    std::lock_guard<std::mutex> lock(mu_);
    c->fd.Reset();
  }

  const bool protobuf_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

int Main(int argc, char** argv) {
  const std::string listen = InitServer(
      argc, argv,
      "bench_raw_server [--protobuf] --listen ADDR: the raw (or raw+pb) "
      "echo server, thread per connection");
  absl::StatusOr<Listener> listener = ListenOn(listen);
  if (!listener.ok()) DieWith("bench_raw_server", listener.status().ToString());

  Connections connections(absl::GetFlag(FLAGS_protobuf));
  std::atomic<bool> stopping{false};
  std::thread acceptor([&] {
    while (true) {
      absl::StatusOr<UniqueFd> fd = AcceptConnection(listener->fd.get());
      if (stopping.load()) return;
      if (!fd.ok()) {
        std::fprintf(stderr, "%s\n", fd.status().ToString().c_str());
        continue;
      }
      connections.Serve(*std::move(fd));
    }
  });

  AnnounceListening(listener->address);
  WaitForStopRequest();
  stopping.store(true);
  // Wakes the acceptor: accept() on a shut-down listening socket fails.
  ::shutdown(listener->fd.get(), SHUT_RDWR);
  acceptor.join();
  connections.StopAll();
  ReportExit();
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace framerpc

int main(int argc, char** argv) { return framerpc::bench::Main(argc, argv); }
