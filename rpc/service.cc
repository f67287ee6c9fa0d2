#include "framerpc/service.h"

#include <cassert>
#include <utility>

namespace framerpc {

Service::Service(absl::string_view full_name) : full_name_(full_name) {}

Service::~Service() = default;

const MethodHandler* Service::FindMethod(absl::string_view method_name) const {
  auto it = methods_.find(method_name);
  return it == methods_.end() ? nullptr : it->second.get();
}

std::vector<std::string> Service::method_names() const {
  std::vector<std::string> names;
  names.reserve(methods_.size());
  for (const auto& entry : methods_) names.push_back(entry.first);
  return names;
}

void Service::AddMethod(absl::string_view method_name,
                        std::unique_ptr<MethodHandler> handler) {
  bool inserted =
      methods_.emplace(std::string(method_name), std::move(handler)).second;
  assert(inserted && "a method name was registered twice");
  (void)inserted;
}

}  // namespace framerpc
