// ReflectionService, framerpc.reflection.Reflection: the services
// a server serves and the FileDescriptorProtos that define them.
//
// Descriptors come from google::protobuf::DescriptorPool::generated_pool(),
// looked up by each service's full_name(). That holds every service built
// from protoc-generated code linked into the server. A service registered
// without one (a hand-written framerpc::Service whose name matches no
// compiled .proto) is still listed, with has_descriptor false, but
// FileContainingSymbol answers NOT_FOUND for it.
//
// The generated pool holds no comments, so each file served carries the
// SourceCodeInfo that protoc-gen-framerpc's output registered for it
// (framerpc/proto_source_info.h), when there is one; a client such as
// framerpc_cli describe prints the .proto comments from it.
//
// Borrows the registry, which must outlive it and be read-only while calls
// are served (true once the server has started). Thread-safe then.
#ifndef FRAMERPC_SERVER_REFLECTION_SERVICE_H_
#define FRAMERPC_SERVER_REFLECTION_SERVICE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "framerpc/server_context.h"
#include "framerpc/service.h"
#include "proto/reflection.pb.h"
#include "server/service_registry.h"

namespace framerpc {
namespace internal {

class ReflectionService final : public Service {
 public:
  static constexpr char kServiceName[] = "framerpc.reflection.Reflection";

  explicit ReflectionService(const ServiceRegistry* registry);

  // The file defining `symbol` ("pkg.Service", "pkg.Service.Method",
  // "pkg.Service/Method", "pkg.Message") and its transitive imports,
  // imports first, appended to `files`. INVALID_ARGUMENT, before any
  // lookup, when `symbol` is not a proto full name or is longer than
  // kMaxProtoNameSize (rpc/proto_name.h); NOT_FOUND naming the symbol when
  // the generated pool has no such symbol (or it is empty).
  static absl::Status CollectFiles(
      absl::string_view symbol,
      google::protobuf::RepeatedPtrField<google::protobuf::FileDescriptorProto>*
          files);

 private:
  absl::Status ListServices(ServerContext& context,
                            const reflection::ListServicesRequest& request,
                            reflection::ListServicesResponse* response);
  absl::Status FileContainingSymbol(
      ServerContext& context,
      const reflection::FileContainingSymbolRequest& request,
      reflection::FileContainingSymbolResponse* response);

  const ServiceRegistry* registry_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_REFLECTION_SERVICE_H_
