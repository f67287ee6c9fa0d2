// TlsTestClient: the server TLS tests' client, the wire protocol by hand
// over a TlsStream (the client side of tls/), so that the tests need no
// Channel and can also stop half-way: connect without a handshake, send
// raw bytes, or read the server's certificate.
//
// Every wait polls its socket until a deadline. Owns the socket (through a
// RawClient) and the stream. Not thread-safe: one thread uses a client.
#ifndef FRAMERPC_TESTS_TLS_TLS_TEST_CLIENT_H_
#define FRAMERPC_TESTS_TLS_TLS_TEST_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "tests/server/raw_client.h"
#include "tls/tls_context.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace test {

struct TlsTestClientOptions {
  std::string ca_file;  // the CA the server's certificate must chain to
  // Both or neither: the client's certificate, for mutual TLS.
  std::string cert_file;
  std::string key_file;
  std::string server_name = "localhost";
};

class TlsTestClient {
 public:
  // Connects to `address` ("127.0.0.1:port", "[::1]:port", "unix:/path")
  // and completes the handshake by `deadline`: UNAVAILABLE (TlsStream's
  // message) when it fails, DEADLINE_EXCEEDED when it does not finish.
  static absl::StatusOr<std::unique_ptr<TlsTestClient>> Connect(
      const std::string& address, const TlsTestClientOptions& options,
      absl::Time deadline);

  // Sends one Request frame and reads one Response frame, by `deadline`.
  absl::StatusOr<RawResponse> Call(uint64_t call_id, absl::string_view method,
                                   const google::protobuf::Message& request,
                                   absl::Time deadline);
  // Sends `bytes` (whole frames, say several pipelined) as plaintext.
  absl::Status Send(absl::string_view bytes, absl::Time deadline);
  // Reads the next Response frame.
  absl::StatusOr<RawResponse> ReadResponse(absl::Time deadline);

  // The server certificate's subject, RFC 2253 ("CN=server").
  std::string ServerSubject() const;

 private:
  TlsTestClient(RawClient raw, std::unique_ptr<internal::TlsStream> stream)
      : raw_(std::move(raw)), stream_(std::move(stream)) {}

  // Appends at least one byte of plaintext to `*out`.
  absl::Status ReadSome(std::string* out, absl::Time deadline);

  RawClient raw_;  // declared first: the socket outlives the stream
  std::unique_ptr<internal::TlsStream> stream_;
  std::string input_;  // plaintext read but not yet returned
};

// Waits for `fd`'s peer to close it (end of stream or a reset), dropping
// whatever arrives first (a TLS alert, say). True when it closed by
// `deadline`.
bool WaitForClose(int fd, absl::Time deadline);

// Waits until `fd` is ready for `events` (POLLIN, POLLOUT) or `deadline`
// passes; DEADLINE_EXCEEDED then.
absl::Status WaitReady(int fd, short events, absl::Time deadline);

}  // namespace test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_TLS_TLS_TEST_CLIENT_H_
