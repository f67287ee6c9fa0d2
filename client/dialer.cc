#include "client/dialer.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "client/connector.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace internal {
namespace {

// One lookup's answer, shared with the resolver's callback, which may come
// after the caller has given up waiting.
struct PendingLookup {
  std::mutex mu;
  std::condition_variable answered;
  absl::optional<absl::StatusOr<DnsResolver::Addresses>> answer
      ABSL_GUARDED_BY(mu);
};

}  // namespace

absl::StatusOr<std::unique_ptr<Dialer>> Dialer::Create(
    Target target, absl::Duration dns_timeout) {
  std::unique_ptr<DnsResolver> resolver;
  if (target.kind == Target::Kind::kDns) {
    absl::StatusOr<std::unique_ptr<DnsResolver>> created =
        DnsResolver::Create(target.dns_server, dns_timeout);
    if (!created.ok()) return created.status();
    resolver = *std::move(created);
  }
  return std::unique_ptr<Dialer>(
      new Dialer(std::move(target), std::move(resolver)));
}

absl::StatusOr<UniqueFd> Dialer::Dial(const Deadline& deadline) const {
  absl::StatusOr<std::vector<ResolvedAddress>> addresses = Addresses(deadline);
  if (!addresses.ok()) return addresses.status();
  return ConnectToFirst(*addresses, deadline);
}

absl::StatusOr<std::vector<ResolvedAddress>> Dialer::Addresses(
    const Deadline& deadline) const {
  switch (target_.kind) {
    case Target::Kind::kHostPort:
    case Target::Kind::kUnix:
      return Resolve(target_.address);
    case Target::Kind::kDns:
      return LookUp(deadline);
    case Target::Kind::kFixed:
      break;
  }
  // IP literals: getaddrinfo converts them without a query.
  std::vector<ResolvedAddress> all;
  for (const Address& address : target_.fixed) {
    absl::StatusOr<std::vector<ResolvedAddress>> one = Resolve(address);
    if (!one.ok()) return one.status();
    all.insert(all.end(), one->begin(), one->end());
  }
  return all;
}

absl::StatusOr<std::vector<ResolvedAddress>> Dialer::LookUp(
    const Deadline& deadline) const {
  auto pending = std::make_shared<PendingLookup>();
  resolver_->Resolve(target_.address.host, target_.address.port,
                     [pending](absl::StatusOr<DnsResolver::Addresses> answer) {
                       std::lock_guard<std::mutex> lock(pending->mu);
                       pending->answer = std::move(answer);
                       pending->answered.notify_all();
                     });
  std::unique_lock<std::mutex> lock(pending->mu);
  auto answered = [&pending] { return pending->answer.has_value(); };
  if (deadline.infinite()) {
    pending->answered.wait(lock, answered);
  } else if (!pending->answered.wait_until(lock, deadline.steady(), answered)) {
    return absl::DeadlineExceededError(
        absl::StrCat("resolve ", QuoteForStatus(target_.address.host), " (",
                     resolver_->servers_description(), "): timed out"));
  }
  return *std::move(pending->answer);
}

}  // namespace internal
}  // namespace framerpc
