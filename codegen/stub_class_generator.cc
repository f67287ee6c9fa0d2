#include "codegen/stub_class_generator.h"

#include "codegen/comments.h"
#include "codegen/method_vars.h"

namespace framerpc {
namespace codegen {

void StubClassGenerator::GenerateHeader(
    google::protobuf::io::Printer* printer) const {
  printer->Print(
      "// Client side: synchronous calls through a framerpc::Channel. Each\n"
      "// method either returns the reply or fills `*reply` and returns the\n"
      "// status; `context` may be null. Thread-safe; cheap to copy (copies\n"
      "// share the channel).\n"
      "class Stub {\n"
      " public:\n");
  printer->Indent();
  printer->Print(
      "explicit Stub(::std::shared_ptr<::framerpc::Channel> channel);\n");
  for (const MethodModel& method : service_.methods) {
    printer->Print("\n");
    PrintComment(method.comment, printer);
    printer->Print(MethodVars(service_, method),
                   "::absl::StatusOr<$response$> $method$(\n"
                   "    const $request$& request,\n"
                   "    ::framerpc::ClientContext* context = nullptr);\n"
                   "::absl::Status $method$(\n"
                   "    ::framerpc::ClientContext* context,\n"
                   "    const $request$& request,\n"
                   "    $response$* reply);\n");
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

void StubClassGenerator::GenerateSource(
    google::protobuf::io::Printer* printer) const {
  printer->Print({{"service", service_.cpp_name}},
                 "$service$::Stub::Stub(\n"
                 "    ::std::shared_ptr<::framerpc::Channel> channel)\n"
                 "    : channel_(::std::move(channel)) {}\n");
  for (const MethodModel& method : service_.methods) {
    // `this->` keeps a method named like a local ("status", "reply") from
    // being shadowed by it.
    printer->Print(MethodVars(service_, method),
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
                   "}\n");
  }
}

}  // namespace codegen
}  // namespace framerpc
