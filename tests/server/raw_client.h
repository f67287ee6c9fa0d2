// RawClient: a test client that speaks the wire protocol by hand (framing's
// WriteFrame/ReadFrame plus plain protobuf messages), so the server tests need
// no Channel and can also send what a Channel never would: garbage bodies,
// call id 0, oversize length prefixes, pipelined bursts.
//
// Owns its socket (non-blocking, so every read has a deadline). Not
// thread-safe; one test thread uses it.
#ifndef FRAMERPC_TESTS_SERVER_RAW_CLIENT_H_
#define FRAMERPC_TESTS_SERVER_RAW_CLIENT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "base/unique_fd.h"
#include "framerpc/metadata.h"
#include "google/protobuf/message.h"
#include "proto/wire.pb.h"

namespace framerpc {
namespace test {

// Every wait in the server tests is bounded by this.
inline constexpr absl::Duration kWait = absl::Seconds(20);

struct RawResponse {
  wire::Response header;
  std::string payload;
  absl::StatusCode code() const {
    return static_cast<absl::StatusCode>(header.code());
  }
};

class RawClient {
 public:
  // Connects (blocking) to "host:port", "[v6]:port" or "unix:/path".
  static absl::StatusOr<RawClient> Connect(absl::string_view address);

  int fd() const { return fd_.get(); }
  // The client's own address as the server sees it (SockaddrToString).
  std::string LocalAddress() const;

  // Sends one Request frame: `request` as payload (or raw `payload` bytes).
  absl::Status Send(uint64_t call_id, absl::string_view method,
                    const google::protobuf::Message& request,
                    uint64_t timeout_us = 0, const Metadata& metadata = {});
  absl::Status SendPayload(uint64_t call_id, absl::string_view method,
                           absl::string_view payload, uint64_t timeout_us = 0,
                           const Metadata& metadata = {});
  // Sends bytes as they are.
  absl::Status SendRaw(absl::string_view bytes);

  // Reads one Response frame; nullopt at a clean end of stream.
  // DEADLINE_EXCEEDED when nothing whole arrives within `timeout`.
  absl::StatusOr<absl::optional<RawResponse>> Read(
      absl::Duration timeout = kWait);

  // True when the server closes the connection cleanly (end of stream, not
  // a reset) within `timeout` and sends nothing more before that.
  bool ReadsEndOfStream(absl::Duration timeout = kWait);

  void Close() { fd_.Reset(); }

 private:
  explicit RawClient(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// Encodes one Request frame (prefix included), the payload in place.
std::string EncodeRequest(uint64_t call_id, absl::string_view method,
                          absl::string_view payload, uint64_t timeout_us = 0,
                          const Metadata& metadata = {});

}  // namespace test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_SERVER_RAW_CLIENT_H_
