// ServiceGenerator: emits the outer class of one proto service,
// `class Foo final { kServiceName; class Service; class Stub; }`, delegating
// the two nested classes to ServerClassGenerator and StubClassGenerator.
//
// Borrows the model, which must outlive the generator. The printer passed to
// each call is only used during the call.
#ifndef FRAMERPC_CODEGEN_SERVICE_GENERATOR_H_
#define FRAMERPC_CODEGEN_SERVICE_GENERATOR_H_

#include "codegen/file_model.h"
#include "google/protobuf/io/printer.h"

namespace framerpc {
namespace codegen {

class ServiceGenerator {
 public:
  explicit ServiceGenerator(const ServiceModel& service) : service_(service) {}

  // The class definition, at namespace scope.
  void GenerateHeader(google::protobuf::io::Printer* printer) const;
  // The definitions of the nested classes' members, at namespace scope.
  void GenerateSource(google::protobuf::io::Printer* printer) const;

 private:
  const ServiceModel& service_;
};

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_SERVICE_GENERATOR_H_
