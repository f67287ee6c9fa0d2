// internal: Target, what a Channel's target string names (docs/api.md §5.1):
// a name for the system resolver, a name for DNS (optionally asking one
// given DNS server), a fixed list of IP addresses, or one Unix socket.
// ParseTarget only reads the text; nothing is resolved or connected.
//
// A plain value; ParseTarget is stateless and thread-safe.
#ifndef FRAMERPC_CLIENT_TARGET_H_
#define FRAMERPC_CLIENT_TARGET_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "rpc/address.h"

namespace framerpc {
namespace internal {

struct Target {
  enum class Kind {
    kHostPort,  // "host:port", "[v6]:port": every address the system
                // resolver (getaddrinfo) gives for the host
    kDns,       // "dns:///name:port", "dns://ADDR:PORT/name:port": DNS A and
                // AAAA records of the name
    kFixed,     // "ipv4:a.b.c.d:port,...", "ipv6:[v6]:port,...": the list
    kUnix,      // "unix:/path"
  };
  Kind kind = Kind::kHostPort;

  // kHostPort, kDns: the name (or IP literal) and port to resolve.
  // kUnix: the socket (Address::Kind::kUnix). kFixed: unused.
  Address address;

  // kDns only: the DNS server to ask, an IP literal and a port (53 when the
  // target gives none); unset for "dns:///", which asks the servers of the
  // system's configuration.
  absl::optional<Address> dns_server;

  // kFixed only: IP literals (IPv4 for "ipv4:", IPv6 for "ipv6:") with
  // their ports, in the order given, duplicates kept.
  std::vector<Address> fixed;
};

// Parses `text`. INVALID_ARGUMENT, naming the target (quoted, cut if long)
// and the fault, for: an empty target; an unknown scheme ("foo:///x:1");
// "dns:" not followed by "//"; a DNS server that is not an IP literal or
// whose port is missing after ':' or outside 1..65535; a DNS name missing
// its port or holding characters no DNS name has; an "ipv4:" or "ipv6:"
// list that is empty or has an empty element (a trailing comma), or an
// element that is not an IP literal of that family with a port ("ipv6:"
// elements in brackets); a port outside 0..65535; an empty or over-long
// unix path.
//
// "dns", "ipv4", "ipv6" and "unix" followed by ':' are always schemes: a
// host with one of those names is written "dns:///ipv4:80".
absl::StatusOr<Target> ParseTarget(absl::string_view text);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_TARGET_H_
