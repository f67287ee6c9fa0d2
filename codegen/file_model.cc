#include "codegen/file_model.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "codegen/comments.h"
#include "codegen/names.h"
#include "google/protobuf/descriptor.pb.h"

namespace framerpc {
namespace codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

// Members of the generated Service and Stub classes (and of their base
// framerpc::Service) that a method must not redeclare.
constexpr absl::string_view kReservedMethodNames[] = {
    "AddMethod", "AddUnaryMethod", "FindMethod", "Service",      "Stub",
    "channel",   "channel_",       "full_name",  "method_names",
};

// Members of the generated outer class that the class must not be named.
constexpr absl::string_view kReservedServiceNames[] = {"Service", "Stub",
                                                       "kServiceName"};

template <size_t N>
bool Contains(const absl::string_view (&words)[N], absl::string_view name) {
  return std::find(std::begin(words), std::end(words), name) != std::end(words);
}

// CppIdentifier(), then one more '_' for as long as the name is reserved in
// the scope it is declared in (so "channel" becomes "channel__").
template <size_t N>
std::string ScopedCppName(absl::string_view proto_name,
                          const absl::string_view (&reserved)[N]) {
  std::string name = CppIdentifier(proto_name);
  while (Contains(reserved, name)) name.push_back('_');
  return name;
}

std::string MethodPrefix(const FileDescriptor* file,
                         const ServiceDescriptor* service) {
  return absl::StrCat(file->name(), ": service ", service->full_name());
}

absl::Status CheckPackage(const FileDescriptor* file) {
  for (absl::string_view part : absl::StrSplit(file->package(), '.')) {
    if (IsCppKeyword(part)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file->name(), ": package ", file->package(), ": '", part,
          "' is a C++ keyword, which protoc's C++ generator keeps as a "
          "namespace name, so no C++ code can be generated for this package"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUnary(const FileDescriptor* file,
                        const MethodDescriptor* method) {
  const char* streams = nullptr;
  if (method->client_streaming() && method->server_streaming()) {
    streams = "its requests and its responses";
  } else if (method->client_streaming()) {
    streams = "its requests";
  } else if (method->server_streaming()) {
    streams = "its responses";
  } else {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      MethodPrefix(file, method->service()), ", method ", method->name(),
      ": streaming methods are not supported by framerpc (only unary); this "
      "method streams ",
      streams));
}

// Generated code passes messages as google::protobuf::Message, which a
// LITE_RUNTIME file's messages are not.
absl::Status CheckFullMessages(const FileDescriptor* file,
                               const MethodDescriptor* method) {
  for (const Descriptor* type : {method->input_type(), method->output_type()}) {
    if (type->file()->options().optimize_for() ==
        google::protobuf::FileOptions::LITE_RUNTIME) {
      return absl::InvalidArgumentError(absl::StrCat(
          MethodPrefix(file, method->service()), ", method ", method->name(),
          ": message ", type->full_name(), " comes from ", type->file()->name(),
          ", which uses optimize_for = LITE_RUNTIME; framerpc needs full "
          "messages (google::protobuf::Message)"));
    }
  }
  return absl::OkStatus();
}

// The C++ name protoc gives an enum: like a message class name.
std::string EnumClassName(const EnumDescriptor* e) {
  std::string name;
  if (e->containing_type() != nullptr) {
    name = absl::StrCat(MessageClassName(e->containing_type()), "_");
  }
  absl::StrAppend(&name, e->name());
  if (IsProtobufKeyword(name)) name.push_back('_');
  return name;
}

// The namespace-scope classes protoc's C++ generator emits for `message`
// and everything nested in it: C++ name -> what defines it.
void AddMessageClasses(const Descriptor* message,
                       std::map<std::string, std::string>* classes) {
  classes->emplace(MessageClassName(message),
                   absl::StrCat("message ", message->full_name()));
  for (int i = 0; i < message->enum_type_count(); ++i) {
    classes->emplace(EnumClassName(message->enum_type(i)),
                     absl::StrCat("enum ", message->enum_type(i)->full_name()));
  }
  for (int i = 0; i < message->nested_type_count(); ++i) {
    AddMessageClasses(message->nested_type(i), classes);
  }
}

std::map<std::string, std::string> ProtobufClasses(const FileDescriptor* file) {
  std::map<std::string, std::string> classes;
  for (int i = 0; i < file->message_type_count(); ++i) {
    AddMessageClasses(file->message_type(i), &classes);
  }
  for (int i = 0; i < file->enum_type_count(); ++i) {
    classes.emplace(EnumClassName(file->enum_type(i)),
                    absl::StrCat("enum ", file->enum_type(i)->full_name()));
  }
  return classes;
}

absl::StatusOr<ServiceModel> BuildServiceModel(
    const ServiceDescriptor* service) {
  const FileDescriptor* file = service->file();
  ServiceModel model;
  model.full_name = service->full_name();
  model.cpp_name = ScopedCppName(service->name(), kReservedServiceNames);
  model.qualified_cpp_name =
      absl::StrCat(QualifiedNamespace(file->package()), "::", model.cpp_name);
  model.comment = LeadingComment(service);

  std::map<std::string, std::string> wire_name_of;  // C++ name -> wire name
  for (int i = 0; i < service->method_count(); ++i) {
    const MethodDescriptor* method = service->method(i);
    absl::Status supported = CheckUnary(file, method);
    if (supported.ok()) supported = CheckFullMessages(file, method);
    if (!supported.ok()) return supported;

    MethodModel m;
    m.wire_name = method->name();
    m.cpp_name = ScopedCppName(method->name(), kReservedMethodNames);
    m.full_name = absl::StrCat(service->full_name(), "/", method->name());
    m.request_type = QualifiedMessageClassName(method->input_type());
    m.response_type = QualifiedMessageClassName(method->output_type());
    m.comment = LeadingComment(method);

    auto [it, inserted] = wire_name_of.emplace(m.cpp_name, m.wire_name);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(MethodPrefix(file, service), ", method ", m.wire_name,
                       ": its C++ name ", m.cpp_name,
                       " is already the C++ name of method ", it->second));
    }
    model.methods.push_back(std::move(m));
  }
  return model;
}

}  // namespace

absl::StatusOr<FileModel> BuildFileModel(const FileDescriptor* file) {
  FileModel model;
  model.proto_path = file->name();
  model.header_path = GeneratedHeaderPath(file);
  model.source_path = GeneratedSourcePath(file);
  model.include_guard = IncludeGuard(model.header_path);
  model.cpp_namespace = absl::StrReplaceAll(file->package(), {{".", "::"}});
  if (file->service_count() > 0) {
    absl::Status package = CheckPackage(file);
    if (!package.ok()) return package;
  }

  // C++ name -> what defines it, for the clash check.
  std::map<std::string, std::string> classes = ProtobufClasses(file);
  std::set<std::string> other_headers;
  for (int i = 0; i < file->service_count(); ++i) {
    const ServiceDescriptor* service = file->service(i);
    absl::StatusOr<ServiceModel> service_model = BuildServiceModel(service);
    if (!service_model.ok()) return service_model.status();

    auto [it, inserted] =
        classes.emplace(service_model->cpp_name,
                        absl::StrCat("service ", service->full_name()));
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(file->name(), ": service ", service->full_name(),
                       ": its C++ class ", service_model->cpp_name,
                       " clashes with the C++ class of ", it->second));
    }
    for (int j = 0; j < service->method_count(); ++j) {
      other_headers.insert(
          PbHeaderPath(service->method(j)->input_type()->file()));
      other_headers.insert(
          PbHeaderPath(service->method(j)->output_type()->file()));
    }
    model.services.push_back(*std::move(service_model));
  }

  model.pb_headers.push_back(PbHeaderPath(file));
  other_headers.erase(model.pb_headers.front());
  model.pb_headers.insert(model.pb_headers.end(), other_headers.begin(),
                          other_headers.end());

  google::protobuf::FileDescriptorProto with_source_info;
  file->CopySourceCodeInfoTo(&with_source_info);
  if (with_source_info.has_source_code_info()) {
    model.source_info =
        with_source_info.source_code_info().SerializeAsString();
  }
  return model;
}

}  // namespace codegen
}  // namespace framerpc
