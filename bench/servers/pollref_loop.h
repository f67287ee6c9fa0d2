// PollrefLoop: the pollref system, the ceiling a poll(2) server design can
// reach on this machine. One thread, non-blocking sockets, the raw+pb work
// (parse EchoRequest, build and serialize EchoReply) done inline on the loop,
// and every reply produced by one read sent with one write per connection.
// There are no workers, queues or wakeups: what framerpc's loop adds to this
// is the price of running handlers off the loop.
//
// One iteration: poll; accept every pending connection; for each ready
// connection, read once, answer every whole frame, write what is queued;
// then close the connections that failed.
//
// Owns its sockets. Run() on one thread; Stop() from any thread.
#ifndef FRAMERPC_BENCH_SERVERS_POLLREF_LOOP_H_
#define FRAMERPC_BENCH_SERVERS_POLLREF_LOOP_H_

#include <poll.h>

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/unique_fd.h"
#include "bench/common/protobuf_echo.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"

namespace framerpc {
namespace bench {

class PollrefLoop {
 public:
  // Takes a listening socket (made non-blocking here). Fails if the wakeup
  // eventfd cannot be made.
  static absl::StatusOr<std::unique_ptr<PollrefLoop>> Create(UniqueFd listener);

  // Serves until Stop(); then closes every connection. Fails only if poll(2)
  // itself fails.
  absl::Status Run();

  // Makes Run() return at its next iteration. Thread-safe.
  void Stop();

 private:
  struct Connection {
    UniqueFd fd;
    Buffer input;
    Buffer output;
    ProtobufEcho echo;
  };

  PollrefLoop(UniqueFd listener, UniqueFd wakeup);

  void AcceptAll();
  // Reads once and answers every whole frame. False: close the connection.
  bool HandleReadable(Connection* c);
  // Sends what is queued, as far as the socket takes it. False: close it.
  bool Flush(Connection* c);
  // POLLIN, plus POLLOUT while output is queued.
  static short EventsFor(const Connection& c);

  UniqueFd listener_;
  UniqueFd wakeup_;  // eventfd written by Stop()
  FrameDecoder decoder_;
  // pollfds_[0] is the listener, [1] the wakeup, [2 + i] connections_[i].
  std::vector<pollfd> pollfds_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_SERVERS_POLLREF_LOOP_H_
