#include "client/address_finder.h"

#include <arpa/inet.h>
#include <string.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
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

absl::StatusOr<std::unique_ptr<AddressFinder>> AddressFinder::Create(
    Target target, absl::Duration dns_timeout) {
  std::unique_ptr<DnsResolver> resolver;
  if (target.kind == Target::Kind::kDns) {
    absl::StatusOr<std::unique_ptr<DnsResolver>> created =
        DnsResolver::Create(target.dns_server, dns_timeout);
    if (!created.ok()) return created.status();
    resolver = *std::move(created);
  }
  return std::unique_ptr<AddressFinder>(
      new AddressFinder(std::move(target), std::move(resolver)));
}

absl::StatusOr<std::vector<ResolvedAddress>> AddressFinder::Find(
    const Deadline& deadline) const {
  absl::StatusOr<std::vector<ResolvedAddress>> found = FindAll(deadline);
  if (!found.ok()) return found;
  // getaddrinfo repeats an address once per socket type it could serve.
  std::vector<ResolvedAddress> distinct;
  for (const ResolvedAddress& address : *found) {
    const bool seen = std::any_of(
        distinct.begin(), distinct.end(), [&](const ResolvedAddress& other) {
          return other.length == address.length &&
                 memcmp(&other.storage, &address.storage, address.length) == 0;
        });
    if (!seen) distinct.push_back(address);
  }
  return distinct;
}

bool AddressFinder::names_hosts() const {
  if (target_.kind == Target::Kind::kDns) return true;
  if (target_.kind != Target::Kind::kHostPort) return false;
  unsigned char literal[sizeof(in6_addr)];
  const char* host = target_.address.host.c_str();
  return inet_pton(AF_INET, host, literal) != 1 &&
         inet_pton(AF_INET6, host, literal) != 1;
}

absl::StatusOr<std::vector<ResolvedAddress>> AddressFinder::FindAll(
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

absl::StatusOr<std::vector<ResolvedAddress>> AddressFinder::LookUp(
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
