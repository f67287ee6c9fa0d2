#include "client/dns_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "base/human_duration.h"
#include "base/poll_timeout.h"
#include "base/posix_error.h"
#include "base/thread_name.h"
#include "client/deadline.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace internal {
namespace {

// c-ares retries a query once, its first try waiting half the query's
// timeout and its second twice that: the second try has a chance within
// the timeout, and the loop's own deadline, not c-ares, ends a lookup that
// gets no answer (with search domains c-ares would take longer still).
constexpr int kAresTries = 2;

// ares_library_init is not thread-safe and must come first; once per
// process, never undone (other resolvers may be alive at any time).
absl::Status InitAresLibrary() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (status != ARES_SUCCESS) {
    return absl::InternalError(
        absl::StrCat("initialize c-ares: ", ares_strerror(status)));
  }
  return absl::OkStatus();
}

// An IP literal needs no query: its one address, or nullopt for a name.
absl::optional<ResolvedAddress> LiteralAddress(const std::string& host,
                                               int port) {
  ResolvedAddress resolved;
  auto* in = reinterpret_cast<sockaddr_in*>(&resolved.storage);
  if (::inet_pton(AF_INET, host.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(port));
    resolved.length = sizeof(sockaddr_in);
    return resolved;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&resolved.storage);
  if (::inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    resolved.length = sizeof(sockaddr_in6);
    return resolved;
  }
  return absl::nullopt;
}

constexpr absl::string_view kShutDown = "resolver shut down";

// "resolve 'kv.test' (DNS server 127.0.0.1:5353): Domain name not found".
absl::Status ResolveError(absl::string_view name, absl::string_view servers,
                          absl::StatusCode code, absl::string_view why) {
  return absl::Status(code, absl::StrCat("resolve ", QuoteForStatus(name), " (",
                                         servers, "): ", why));
}

bool IsIpLiteral(const std::string& host) {
  return LiteralAddress(host, 0).has_value();
}

}  // namespace

struct DnsResolver::Request {
  std::string name;
  int port = 0;
  Callback done;
};

// The c-ares channel and the lookups it has in flight. Used on the
// resolver thread only, from creation on.
class DnsResolver::Loop {
 public:
  static absl::StatusOr<std::unique_ptr<Loop>> Create(
      const absl::optional<Address>& dns_server, absl::Duration query_timeout,
      std::string servers);

  // Lookups still in flight end CANCELLED, their callbacks run here.
  ~Loop();

  // Starts the lookup of `request`; may answer it at once (a literal).
  void Start(std::unique_ptr<Request> request);

  // Waits for c-ares's sockets or `wake_fd` to be ready, or for the next
  // c-ares timeout or lookup deadline, then handles what is due.
  void PollOnce(int wake_fd);

 private:
  struct Query {
    Loop* loop = nullptr;
    std::unique_ptr<Request> request;
    Deadline deadline = Deadline::Infinite();
    bool answered = false;  // the callback has run; c-ares may still be busy
  };

  Loop(ares_channel channel, absl::Duration query_timeout, std::string servers)
      : channel_(channel),
        query_timeout_(query_timeout),
        servers_(std::move(servers)) {}

  static void OnAddrInfo(void* arg, int status, int timeouts,
                         ares_addrinfo* result);
  absl::StatusOr<Addresses> Outcome(const Query& query, int status,
                                    const ares_addrinfo* result) const;
  void Answer(Query& query, absl::StatusOr<Addresses> outcome);
  void AnswerExpired();
  absl::Status Failure(const Request& request, absl::StatusCode code,
                       absl::string_view why) const;

  const ares_channel channel_;
  const absl::Duration query_timeout_;
  const std::string servers_;
  // Every Query c-ares has not called back for yet, answered or not: its
  // callback argument must stay valid until then.
  absl::flat_hash_map<Query*, std::unique_ptr<Query>> in_flight_;
};

absl::StatusOr<std::unique_ptr<DnsResolver::Loop>> DnsResolver::Loop::Create(
    const absl::optional<Address>& dns_server, absl::Duration query_timeout,
    std::string servers) {
  ares_options options{};
  int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
  options.timeout = static_cast<int>(std::clamp<int64_t>(
      absl::ToInt64Milliseconds(query_timeout) / 2, 1, 1 << 30));
  options.tries = kAresTries;
  char dns_only[] = "b";  // never "f": /etc/hosts is not DNS
  options.lookups = dns_only;
  if (dns_server.has_value()) {
    // The name as written, not with the system's search domains appended:
    // the answer comes from the server the target names and nothing else.
    options.domains = nullptr;
    options.ndomains = 0;
    mask |= ARES_OPT_DOMAINS;
  }
  ares_channel channel = nullptr;
  const int status = ares_init_options(&channel, &options, mask);
  if (status != ARES_SUCCESS) {
    return absl::InternalError(absl::StrCat(
        "create c-ares channel for ", servers, ": ", ares_strerror(status)));
  }
  if (dns_server.has_value()) {
    const std::string csv = dns_server->ToString();
    const int set = ares_set_servers_ports_csv(channel, csv.c_str());
    if (set != ARES_SUCCESS) {
      ares_destroy(channel);
      return absl::InternalError(
          absl::StrCat("set c-ares server to ", csv, ": ", ares_strerror(set)));
    }
  }
  return std::unique_ptr<Loop>(
      new Loop(channel, query_timeout, std::move(servers)));
}

DnsResolver::Loop::~Loop() {
  // Calls back every query with ARES_EDESTRUCTION; in_flight_ is still
  // alive for OnAddrInfo to erase them.
  ares_destroy(channel_);
  // Nothing should be left; if c-ares dropped a query without calling
  // back, its callback still runs once.
  for (auto& [query, owned] : in_flight_) {
    if (!query->answered) {
      Answer(*query,
             Failure(*query->request, absl::StatusCode::kCancelled, kShutDown));
    }
  }
}

absl::Status DnsResolver::Loop::Failure(const Request& request,
                                        absl::StatusCode code,
                                        absl::string_view why) const {
  return ResolveError(request.name, servers_, code, why);
}

void DnsResolver::Loop::Start(std::unique_ptr<Request> request) {
  if (absl::optional<ResolvedAddress> literal =
          LiteralAddress(request->name, request->port)) {
    std::move(request->done)(Addresses{*literal});
    return;
  }
  auto owned = std::make_unique<Query>();
  Query* query = owned.get();
  query->loop = this;
  query->request = std::move(request);
  query->deadline = Deadline::After(query_timeout_);
  in_flight_.emplace(query, std::move(owned));
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;  // A and AAAA
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = ARES_AI_NUMERICSERV;
  // Copies: ares_getaddrinfo may call OnAddrInfo, which frees the query,
  // before it returns (a name c-ares rejects at once).
  const std::string name = query->request->name;
  const std::string port = absl::StrCat(query->request->port);
  ares_getaddrinfo(channel_, name.c_str(), port.c_str(), &hints,
                   &Loop::OnAddrInfo, query);
}

void DnsResolver::Loop::OnAddrInfo(void* arg, int status, int /*timeouts*/,
                                   ares_addrinfo* result) {
  auto* query = static_cast<Query*>(arg);
  Loop* loop = query->loop;
  if (!query->answered) {
    loop->Answer(*query, loop->Outcome(*query, status, result));
  }
  if (result != nullptr) ares_freeaddrinfo(result);
  loop->in_flight_.erase(query);
}

absl::StatusOr<DnsResolver::Addresses> DnsResolver::Loop::Outcome(
    const Query& query, int status, const ares_addrinfo* result) const {
  const Request& request = *query.request;
  if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
    return Failure(request, absl::StatusCode::kCancelled, kShutDown);
  }
  if (status != ARES_SUCCESS) {
    return Failure(request, absl::StatusCode::kUnavailable,
                   ares_strerror(status));
  }
  Addresses addresses;
  for (const ares_addrinfo_node* node = result ? result->nodes : nullptr;
       node != nullptr; node = node->ai_next) {
    if (node->ai_family != AF_INET && node->ai_family != AF_INET6) continue;
    if (node->ai_addrlen > sizeof(sockaddr_storage)) continue;
    ResolvedAddress resolved;
    std::memcpy(&resolved.storage, node->ai_addr, node->ai_addrlen);
    resolved.length = node->ai_addrlen;
    addresses.push_back(resolved);
  }
  if (addresses.empty()) {
    return Failure(request, absl::StatusCode::kUnavailable,
                   "no A or AAAA record");
  }
  return addresses;
}

void DnsResolver::Loop::Answer(Query& query,
                               absl::StatusOr<Addresses> outcome) {
  query.answered = true;
  std::move(query.request->done)(std::move(outcome));
}

void DnsResolver::Loop::AnswerExpired() {
  for (auto& [query, owned] : in_flight_) {
    if (query->answered || !query->deadline.Expired()) continue;
    // c-ares goes on until its own tries are spent; OnAddrInfo then only
    // frees the query.
    Answer(*query, Failure(*query->request, absl::StatusCode::kUnavailable,
                           absl::StrCat("no answer within ",
                                        HumanDuration(query_timeout_))));
  }
}

void DnsResolver::Loop::PollOnce(int wake_fd) {
  ares_socket_t sockets[ARES_GETSOCK_MAXNUM];
  const int bits = ares_getsock(channel_, sockets, ARES_GETSOCK_MAXNUM);
  std::vector<pollfd> fds;
  fds.push_back({wake_fd, POLLIN, 0});
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    short events = 0;
    if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
    if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
    if (events != 0) fds.push_back({sockets[i], events, 0});
  }

  absl::Duration wait = absl::InfiniteDuration();
  timeval tv{};
  if (const timeval* next = ares_timeout(channel_, nullptr, &tv)) {
    wait = absl::DurationFromTimeval(*next);
  }
  for (const auto& [query, owned] : in_flight_) {
    if (!query->answered) wait = std::min(wait, query->deadline.Remaining());
  }

  const int ready = ::poll(fds.data(), fds.size(), PollTimeoutMillis(wait));
  if (ready > 0) {
    if (fds[0].revents != 0) {
      uint64_t count;
      // Nonblocking: EAGAIN when another wake-up was already taken.
      (void)!::read(wake_fd, &count, sizeof(count));
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      const short revents = fds[i].revents;
      if (revents == 0) continue;
      const bool read = (revents & (POLLIN | POLLERR | POLLHUP)) != 0;
      const bool write = (revents & (POLLOUT | POLLERR)) != 0;
      ares_process_fd(channel_, read ? fds[i].fd : ARES_SOCKET_BAD,
                      write ? fds[i].fd : ARES_SOCKET_BAD);
    }
  }
  // Retries and c-ares's own timeouts, due or not.
  ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  AnswerExpired();
}

absl::StatusOr<std::unique_ptr<DnsResolver>> DnsResolver::Create(
    absl::optional<Address> dns_server, absl::Duration query_timeout) {
  if (query_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("create DNS resolver: query timeout must be positive, "
                     "not ",
                     HumanDuration(query_timeout)));
  }
  std::string servers = "system DNS servers";
  if (dns_server.has_value()) {
    servers = absl::StrCat("DNS server ", dns_server->ToString());
    if (dns_server->kind != Address::Kind::kTcp ||
        !IsIpLiteral(dns_server->host) || dns_server->port < 1 ||
        dns_server->port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("create DNS resolver: ", QuoteForStatus(servers),
                       " is not an IP address with a port in 1..65535"));
    }
  }
  absl::Status init = InitAresLibrary();
  if (!init.ok()) return init;
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) {
    return absl::InternalError(
        PosixError("create DNS resolver's eventfd", errno).message());
  }
  absl::StatusOr<std::unique_ptr<Loop>> loop =
      Loop::Create(dns_server, query_timeout, servers);
  if (!loop.ok()) return loop.status();
  std::unique_ptr<DnsResolver> resolver(
      new DnsResolver(*std::move(loop), std::move(wake), std::move(servers)));
  resolver->thread_ = std::thread([raw = resolver.get()] { raw->Run(); });
  return resolver;
}

DnsResolver::DnsResolver(std::unique_ptr<Loop> loop, UniqueFd wake,
                         std::string servers)
    : servers_(std::move(servers)),
      wake_(std::move(wake)),
      loop_(std::move(loop)) {}

DnsResolver::~DnsResolver() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  Wake();
  thread_.join();
}

void DnsResolver::Resolve(absl::string_view name, int port, Callback done) {
  auto request = std::make_unique<Request>();
  request->name = std::string(name);
  request->port = port;
  request->done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.push_back(std::move(request));
  }
  Wake();
}

void DnsResolver::Wake() {
  const uint64_t one = 1;
  // Cannot fail short of a counter near 2^64: the loop reads it each turn.
  while (::write(wake_.get(), &one, sizeof(one)) < 0 && errno == EINTR) {
  }
}

void DnsResolver::Run() {
  NameThisThread("framerpc-dns");
  while (true) {
    std::vector<std::unique_ptr<Request>> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
      batch.swap(queued_);
    }
    for (auto& request : batch) loop_->Start(std::move(request));
    loop_->PollOnce(wake_.get());
  }
  // Lookups in flight end CANCELLED first, then those still queued; any
  // callback may queue more, so until none is left.
  loop_.reset();
  while (true) {
    std::vector<std::unique_ptr<Request>> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(queued_);
    }
    if (batch.empty()) break;
    for (auto& request : batch) {
      std::move(request->done)(ResolveError(
          request->name, servers_, absl::StatusCode::kCancelled, kShutDown));
    }
  }
}

}  // namespace internal
}  // namespace framerpc
