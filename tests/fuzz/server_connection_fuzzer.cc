// libFuzzer target: arbitrary bytes as what a client sends on one server
// connection, driven through the server's own request path without a socket:
// Connection's input buffer and frame decoder, ProcessRequests (envelope and
// call decoding, method lookup in a registry holding a small test service),
// RunCall (deadline check, ServerContext, the handler, exceptions) inline
// instead of on a worker, its response appended to the output as a worker
// appends it.
//
// Input: byte 0 picks the read size (1..64), byte 1 the mode (bit 0: the
// server is stopping, and the connection draining; bit 1: the peer reads no
// responses until the end, so the pending-output limit holds requests
// back); the rest is the stream. Control methods (framerpc.Control/Ping,
// /Cancel) in the stream are answered by ProcessRequests itself.
//
// Checked on every input: every response frame decodes as a Response;
// without a connection error, every request frame received is answered
// exactly once (call ids compared as multisets); with one, exactly one
// call_id 0 response with a non-OK code comes last, and only call ids that
// were sent are answered before it. While stopping, the drain notice comes
// first and every answer is UNAVAILABLE, not_processed. Only error answers
// are ever marked not_processed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "framerpc/server_context.h"
#include "framerpc/server_options.h"
#include "framerpc/service.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"
#include "google/protobuf/stubs/logging.h"
#include "proto/wire.pb.h"
#include "server/call_runner.h"
#include "server/connection.h"
#include "server/request_intake.h"
#include "server/service_registry.h"
#include "tests/fuzz/codec_checks.h"

namespace {

using framerpc::ServerContext;
using framerpc::wire::Request;
namespace internal = framerpc::internal;

// protobuf logs every invalid UTF-8 string it rejects; fuzzing makes
// millions, which would drown the output and slow the run.
[[maybe_unused]] const bool kQuietProtobuf =
    (google::protobuf::SetLogHandler(nullptr), true);

// Limits small enough that the fuzzer reaches them.
constexpr size_t kMaxFrame = 1 << 16;
constexpr int kMaxCallsPerConnection = 3;
constexpr size_t kMaxPendingOutput = 1024;

// "fuzz.Test": handlers that echo, fail with a chosen code and throw. The
// messages are wire.proto's Request, used here as an ordinary message.
class TestService final : public framerpc::Service {
 public:
  TestService() : Service("fuzz.Test") {
    AddUnaryMethod("Echo", &TestService::Echo);
    AddUnaryMethod("Fail", &TestService::Fail);
    AddUnaryMethod("Throw", &TestService::Throw);
  }

 private:
  absl::Status Echo(ServerContext& context, const Request& request,
                    Request* reply) {
    for (const auto& entry : context.metadata())
      context.AddResponseMetadata(entry.first, entry.second);
    *reply = request;
    reply->set_timeout_us(context.IsExpired() ? 1 : 0);
    return absl::OkStatus();
  }
  absl::Status Fail(ServerContext&, const Request& request, Request*) {
    // Any code, OK included, with a message of the caller's choosing.
    return absl::Status(static_cast<absl::StatusCode>(request.call_id() % 20),
                        request.method());
  }
  absl::Status Throw(ServerContext&, const Request& request, Request*) {
    if (request.call_id() % 2 == 0) throw std::runtime_error(request.method());
    throw 42;
  }
};

const internal::ServiceRegistry& Registry() {
  static TestService* service = new TestService;
  static internal::ServiceRegistry* registry = [] {
    auto* r = new internal::ServiceRegistry;
    if (!r->Add(service).ok()) std::abort();
    return r;
  }();
  return *registry;
}

// Drives one connection as the loop would: read, settle, write.
class Driver {
 public:
  Driver(bool stopping, bool slow_peer)
      : stopping_(stopping),
        slow_peer_(slow_peer),
        conn_(1, framerpc::UniqueFd(), "fuzz:peer", kMaxFrame,
              kMaxPendingOutput, absl::Now()) {
    options_.max_frame_size = kMaxFrame;
    options_.max_calls_per_connection = kMaxCallsPerConnection;
    options_.max_pending_output_bytes = kMaxPendingOutput;
    // As the loop does when it begins to stop.
    if (stopping_) conn_.StartDraining(absl::InfiniteFuture());
  }

  // One read of `bytes`; false once the connection stopped reading for
  // good (failed).
  bool Receive(absl::string_view bytes) {
    if (conn_.state() != internal::Connection::State::kOpen) return false;
    // The loop stops reading while a limit holds; the peer then reads our
    // output (POLLOUT), which lifts the output limit.
    if (!conn_.WantsInput(options_, stopping_)) SendOutput();
    conn_.input().EnsureWritable(conn_.decoder().BytesMissing(conn_.input()));
    conn_.input().Append(bytes);
    Settle();
    return true;
  }

  // The peer closed its write side; answers what is buffered.
  void Finish() {
    if (conn_.state() == internal::Connection::State::kOpen)
      conn_.MarkReadClosed();
    // Each round the peer reads everything, lifting the output limit.
    while (true) {
      Settle();
      if (conn_.output().empty()) break;
      SendOutput();
    }
  }

  const std::string& wire() const { return wire_; }
  bool failed() const {
    return conn_.state() == internal::Connection::State::kFailing;
  }

 private:
  // ProcessRequests, then the calls it dispatched run and come back (as
  // through the worker pool and the completion queue), until no frame is
  // consumed any more.
  void Settle() {
    bool progressed;
    do {
      const absl::Time now = absl::Now();
      std::vector<std::unique_ptr<internal::Call>> calls;
      progressed = internal::ProcessRequests(
          &conn_, Registry(), options_, stopping_, now, &cache_,
          [&](std::unique_ptr<internal::Call> call) {
            conn_.AddCall();
            calls.push_back(std::move(call));
          });
      for (auto& call : calls) {
        if (call->handler == nullptr || call->connection_id != conn_.id())
          std::abort();
        // As a worker would, without a socket to send on: the peer takes
        // the output below.
        conn_.output().AppendResult(internal::RunCall(std::move(*call)));
        conn_.FinishCall(absl::Now());
      }
      if (conn_.calls_in_flight() != 0) std::abort();
      if (!slow_peer_) SendOutput();
    } while (progressed &&
             conn_.state() != internal::Connection::State::kFailing);
  }

  void SendOutput() { wire_.append(conn_.output().TakeAll()); }

  const bool stopping_;
  const bool slow_peer_;
  framerpc::ServerOptions options_;
  internal::IntakeState cache_;
  internal::Connection conn_;
  std::string wire_;  // everything "sent" to the peer
};

// The call ids of the whole request frames in `stream`, in order, up to the
// first frame the server must reject; `*bad` says whether there is one.
// Metadata over the server's limits (default ServerOptions) refuses only
// its call.
std::vector<uint64_t> ExpectedCalls(absl::string_view stream, bool* bad) {
  const framerpc::ServerOptions options;
  const framerpc::MetadataLimits limits{options.max_metadata_entries,
                                        options.max_metadata_bytes};
  std::vector<uint64_t> ids;
  *bad = false;
  framerpc::FrameDecoder decoder(kMaxFrame);
  framerpc::Buffer buffer;
  buffer.Append(stream);
  while (true) {
    auto frame = decoder.Next(buffer);
    if (!frame.ok()) {
      *bad = true;
      break;
    }
    if (!frame->has_value()) break;
    framerpc::DecodedRequest request;
    const absl::Status decoded =
        framerpc::DecodeRequest((*frame)->body, &request, limits);
    if (absl::IsResourceExhausted(decoded) && request.call_id != 0) {
      // Too much metadata: the server answers that call and goes on.
      ids.push_back(request.call_id);
      buffer.Retrieve((*frame)->frame_size);
      continue;
    }
    if (!decoded.ok() || request.call_id == 0) {
      *bad = true;
      break;
    }
    framerpc::fuzz::CheckRequest(request, (*frame)->body);
    ids.push_back(request.call_id);
    buffer.Retrieve((*frame)->frame_size);
  }
  return ids;
}

void CheckResponses(const std::string& wire, const std::vector<uint64_t>& sent,
                    bool bad, bool failed, bool stopping) {
  if (bad != failed) std::abort();
  std::map<uint64_t, int> open;  // call id -> requests not yet answered
  for (uint64_t id : sent) ++open[id];
  framerpc::FrameDecoder decoder(framerpc::kMaxEncodableBodySize);
  framerpc::Buffer buffer;
  buffer.Append(wire);
  bool connection_error = false;
  bool first = true;
  while (true) {
    auto frame = decoder.Next(buffer);
    if (!frame.ok()) std::abort();
    if (!frame->has_value()) break;
    if (connection_error) std::abort();  // nothing after the call_id 0 answer
    framerpc::DecodedResponse response;
    if (!framerpc::DecodeResponse((*frame)->body, &response).ok()) std::abort();
    framerpc::fuzz::CheckResponse(response, (*frame)->body);
    if (response.not_processed && response.status.ok()) std::abort();
    if (stopping && first != response.draining) std::abort();
    if (!stopping && response.draining) std::abort();
    first = false;
    if (response.draining) {
      if (response.call_id != 0 || !response.status.ok()) std::abort();
    } else if (response.call_id == 0) {
      if (response.status.ok()) std::abort();
      connection_error = true;
    } else {
      if (open[response.call_id]-- <= 0) std::abort();  // never asked
      if (stopping &&
          (!absl::IsUnavailable(response.status) || !response.not_processed)) {
        std::abort();
      }
      if (!response.status.ok() && !response.payload.empty()) std::abort();
    }
    buffer.Retrieve((*frame)->frame_size);
  }
  if (!buffer.empty()) std::abort();  // a partial response frame
  if (stopping && first) std::abort();  // no drain notice
  if (connection_error != failed) std::abort();
  if (!failed) {
    for (const auto& entry : open) {
      if (entry.second != 0) std::abort();  // a request left unanswered
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t step = 1 + data[0] % 64;
  const bool stopping = (data[1] & 1) != 0;
  const bool slow_peer = (data[1] & 2) != 0;
  const absl::string_view stream(reinterpret_cast<const char*>(data) + 2,
                                 size - 2);
  Driver driver(stopping, slow_peer);
  for (size_t at = 0; at < stream.size(); at += step) {
    if (!driver.Receive(stream.substr(at, step))) break;
  }
  driver.Finish();
  bool bad = false;
  const std::vector<uint64_t> sent = ExpectedCalls(stream, &bad);
  CheckResponses(driver.wire(), sent, bad, driver.failed(), stopping);
  return 0;
}
