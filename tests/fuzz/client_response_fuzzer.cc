// libFuzzer target: arbitrary bytes as a server's byte stream, read by a real
// ClientConnection (its leader/follower reading, call table, response
// decoding and delivery) over a socketpair.
//
// Three threads each run one call (call ids 1..3) with a 50 ms deadline. A
// peer thread plays the server: it waits until it has read the three
// requests (checking that each is a valid Request frame), so that every call
// is in flight before any answer, then writes the input and shuts down its
// write side; the end of stream fails whatever is still waiting. An input is
// thus done in well under a millisecond unless it lacks an answer and the
// deadline has to end a call. Going through a socket rather than a seam
// keeps ClientConnection unchanged and covers its real read path
// (partial reads, end of stream, the handoff of the reader role).
//
// Checked: every call returns; a started call has an id in 1..3, each id
// once; a call ends OK only if the stream holds an OK response with its id
// before the first frame that must break the connection (over the limit,
// not a Response, call_id 0 other than a drain notice).
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"
#include "client/call_table.h"
#include "client/client_connection.h"
#include "client/deadline.h"
#include "framerpc/client_context.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"
#include "google/protobuf/stubs/logging.h"
#include "proto/wire.pb.h"
#include "rpc/call_codec.h"
#include "tests/fuzz/codec_checks.h"

namespace {

using framerpc::wire::Request;
namespace internal = framerpc::internal;

// protobuf logs every invalid UTF-8 string it rejects; fuzzing makes
// millions, which would drown the output and slow the run.
[[maybe_unused]] const bool kQuietProtobuf =
    (google::protobuf::SetLogHandler(nullptr), true);

constexpr size_t kMaxFrame = 1 << 16;
constexpr int kCalls = 3;
constexpr absl::Duration kCallTimeout = absl::Milliseconds(50);
constexpr absl::Duration kPeerWait = absl::Milliseconds(100);

// The server's side: reads up to kCalls requests, then sends `stream`.
void RunPeer(int fd, absl::string_view stream) {
  framerpc::FrameDecoder decoder(kMaxFrame);
  framerpc::Buffer in;
  int requests = 0;
  const absl::Time until = absl::Now() + kPeerWait;
  while (requests < kCalls) {
    const int64_t ms = absl::ToInt64Milliseconds(until - absl::Now());
    pollfd p{fd, POLLIN, 0};
    if (ms <= 0 || ::poll(&p, 1, static_cast<int>(ms)) <= 0) break;
    int error = 0;
    if (in.ReadFromFd(fd, &error) <= 0) break;  // the client is gone
    while (true) {
      auto frame = decoder.Next(in);
      if (!frame.ok()) std::abort();  // the client sent an oversized frame
      if (!frame->has_value()) break;
      framerpc::DecodedRequest request;
      if (!framerpc::DecodeRequest((*frame)->body, &request).ok() ||
          request.call_id < 1 || request.call_id > kCalls ||
          request.timeout_us == 0 || request.method != "fuzz.Test/Echo") {
        std::abort();
      }
      framerpc::fuzz::CheckRequest(request, (*frame)->body);
      ++requests;
      in.Retrieve((*frame)->frame_size);
    }
  }
  size_t sent = 0;
  while (sent < stream.size()) {
    const ssize_t n =
        ::send(fd, stream.data() + sent, stream.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the client closed: the rest will never be read
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
}

// Call ids that the stream answers OK before anything breaks the connection.
// The drain notice (call_id 0 with `draining` set) is not taken to break it:
// version 2 says it does not (docs/protocol.md, section 7), so a client
// may read on past it; one that treats it as a connection error only fails
// calls, which this set does not constrain.
std::set<uint64_t> OkAnswers(absl::string_view stream) {
  std::set<uint64_t> ids;
  framerpc::FrameDecoder decoder(kMaxFrame);
  framerpc::Buffer buffer;
  buffer.Append(stream);
  while (true) {
    auto frame = decoder.Next(buffer);
    if (!frame.ok() || !frame->has_value()) break;
    framerpc::DecodedResponse response;
    if (!framerpc::DecodeResponse((*frame)->body, &response).ok()) break;
    if (response.call_id == 0) {
      // A drain notice leaves the connection and its calls going
      // (protocol version 2); any other call_id 0 frame breaks it.
      if (response.draining && response.status.ok()) {
        buffer.Retrieve((*frame)->frame_size);
        continue;
      }
      break;
    }
    framerpc::fuzz::CheckResponse(response, (*frame)->body);
    if (response.status.ok()) ids.insert(response.call_id);
    buffer.Retrieve((*frame)->frame_size);
  }
  return ids;
}

struct Outcome {
  uint64_t call_id = 0;
  bool resend_safe = false;  // the client may send it again: never ran
  absl::Status status;
};

void RunCall(internal::ClientConnection* conn, int index, Outcome* out) {
  Request request;
  request.set_method("hello");
  Request response;  // any message type will do as the reply
  framerpc::ClientContext context;
  if (index == 0) context.AddMetadata("key", "value");
  internal::PendingCall call("fuzz.Test/Echo", &response, &context);
  out->status =
      conn->Call(request, &call, internal::Deadline::After(kCallTimeout),
                 kCallTimeout, &out->resend_safe);
  out->call_id = call.call_id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view stream(reinterpret_cast<const char*>(data), size);
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    std::abort();
  // Room for a large input on the peer's side (capped by net.core.wmem_max);
  // what does not fit waits for the client to read.
  const int sndbuf = 1 << 22;
  ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  framerpc::UniqueFd peer(fds[1]);
  std::thread peer_thread(RunPeer, peer.get(), stream);

  Outcome outcomes[kCalls];
  {
    internal::ClientConnection conn(framerpc::UniqueFd(fds[0]), "fuzz:server",
                                    kMaxFrame);
    std::vector<std::thread> callers;
    for (int i = 0; i < kCalls; ++i)
      callers.emplace_back(RunCall, &conn, i, &outcomes[i]);
    for (std::thread& t : callers) t.join();
  }  // closes the client's end, so a peer still sending stops
  peer_thread.join();

  const std::set<uint64_t> ok_ids = OkAnswers(stream);
  std::set<uint64_t> ids;
  for (const Outcome& outcome : outcomes) {
    if (outcome.resend_safe) {
      if (outcome.status.ok()) std::abort();
      continue;
    }
    if (outcome.call_id < 1 || outcome.call_id > kCalls) std::abort();
    if (!ids.insert(outcome.call_id).second) std::abort();
    if (outcome.status.ok() && ok_ids.count(outcome.call_id) == 0) std::abort();
  }
  return 0;
}
