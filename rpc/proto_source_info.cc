// The registry behind framerpc/proto_source_info.h: file name to the
// serialized SourceCodeInfo that generated code embeds.
#include "framerpc/proto_source_info.h"

#include <map>
#include <mutex>
#include <string>

namespace framerpc {
namespace internal {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, absl::string_view, std::less<>> by_file;
};

// Built on first use, never destroyed: registrars run during static
// initialization, in no order relative to this file's own statics, and a
// lookup may come during static destruction.
Registry& TheRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

}  // namespace

ProtoSourceInfoRegistrar::ProtoSourceInfoRegistrar(const char* proto_file,
                                                   const char* source_info,
                                                   size_t size) {
  Registry& registry = TheRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  registry.by_file[proto_file] = absl::string_view(source_info, size);
}

absl::string_view FindProtoSourceInfo(absl::string_view proto_file) {
  Registry& registry = TheRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  auto it = registry.by_file.find(proto_file);
  return it == registry.by_file.end() ? absl::string_view() : it->second;
}

}  // namespace internal
}  // namespace framerpc
