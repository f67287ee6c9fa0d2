// internal: DnsResolver, asynchronous DNS lookups of A and AAAA records on
// c-ares, for the dns:/// targets of docs/api.md §5.1: a Channel asks for a
// name and gets the addresses back through a callback, never blocking its
// own thread on the network.
//
// Each resolver owns one c-ares channel, asking either the DNS servers of
// the system's configuration (/etc/resolv.conf, with its search domains) or
// one given server (an IP literal and port, with no search domain: the
// name is asked as written), and one thread, "framerpc-dns", which alone
// touches the c-ares channel (c-ares 1.18 channels are not thread-safe): it
// polls c-ares's sockets and a wake-up eventfd, and runs every callback.
// /etc/hosts is not read: the answer is DNS's alone.
//
// Each Resolve's callback runs exactly once, on the resolver thread: with
// the addresses, UNAVAILABLE (lookup failed, no answer within the timeout,
// or no A or AAAA record), or CANCELLED when the resolver is destroyed
// first. A callback must not block for long (it holds up every other
// lookup) and must not destroy the resolver; it may call Resolve.
//
// Thread-safe: Resolve may be called from any thread, the callbacks
// included. The destructor cancels what is pending, runs those callbacks
// (CANCELLED) and joins the thread before it returns; no Resolve may race
// with it.
#ifndef FRAMERPC_CLIENT_DNS_RESOLVER_H_
#define FRAMERPC_CLIENT_DNS_RESOLVER_H_

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "base/unique_fd.h"
#include "rpc/address.h"

namespace framerpc {
namespace internal {

class DnsResolver {
 public:
  using Addresses = std::vector<ResolvedAddress>;
  using Callback = absl::AnyInvocable<void(absl::StatusOr<Addresses>) &&>;

  // `dns_server`: the server to ask (its host an IP literal, its port
  // 1..65535), or nullopt for the system's. `query_timeout`: how long one
  // Resolve may take before it fails UNAVAILABLE; positive. Fails
  // INVALID_ARGUMENT for a bad argument, INTERNAL when c-ares or the
  // eventfd cannot be set up (message naming which and why).
  static absl::StatusOr<std::unique_ptr<DnsResolver>> Create(
      absl::optional<Address> dns_server, absl::Duration query_timeout);

  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // Looks up the A and AAAA records of `name` (a host name, or an IP
  // literal, which is answered without a query) and calls `done` with
  // them, each with `port`, in the order c-ares sorts them (RFC 6724).
  // Errors name `name` and the server asked:
  // "resolve 'kv.test' (DNS server 127.0.0.1:5353): Domain name not found".
  void Resolve(absl::string_view name, int port, Callback done);

  // "DNS server 127.0.0.1:5353" or "system DNS servers", for messages.
  const std::string& servers_description() const { return servers_; }

 private:
  struct Request;
  class Loop;

  DnsResolver(std::unique_ptr<Loop> loop, UniqueFd wake, std::string servers);
  void Run();  // the thread's body
  void Wake();

  const std::string servers_;
  const UniqueFd wake_;  // eventfd: a Request is queued, or stop
  // std::mutex, not absl::Mutex: Debian's Abseil is built without TSan's
  // annotations, so TSan cannot see what an absl::Mutex orders.
  std::mutex mu_;
  std::vector<std::unique_ptr<Request>> queued_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<Loop> loop_;  // the c-ares side; used by thread_ only
  std::thread thread_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_DNS_RESOLVER_H_
