#include "server/reflection_service.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "framerpc/proto_source_info.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "rpc/proto_name.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace internal {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using google::protobuf::RepeatedPtrField;

// Post-order over imports: every file follows the files it imports.
void AddFileAndImports(const FileDescriptor* file, std::set<std::string>* seen,
                       RepeatedPtrField<FileDescriptorProto>* files) {
  if (!seen->insert(file->name()).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFileAndImports(file->dependency(i), seen, files);
  }
  FileDescriptorProto* proto = files->Add();
  file->CopyTo(proto);
  // The generated pool has no comments; protoc-gen-framerpc's output
  // registered them, when the file's .framerpc.cc is linked in.
  const absl::string_view source_info = FindProtoSourceInfo(file->name());
  if (!source_info.empty() &&
      !proto->mutable_source_code_info()->ParseFromArray(
          source_info.data(), static_cast<int>(source_info.size()))) {
    proto->clear_source_code_info();  // damaged: serve no comments
  }
}

}  // namespace

ReflectionService::ReflectionService(const ServiceRegistry* registry)
    : Service(kServiceName), registry_(registry) {
  AddUnaryMethod("ListServices", &ReflectionService::ListServices);
  AddUnaryMethod("FileContainingSymbol",
                 &ReflectionService::FileContainingSymbol);
}

absl::Status ReflectionService::CollectFiles(
    absl::string_view symbol, RepeatedPtrField<FileDescriptorProto>* files) {
  // Before the pool sees it: its lookup costs the square of the name's dots.
  absl::Status valid =
      CheckProtoFullName(symbol, ProtoNameForm::kDottedOrMethod, "symbol");
  if (!valid.ok()) return valid;
  std::string name(symbol);
  // "pkg.Service/Method" is the wire spelling of "pkg.Service.Method".
  if (const size_t slash = name.find('/'); slash != std::string::npos) {
    name[slash] = '.';
  }
  const FileDescriptor* file =
      DescriptorPool::generated_pool()->FindFileContainingSymbol(name);
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "symbol ", QuoteForStatus(symbol),
        " not found: the server has no compiled .proto definition of it"));
  }
  std::set<std::string> seen;
  AddFileAndImports(file, &seen, files);
  return absl::OkStatus();
}

absl::Status ReflectionService::ListServices(
    ServerContext& /*context*/,
    const reflection::ListServicesRequest& /*request*/,
    reflection::ListServicesResponse* response) {
  for (const Service* service : registry_->services()) {
    reflection::ServiceInfo* info = response->add_services();
    info->set_name(service->full_name());
    for (const std::string& method : service->method_names()) {
      info->add_methods(method);
    }
    info->set_has_descriptor(
        DescriptorPool::generated_pool()->FindServiceByName(
            service->full_name()) != nullptr);
  }
  return absl::OkStatus();
}

absl::Status ReflectionService::FileContainingSymbol(
    ServerContext& /*context*/,
    const reflection::FileContainingSymbolRequest& request,
    reflection::FileContainingSymbolResponse* response) {
  return CollectFiles(request.symbol(), response->mutable_files());
}

}  // namespace internal
}  // namespace framerpc
