#include "framerpc/channel.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/human_duration.h"
#include "client/address_finder.h"
#include "client/channel_core.h"
#include "client/client_tls.h"
#include "client/target.h"

namespace framerpc {
namespace {

// The client's TLS context and the name servers' certificates must carry:
// the configured server_name, else the target's host ("localhost" for a
// Unix socket, as gRPC does; for an "ipv4:"/"ipv6:" list each endpoint's
// own address).
absl::StatusOr<std::shared_ptr<const internal::ClientTls>> MakeClientTls(
    const internal::Target& target, const TlsChannelOptions& options) {
  absl::StatusOr<std::shared_ptr<internal::TlsContext>> context =
      internal::TlsContext::ForClient(internal::TlsClientFiles{
          options.ca_file, options.cert_chain_file, options.private_key_file});
  if (!context.ok()) return context.status();
  auto tls = std::make_shared<internal::ClientTls>();
  tls->context = *std::move(context);
  tls->server_name = options.server_name;
  if (tls->server_name.empty()) {
    switch (target.kind) {
      case internal::Target::Kind::kHostPort:
      case internal::Target::Kind::kDns:
        tls->server_name = target.address.host;
        break;
      case internal::Target::Kind::kUnix:
        tls->server_name = "localhost";
        break;
      case internal::Target::Kind::kFixed:
        break;
    }
  }
  return std::shared_ptr<const internal::ClientTls>(std::move(tls));
}

}  // namespace

absl::StatusOr<std::shared_ptr<Channel>> Channel::Create(
    absl::string_view target, ChannelOptions options) {
  absl::StatusOr<internal::Target> parsed = internal::ParseTarget(target);
  if (!parsed.ok()) return parsed.status();
  if (options.max_frame_size == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "create channel to ", target, ": max_frame_size must be positive"));
  }
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("create channel to ", target,
                     ": connect_timeout must be positive, not ",
                     HumanDuration(options.connect_timeout)));
  }
  for (const auto& [name, value] :
       {std::make_pair("default_timeout", options.default_timeout),
        std::make_pair("keepalive_time", options.keepalive_time),
        std::make_pair("keepalive_timeout", options.keepalive_timeout),
        std::make_pair("dns_refresh_interval", options.dns_refresh_interval)}) {
    if (value <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("create channel to ", target, ": ", name,
                       " must be positive, not ", HumanDuration(value)));
    }
  }
  switch (options.load_balancing) {
    case LoadBalancing::kPickFirst:
    case LoadBalancing::kRoundRobin:
    case LoadBalancing::kLeastLoaded:
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "create channel to ", target, ": load_balancing ",
          static_cast<int>(options.load_balancing), " is not a policy"));
  }
  for (size_t i = 0; i < options.interceptors.size(); ++i) {
    if (options.interceptors[i] == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("create channel to ", target, ": interceptors[", i,
                       "] is null; every interceptor must be set"));
    }
  }
  std::shared_ptr<const internal::ClientTls> tls;
  if (options.tls.enabled) {
    absl::StatusOr<std::shared_ptr<const internal::ClientTls>> made =
        MakeClientTls(*parsed, options.tls);
    if (!made.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "create channel to ", target, ": ", made.status().message()));
    }
    tls = *std::move(made);
  }
  // A dns: target's lookups get the connect attempt's own bound.
  absl::StatusOr<std::unique_ptr<internal::AddressFinder>> finder =
      internal::AddressFinder::Create(*std::move(parsed),
                                      options.connect_timeout);
  if (!finder.ok()) return finder.status();
  auto core = std::make_unique<internal::ChannelCore>(
      std::string(target), *std::move(finder), options, std::move(tls));
  return std::shared_ptr<Channel>(new Channel(std::move(core)));
}

Channel::Channel(std::unique_ptr<internal::ChannelCore> core)
    : core_(std::move(core)) {}

Channel::~Channel() = default;

absl::Status Channel::Call(absl::string_view method,
                           const google::protobuf::Message& request,
                           google::protobuf::Message* response,
                           ClientContext* context) {
  return core_->Call(method, request, response, context);
}

void Channel::Call(absl::string_view method,
                   const google::protobuf::Message& request,
                   google::protobuf::Message* response, ClientContext* context,
                   absl::AnyInvocable<void(absl::Status) &&> done) {
  core_->CallAsync(shared_from_this(), method, request, response, context,
                   std::move(done));
}

const std::string& Channel::target() const { return core_->target(); }

void Channel::EnableMetrics() { core_->EnableMetrics(); }

std::string Channel::MetricsText() const { return core_->MetricsText(); }

}  // namespace framerpc
