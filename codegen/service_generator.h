// ServiceGenerator: emits everything one proto service becomes, as protobuf's
// cpp service generator does: in the header, the outer class
// `class Foo final { kServiceName; class Service; class Stub; }`; in the
// source, the out-of-line members of the two nested classes. `Foo::Service`
// is the base class a server subclasses (its constructor registers every
// method, its default bodies return UNIMPLEMENTED); `Foo::Stub` is the
// client's typed view, each method one call into framerpc::Channel::Call.
//
// Borrows the model, which must outlive the generator. The printer passed to
// each call is only used during the call. Holds no state of its own, so
// several threads may generate from one model, each with its own printer.
#ifndef FRAMERPC_CODEGEN_SERVICE_GENERATOR_H_
#define FRAMERPC_CODEGEN_SERVICE_GENERATOR_H_

#include <map>
#include <string>

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
  // The nested class declarations, at the printer's current indentation
  // (inside the outer class).
  void GenerateServiceDeclaration(google::protobuf::io::Printer* printer) const;
  void GenerateStubDeclaration(google::protobuf::io::Printer* printer) const;
  // Their out-of-line definitions, at namespace scope.
  void GenerateServiceDefinitions(google::protobuf::io::Printer* printer) const;
  void GenerateStubDefinitions(google::protobuf::io::Printer* printer) const;

  // One method's printer variables, shared by the Service and Stub halves so
  // that both spell a method the same way: $service$ (C++ class, "Echo"),
  // $qualified_service$ ("::demo::Echo"), $method$ (C++ name), $wire_name$
  // ("Say"), $full_method$ ("demo.Echo/Say"), $request$ and $response$
  // (fully qualified message classes).
  std::map<std::string, std::string> MethodVars(
      const MethodModel& method) const;

  const ServiceModel& service_;
};

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_SERVICE_GENERATOR_H_
