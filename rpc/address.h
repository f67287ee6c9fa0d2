// Address: a parsed endpoint, "host:port", "[v6]:port" or "unix:/path", and
// its resolution to socket addresses. Used by both Server::Listen and
// Channel. A plain value; the functions are thread-safe.
#ifndef FRAMERPC_RPC_ADDRESS_H_
#define FRAMERPC_RPC_ADDRESS_H_

#include <sys/socket.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace framerpc {

struct Address {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string host;  // kTcp: name or literal, without brackets
  int port = 0;      // kTcp: 0..65535
  std::string path;  // kUnix: the socket's file path

  // Back to the text form: "h:p", "[v6]:p", "unix:/path".
  std::string ToString() const;
};

// Parses `text`. INVALID_ARGUMENT naming the text and the fault: empty host,
// missing or non-numeric port, port out of range, unclosed '[', empty or
// over-long unix path.
absl::StatusOr<Address> ParseAddress(absl::string_view text);

// The two halves of ParseAddress, for callers that parse a larger text of
// their own (a Channel target) and name that text in their message. On
// failure, INVALID_ARGUMENT whose message is only the fault, e.g. "port
// 99999 is out of range" (any text quoted in it is cut if long).
// ParseHostPort: "host:port" or "[v6]:port". ParseUnixAddress: "unix:/path".
absl::StatusOr<Address> ParseHostPort(absl::string_view text);
absl::StatusOr<Address> ParseUnixAddress(absl::string_view text);

// One socket address to bind or connect to.
struct ResolvedAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family() const { return storage.ss_family; }
};

// Resolves `address` (getaddrinfo for TCP names; numeric literals need no
// lookup). UNAVAILABLE naming the host when resolution fails.
absl::StatusOr<std::vector<ResolvedAddress>> Resolve(const Address& address);

// "127.0.0.1:41234", "[::1]:41234" or "unix:/path" for a socket address
// (an unnamed Unix peer is "unix:").
std::string SockaddrToString(const sockaddr* address, socklen_t length);

}  // namespace framerpc

#endif  // FRAMERPC_RPC_ADDRESS_H_
