// ServiceRegistry, the server's services by full name, and the
// lookup of a wire method name ("package.Service/Method") to its handler.
//
// Borrows the services (they outlive the server). Filled before Start, then
// read-only: Find is then safe from any thread; Add is not thread-safe.
#ifndef FRAMERPC_SERVER_SERVICE_REGISTRY_H_
#define FRAMERPC_SERVER_SERVICE_REGISTRY_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "framerpc/method_handler.h"
#include "framerpc/service.h"
#include "rpc/call_metrics.h"

namespace framerpc {
namespace internal {

class ServerMetrics;

class ServiceRegistry {
 public:
  ServiceRegistry() = default;
  ServiceRegistry(const ServiceRegistry&) = delete;
  ServiceRegistry& operator=(const ServiceRegistry&) = delete;

  // A method found by Lookup: its handler (lives as long as its service),
  // whether its service runs handlers on the loop thread, and its
  // counters (null unless metrics are enabled).
  struct Route {
    const MethodHandler* handler = nullptr;
    bool run_inline = false;
    CallMetrics* metrics = nullptr;
  };

  // Registers `service` under its full name; ALREADY_EXISTS when that name
  // is taken (INVALID_ARGUMENT for a null service). `run_inline`: its
  // handlers run on the loop thread (ServiceOptions::inline_handlers).
  absl::Status Add(Service* service, bool run_inline = false);

  // As Find, with how the method's handler is to be run.
  absl::StatusOr<Route> Lookup(absl::string_view method) const;

  // The handler of `method`. UNIMPLEMENTED, quoting the method (at most a
  // bounded prefix of it: rpc/quote_for_status.h), when the
  // name is not "package.Service/Method" or no such service or method is
  // registered. The pointer lives as long as its service.
  absl::StatusOr<const MethodHandler*> Find(absl::string_view method) const;

  bool empty() const { return services_.empty(); }

  // Server::EnableMetrics: from now on Lookup gives each route its
  // method's counters. Set by Start before serving; borrowed (the server
  // owns both). Null (the default): no metrics.
  void set_metrics(const ServerMetrics* metrics) { metrics_ = metrics; }
  // The counters of `method`, registered or not ("other"); null when
  // metrics are off. For calls answered without a route.
  CallMetrics* MetricsFor(absl::string_view method) const;

  // Every registered method's full name, "package.Service/Method", sorted.
  std::vector<std::string> method_names() const;

  // Every registered service, sorted by full name.
  std::vector<const Service*> services() const;

 private:
  struct Entry {
    Service* service;
    bool run_inline;
  };
  std::map<std::string, Entry, std::less<>> services_;
  const ServerMetrics* metrics_ = nullptr;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_SERVICE_REGISTRY_H_
