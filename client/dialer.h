// internal: Dialer, how a Channel opens a socket to its target (docs/api.md
// §5.1). Each Dial finds the target's addresses afresh, so a connection
// made after a failure sees what the name resolves to now: the system
// resolver (getaddrinfo) for host:port, the Dialer's own c-ares DnsResolver
// for dns: targets (waiting for its answer, never querying on the caller's
// thread), the list itself for ipv4:/ipv6:, the path for unix:. It then
// connects to the first address that accepts, in the order found.
//
// Owns its DnsResolver (dns: targets only) and with it the framerpc-dns
// thread. Thread-safe: Dial may run on several threads at once.
#ifndef FRAMERPC_CLIENT_DIALER_H_
#define FRAMERPC_CLIENT_DIALER_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"
#include "client/deadline.h"
#include "client/dns_resolver.h"
#include "client/target.h"
#include "rpc/address.h"

namespace framerpc {
namespace internal {

class Dialer {
 public:
  // For a dns: target, starts a DnsResolver whose lookups take at most
  // `dns_timeout` (its INVALID_ARGUMENT or INTERNAL otherwise); other
  // targets need nothing and cannot fail.
  static absl::StatusOr<std::unique_ptr<Dialer>> Create(
      Target target, absl::Duration dns_timeout);

  // A connected socket (non-blocking, close-on-exec; TCP_NODELAY for TCP),
  // the caller's to own. UNAVAILABLE when the addresses cannot be found
  // (the resolver's message) or none accepts (each address and its
  // reason); DEADLINE_EXCEEDED when `deadline` passes first, while
  // resolving or connecting.
  absl::StatusOr<UniqueFd> Dial(const Deadline& deadline) const;

  // True for unix: targets (no TCP options apply).
  bool is_unix() const { return target_.kind == Target::Kind::kUnix; }

 private:
  Dialer(Target target, std::unique_ptr<DnsResolver> resolver)
      : target_(std::move(target)), resolver_(std::move(resolver)) {}

  absl::StatusOr<std::vector<ResolvedAddress>> Addresses(
      const Deadline& deadline) const;
  absl::StatusOr<std::vector<ResolvedAddress>> LookUp(
      const Deadline& deadline) const;

  const Target target_;
  const std::unique_ptr<DnsResolver> resolver_;  // dns: targets only
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_DIALER_H_
