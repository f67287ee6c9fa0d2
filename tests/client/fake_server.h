// FakeServer: a scripted stand-in for the framerpc server in client tests.
// It listens on a loopback TCP port or a unix socket, accepts connections,
// and runs the test's script for each one on a thread of its own; the
// script reads requests and answers (or misbehaves) as the test needs.
// Event: a one-shot signal between a test and its scripts, every wait
// bounded.
//
// FakeServer owns its threads and sockets; its destructor shuts every open
// connection down (so scripts blocked reading return) and joins the
// threads. Scripts must not wait for anything else without a bound.
// FakeServer's methods are thread-safe; a FakeConnection belongs to its
// script's thread.
#ifndef FRAMERPC_TESTS_CLIENT_FAKE_SERVER_H_
#define FRAMERPC_TESTS_CLIENT_FAKE_SERVER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "base/unique_fd.h"
#include "framerpc/metadata.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"
#include "google/protobuf/message_lite.h"
#include "proto/wire.pb.h"

namespace framerpc {
namespace testing_support {

// How long a script waits for the client before giving up; far beyond what
// any test needs, so it only bounds a broken test.
inline constexpr absl::Duration kScriptTimeout = absl::Seconds(20);

class Event {
 public:
  void Notify();
  // True once notified; false if `timeout` passed first.
  bool WaitFor(absl::Duration timeout = kScriptTimeout);
  bool HasBeenNotified();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

struct ReceivedRequest {
  wire::Request header;  // payload field empty
  std::string payload;   // the serialized user request
};

class FakeServer;

class FakeConnection {
 public:
  FakeConnection(FakeServer* server, UniqueFd fd, int index);
  ~FakeConnection();

  // 0 for the first connection the server accepted, then 1, ...
  int index() const { return index_; }

  // The next request; nullopt at end of stream, on an error or after
  // kScriptTimeout (ADD_FAILURE for the last two).
  absl::optional<ReceivedRequest> Read();
  // At least one request, and every other whole one that has arrived;
  // empty as Read() returns nullopt.
  std::vector<ReceivedRequest> ReadBatch();

  // Answers `call_id` OK with `reply` (and `metadata`).
  bool Reply(uint64_t call_id, const google::protobuf::MessageLite& reply,
             const Metadata& metadata = {});
  // Answers `call_id` with a non-OK `code` and `message`.
  bool ReplyStatus(uint64_t call_id, int code, absl::string_view message);
  // Answers `call_id` UNAVAILABLE with not_processed set (protocol v2).
  bool ReplyNotProcessed(uint64_t call_id);
  // Sends the drain notice: call_id 0, code 0, draining (protocol v2).
  bool SendDrainNotice();
  // Sends `response` as it is (its payload field included).
  bool Send(const wire::Response& response);
  bool WriteRaw(absl::string_view bytes);

  // Waits, reading nothing, until at least `bytes` have arrived unread in
  // the socket (the client is writing a frame the script holds back);
  // false after `timeout`.
  bool WaitForUnreadBytes(size_t bytes,
                          absl::Duration timeout = kScriptTimeout);

  // Closes the socket now (the client sees end of stream).
  void Close();
  // Closes the socket with a reset (SO_LINGER 0): the client's next send
  // fails before any byte leaves.
  void Reset();
  // True when the client closed its end within `timeout`; requests that
  // arrive meanwhile are discarded.
  bool WaitForClientClose(absl::Duration timeout = kScriptTimeout);

 private:
  friend class FakeServer;
  enum class FillResult { kData, kEndOfStream, kTimeout };
  // Reads once more into input_, waiting until `deadline`.
  FillResult Fill(absl::Time deadline);
  // The first whole request in input_, consumed; nullopt if none.
  absl::optional<ReceivedRequest> DecodeBuffered();

  static constexpr size_t kMaxRequestSize = size_t{64} << 20;

  FakeServer* const server_;
  const int index_;
  UniqueFd fd_;  // reset under server_->mu_, which shuts it down on stop
  Buffer input_;
  FrameDecoder decoder_{kMaxRequestSize};
};

class FakeServer {
 public:
  using Script = std::function<void(FakeConnection&)>;

  // Listens on `address` ("127.0.0.1:0", "[::1]:0", "unix:/path") and
  // runs `script` for every connection.
  static absl::StatusOr<std::unique_ptr<FakeServer>> Start(
      absl::string_view address, Script script);
  ~FakeServer();

  // What a Channel should be created with: "127.0.0.1:41234", ...
  const std::string& address() const { return address_; }
  int connections_accepted();

 private:
  friend class FakeConnection;
  FakeServer(UniqueFd listener, std::string address, std::string unix_path,
             Script script);
  void AcceptLoop();

  const UniqueFd listener_;
  const std::string address_;
  const std::string unix_path_;  // removed again on destruction
  const Script script_;
  UniqueFd wakeup_;  // eventfd: stop accepting

  std::mutex mu_;
  std::vector<FakeConnection*> open_;  // guarded by mu_
  std::vector<std::thread> scripts_;   // guarded by mu_
  int accepted_ = 0;                   // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  std::thread acceptor_;
};

}  // namespace testing_support
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_CLIENT_FAKE_SERVER_H_
