#include "codegen/service_generator.h"

#include "codegen/comments.h"

namespace framerpc {
namespace codegen {

void ServiceGenerator::GenerateHeader(
    google::protobuf::io::Printer* printer) const {
  PrintComment(service_.comment, printer);
  printer->Print({{"service", service_.cpp_name}},
                 "class $service$ final {\n"
                 " public:\n");
  printer->Indent();
  printer->Print({{"full_name", service_.full_name}},
                 "// The service's full proto name.\n"
                 "static constexpr char kServiceName[] = \"$full_name$\";\n"
                 "\n");
  GenerateServiceDeclaration(printer);
  printer->Print("\n");
  GenerateStubDeclaration(printer);
  printer->Outdent();
  printer->Print("};\n");
}

void ServiceGenerator::GenerateSource(
    google::protobuf::io::Printer* printer) const {
  GenerateServiceDefinitions(printer);
  printer->Print("\n");
  GenerateStubDefinitions(printer);
}

void ServiceGenerator::GenerateServiceDeclaration(
    google::protobuf::io::Printer* printer) const {
  printer->Print(
      "// Server side: subclass, override the methods you serve and register\n"
      "// the object with framerpc::Server::AddService (borrowed: it must\n"
      "// outlive the server). Methods may run on several threads at once.\n"
      "class Service : public ::framerpc::Service {\n"
      " public:\n");
  printer->Indent();
  printer->Print(
      "Service();\n"
      "~Service() override = default;\n");
  for (const MethodModel& method : service_.methods) {
    printer->Print("\n");
    PrintComment(method.comment, printer);
    printer->Print(MethodVars(method),
                   "// Default: returns UNIMPLEMENTED.\n"
                   "virtual ::absl::Status $method$(\n"
                   "    ::framerpc::ServerContext& context,\n"
                   "    const $request$& request,\n"
                   "    $response$* reply);\n");
  }
  printer->Outdent();
  printer->Print("};\n");
}

void ServiceGenerator::GenerateStubDeclaration(
    google::protobuf::io::Printer* printer) const {
  printer->Print(
      "// Client side: calls through a framerpc::Channel. The synchronous\n"
      "// forms either return the reply or fill `*reply` and return the\n"
      "// status; the asynchronous form returns at once and runs `done`\n"
      "// exactly once, on a framerpc thread, after `*reply` is filled or the\n"
      "// call failed (`context`, `request` and `reply` must stay alive until\n"
      "// then). `context` may be null. Thread-safe; cheap to copy (copies\n"
      "// share the channel).\n"
      "class Stub {\n"
      " public:\n");
  printer->Indent();
  printer->Print(
      "explicit Stub(::std::shared_ptr<::framerpc::Channel> channel);\n");
  for (const MethodModel& method : service_.methods) {
    printer->Print("\n");
    PrintComment(method.comment, printer);
    printer->Print(MethodVars(method),
                   "::absl::StatusOr<$response$> $method$(\n"
                   "    const $request$& request,\n"
                   "    ::framerpc::ClientContext* context = nullptr);\n"
                   "::absl::Status $method$(\n"
                   "    ::framerpc::ClientContext* context,\n"
                   "    const $request$& request,\n"
                   "    $response$* reply);\n"
                   "void $method$(\n"
                   "    ::framerpc::ClientContext* context,\n"
                   "    const $request$& request,\n"
                   "    $response$* reply,\n"
                   "    ::absl::AnyInvocable<void(::absl::Status) &&> done);\n");
  }
  printer->Print(
      "\n"
      "// The channel every call goes through.\n"
      "const ::std::shared_ptr<::framerpc::Channel>& channel() const {\n"
      "  return channel_;\n"
      "}\n");
  printer->Outdent();
  printer->Print(
      "\n"
      " private:\n");
  printer->Indent();
  printer->Print("::std::shared_ptr<::framerpc::Channel> channel_;\n");
  printer->Outdent();
  printer->Print("};\n");
}

void ServiceGenerator::GenerateServiceDefinitions(
    google::protobuf::io::Printer* printer) const {
  printer->Print({{"service", service_.cpp_name},
                  {"qualified_service", service_.qualified_cpp_name}},
                 "$service$::Service::Service()\n"
                 "    : ::framerpc::Service($qualified_service$::kServiceName) "
                 "{\n");
  printer->Indent();
  for (const MethodModel& method : service_.methods) {
    printer->Print(MethodVars(method),
                   "AddUnaryMethod<$request$, $response$>(\n"
                   "    \"$wire_name$\", &Service::$method$);\n");
  }
  printer->Outdent();
  printer->Print("}\n");

  for (const MethodModel& method : service_.methods) {
    printer->Print(MethodVars(method),
                   "\n"
                   "::absl::Status $service$::Service::$method$(\n"
                   "    ::framerpc::ServerContext& /*context*/,\n"
                   "    const $request$& /*request*/,\n"
                   "    $response$* /*reply*/) {\n"
                   "  return ::absl::UnimplementedError(\n"
                   "      \"method $full_method$ is not implemented\");\n"
                   "}\n");
  }
}

void ServiceGenerator::GenerateStubDefinitions(
    google::protobuf::io::Printer* printer) const {
  printer->Print({{"service", service_.cpp_name}},
                 "$service$::Stub::Stub(\n"
                 "    ::std::shared_ptr<::framerpc::Channel> channel)\n"
                 "    : channel_(::std::move(channel)) {}\n");
  for (const MethodModel& method : service_.methods) {
    // `this->` keeps a method named like a local ("status", "reply") from
    // being shadowed by it.
    printer->Print(MethodVars(method),
                   "\n"
                   "::absl::StatusOr<$response$> $service$::Stub::$method$(\n"
                   "    const $request$& request,\n"
                   "    ::framerpc::ClientContext* context) {\n"
                   "  $response$ reply;\n"
                   "  ::absl::Status status = this->$method$(context, request, "
                   "&reply);\n"
                   "  if (!status.ok()) return status;\n"
                   "  return reply;\n"
                   "}\n"
                   "\n"
                   "::absl::Status $service$::Stub::$method$(\n"
                   "    ::framerpc::ClientContext* context,\n"
                   "    const $request$& request,\n"
                   "    $response$* reply) {\n"
                   "  return channel_->Call(\n"
                   "      \"$full_method$\", request, reply, context);\n"
                   "}\n"
                   "\n"
                   "void $service$::Stub::$method$(\n"
                   "    ::framerpc::ClientContext* context,\n"
                   "    const $request$& request,\n"
                   "    $response$* reply,\n"
                   "    ::absl::AnyInvocable<void(::absl::Status) &&> done) {\n"
                   "  channel_->Call(\"$full_method$\", request, reply, context,\n"
                   "                 ::std::move(done));\n"
                   "}\n");
  }
}

std::map<std::string, std::string> ServiceGenerator::MethodVars(
    const MethodModel& method) const {
  return {
      {"service", service_.cpp_name},
      {"qualified_service", service_.qualified_cpp_name},
      {"method", method.cpp_name},
      {"wire_name", method.wire_name},
      {"full_method", method.full_name},
      {"request", method.request_type},
      {"response", method.response_type},
  };
}

}  // namespace codegen
}  // namespace framerpc
