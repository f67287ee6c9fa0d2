// internal: AddressFinder, the addresses a Channel's target names
// (docs/api.md §5.1), each of which becomes an endpoint: the system
// resolver's (getaddrinfo) for host:port, the finder's own c-ares
// DnsResolver's for dns: targets (waiting for its answer, never querying on
// the caller's thread), the list itself for ipv4:/ipv6:, the path for
// unix:. Each Find looks again, so a name is followed as it changes.
//
// Owns its DnsResolver (dns: targets only) and with it the framerpc-dns
// thread. Thread-safe: Find may run on several threads at once.
#ifndef FRAMERPC_CLIENT_ADDRESS_FINDER_H_
#define FRAMERPC_CLIENT_ADDRESS_FINDER_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/deadline.h"
#include "client/dns_resolver.h"
#include "client/target.h"
#include "rpc/address.h"

namespace framerpc {
namespace internal {

class AddressFinder {
 public:
  // For a dns: target, starts a DnsResolver whose lookups take at most
  // `dns_timeout` (its INVALID_ARGUMENT or INTERNAL otherwise); other
  // targets need nothing and cannot fail.
  static absl::StatusOr<std::unique_ptr<AddressFinder>> Create(
      Target target, absl::Duration dns_timeout);

  // The target's addresses, in the order found (duplicates dropped).
  // UNAVAILABLE when they cannot be found (the resolver's message, naming
  // the name); DEADLINE_EXCEEDED when `deadline` passes first.
  absl::StatusOr<std::vector<ResolvedAddress>> Find(
      const Deadline& deadline) const;

  // True when the target names hosts whose addresses may change: a dns:
  // target, or host:port whose host is not an IP literal. Finding the
  // others again always gives the same answer.
  bool names_hosts() const;

 private:
  AddressFinder(Target target, std::unique_ptr<DnsResolver> resolver)
      : target_(std::move(target)), resolver_(std::move(resolver)) {}

  absl::StatusOr<std::vector<ResolvedAddress>> FindAll(
      const Deadline& deadline) const;
  absl::StatusOr<std::vector<ResolvedAddress>> LookUp(
      const Deadline& deadline) const;

  const Target target_;
  const std::unique_ptr<DnsResolver> resolver_;  // dns: targets only
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_ADDRESS_FINDER_H_
