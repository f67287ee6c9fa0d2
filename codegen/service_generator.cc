#include "codegen/service_generator.h"

#include "codegen/comments.h"
#include "codegen/server_class_generator.h"
#include "codegen/stub_class_generator.h"

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
  ServerClassGenerator(service_).GenerateHeader(printer);
  printer->Print("\n");
  StubClassGenerator(service_).GenerateHeader(printer);
  printer->Outdent();
  printer->Print("};\n");
}

void ServiceGenerator::GenerateSource(
    google::protobuf::io::Printer* printer) const {
  ServerClassGenerator(service_).GenerateSource(printer);
  printer->Print("\n");
  StubClassGenerator(service_).GenerateSource(printer);
}

}  // namespace codegen
}  // namespace framerpc
