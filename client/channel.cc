#include "framerpc/channel.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/human_duration.h"
#include "client/channel_core.h"
#include "client/address_finder.h"
#include "client/target.h"

namespace framerpc {

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
  // A dns: target's lookups get the connect attempt's own bound.
  absl::StatusOr<std::unique_ptr<internal::AddressFinder>> finder =
      internal::AddressFinder::Create(*std::move(parsed),
                                      options.connect_timeout);
  if (!finder.ok()) return finder.status();
  auto core = std::make_unique<internal::ChannelCore>(
      std::string(target), *std::move(finder), options);
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

const std::string& Channel::target() const { return core_->target(); }

}  // namespace framerpc
