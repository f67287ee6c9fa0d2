#include "server/health_service.h"

#include "rpc/proto_name.h"

namespace framerpc {

absl::string_view ServingStatusName(ServingStatus status) {
  switch (status) {
    case ServingStatus::kServing:
      return "SERVING";
    case ServingStatus::kNotServing:
      return "NOT_SERVING";
    case ServingStatus::kUnknownService:
      return "UNKNOWN_SERVICE";
  }
  return "UNKNOWN_SERVICE";
}

HealthService::HealthService() : Service(kServiceName) {
  AddUnaryMethod("Check", &HealthService::Check);
}

void HealthService::SetServingStatus(absl::string_view service,
                                     ServingStatus status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  if (status == ServingStatus::kUnknownService) {
    auto it = statuses_.find(service);
    if (it != statuses_.end()) statuses_.erase(it);
    return;
  }
  statuses_.insert_or_assign(std::string(service), status);
}

void HealthService::SetServingIfUnset(absl::string_view service) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  statuses_.emplace(std::string(service), ServingStatus::kServing);
}

ServingStatus HealthService::GetServingStatus(absl::string_view service) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = statuses_.find(service);
  return it == statuses_.end() ? ServingStatus::kUnknownService : it->second;
}

void HealthService::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shut_down_ = true;
  for (auto& [name, status] : statuses_) status = ServingStatus::kNotServing;
}

absl::Status HealthService::Check(ServerContext& /*context*/,
                                  const health::HealthCheckRequest& request,
                                  health::HealthCheckResponse* response) {
  // No registered name can fail this, so the answer would be
  // UNKNOWN_SERVICE anyway; an error tells a misconfigured prober why,
  // and the name is never copied into the map's comparisons.
  absl::Status valid = CheckProtoFullName(
      request.service(), ProtoNameForm::kDotted, "health check of service");
  if (!valid.ok()) return valid;
  switch (GetServingStatus(request.service())) {
    case ServingStatus::kServing:
      response->set_status(health::HealthCheckResponse::SERVING);
      break;
    case ServingStatus::kNotServing:
      response->set_status(health::HealthCheckResponse::NOT_SERVING);
      break;
    case ServingStatus::kUnknownService:
      response->set_status(health::HealthCheckResponse::UNKNOWN_SERVICE);
      break;
  }
  return absl::OkStatus();
}

}  // namespace framerpc
