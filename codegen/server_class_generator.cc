#include "codegen/server_class_generator.h"

#include "codegen/comments.h"
#include "codegen/method_vars.h"

namespace framerpc {
namespace codegen {

void ServerClassGenerator::GenerateHeader(
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
    printer->Print(MethodVars(service_, method),
                   "// Default: returns UNIMPLEMENTED.\n"
                   "virtual ::absl::Status $method$(\n"
                   "    ::framerpc::ServerContext& context,\n"
                   "    const $request$& request,\n"
                   "    $response$* reply);\n");
  }
  printer->Outdent();
  printer->Print("};\n");
}

void ServerClassGenerator::GenerateSource(
    google::protobuf::io::Printer* printer) const {
  printer->Print({{"service", service_.cpp_name},
                  {"qualified_service", service_.qualified_cpp_name}},
                 "$service$::Service::Service()\n"
                 "    : ::framerpc::Service($qualified_service$::kServiceName) "
                 "{\n");
  printer->Indent();
  for (const MethodModel& method : service_.methods) {
    printer->Print(MethodVars(service_, method),
                   "AddUnaryMethod<$request$, $response$>(\n"
                   "    \"$wire_name$\", &Service::$method$);\n");
  }
  printer->Outdent();
  printer->Print("}\n");

  for (const MethodModel& method : service_.methods) {
    printer->Print(MethodVars(service_, method),
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

}  // namespace codegen
}  // namespace framerpc
