#include "framerpc/server.h"

#include <utility>

#include "server/server_core.h"

namespace framerpc {

Server::Server(ServerOptions options)
    : core_(std::make_unique<internal::ServerCore>(options)) {}

Server::~Server() {
  core_->Shutdown(absl::ZeroDuration());
  core_->Wait();
}

absl::Status Server::AddService(Service* service,
                                ServiceOptions service_options) {
  return core_->AddService(service, service_options);
}

absl::Status Server::EnableReflection() { return core_->EnableReflection(); }

absl::Status Server::EnableHealthCheck() { return core_->EnableHealthCheck(); }

absl::Status Server::EnableMetrics() { return core_->EnableMetrics(); }

absl::Status Server::AddMetricsSource(std::function<std::string()> source) {
  return core_->AddMetricsSource(std::move(source));
}

std::string Server::MetricsText() const {
  const internal::ServerMetrics* metrics = core_->metrics();
  return metrics == nullptr ? std::string() : metrics->PrometheusText();
}

void Server::SetServingStatus(absl::string_view service, ServingStatus status) {
  core_->health().SetServingStatus(service, status);
}

ServingStatus Server::GetServingStatus(absl::string_view service) const {
  return core_->health().GetServingStatus(service);
}

absl::Status Server::Listen(absl::string_view address) {
  return core_->Listen(address);
}

int Server::port() const { return core_->port(); }

int Server::metrics_http_port() const { return core_->metrics_http_port(); }

absl::Status Server::Start() { return core_->Start(); }

void Server::Shutdown(absl::Duration grace) { core_->Shutdown(grace); }

void Server::Wait() { core_->Wait(); }

}  // namespace framerpc
