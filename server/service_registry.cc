#include "server/service_registry.h"

#include "absl/strings/str_cat.h"
#include "rpc/quote_for_status.h"
#include "server/server_metrics.h"

namespace framerpc {
namespace internal {

absl::Status ServiceRegistry::Add(Service* service, bool run_inline) {
  if (service == nullptr) {
    return absl::InvalidArgumentError("add service: the service is null");
  }
  if (!services_.emplace(service->full_name(), Entry{service, run_inline})
           .second) {
    return absl::AlreadyExistsError(
        absl::StrCat("add service ", service->full_name(),
                     ": a service of that name is already registered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const MethodHandler*> ServiceRegistry::Find(
    absl::string_view method) const {
  absl::StatusOr<Route> route = Lookup(method);
  if (!route.ok()) return route.status();
  return route->handler;
}

absl::StatusOr<ServiceRegistry::Route> ServiceRegistry::Lookup(
    absl::string_view method) const {
  const size_t slash = method.find('/');
  if (slash == absl::string_view::npos || slash == 0 ||
      slash + 1 == method.size() ||
      method.find('/', slash + 1) != absl::string_view::npos) {
    return absl::UnimplementedError(
        absl::StrCat("malformed method name ", QuoteForStatus(method),
                     ": expected 'package.Service/Method'"));
  }
  const absl::string_view service_name = method.substr(0, slash);
  const absl::string_view method_name = method.substr(slash + 1);
  auto it = services_.find(service_name);
  if (it == services_.end()) {
    return absl::UnimplementedError(
        absl::StrCat("unknown method ", QuoteForStatus(method), ": no service ",
                     QuoteForStatus(service_name), " is registered"));
  }
  const MethodHandler* handler = it->second.service->FindMethod(method_name);
  if (handler == nullptr) {
    return absl::UnimplementedError(
        absl::StrCat("unknown method ", QuoteForStatus(method), ": service ",
                     QuoteForStatus(service_name), " has no method ",
                     QuoteForStatus(method_name)));
  }
  return Route{handler, it->second.run_inline,
               metrics_ != nullptr ? metrics_->ForMethod(method) : nullptr};
}

CallMetrics* ServiceRegistry::MetricsFor(absl::string_view method) const {
  return metrics_ != nullptr ? metrics_->ForMethod(method) : nullptr;
}

std::vector<std::string> ServiceRegistry::method_names() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : services_) {
    for (const std::string& method : entry.service->method_names()) {
      names.push_back(absl::StrCat(name, "/", method));
    }
  }
  return names;
}

std::vector<const Service*> ServiceRegistry::services() const {
  std::vector<const Service*> services;
  services.reserve(services_.size());
  for (const auto& [name, entry] : services_) services.push_back(entry.service);
  return services;
}

}  // namespace internal
}  // namespace framerpc
