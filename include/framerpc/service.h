// Service: the base of every generated `Foo::Service`. It holds the service's
// full proto name ("demo.Echo") and its method table, which the generated
// constructor fills with one AddUnaryMethod() per rpc.
//
// The user owns the service object; Server::AddService only borrows it, so it
// must outlive the server. The table is written only during construction and
// read-only afterwards, so lookups are safe from any thread.
#ifndef FRAMERPC_SERVICE_H_
#define FRAMERPC_SERVICE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "framerpc/method_handler.h"
#include "framerpc/server_context.h"

namespace framerpc {

class Service {
 public:
  virtual ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // The full proto name, e.g. "demo.Echo".
  const std::string& full_name() const { return full_name_; }

  // The handler for a method's wire name ("Say", not "demo.Echo/Say"), or
  // nullptr when the service has no such method. The pointer lives as long
  // as the service.
  const MethodHandler* FindMethod(absl::string_view method_name) const;

  // Wire names of all methods, sorted.
  std::vector<std::string> method_names() const;

 protected:
  explicit Service(absl::string_view full_name);

  // REQUIRES: called only while the subclass is being constructed, once per
  // wire name.
  void AddMethod(absl::string_view method_name,
                 std::unique_ptr<MethodHandler> handler);

  // Registers `method` of `ServiceT` (a subclass of this class, possibly an
  // abstract generated base) under `method_name`. Virtual dispatch picks the
  // user's override when the call runs.
  template <class Request, class Response, class ServiceT>
  void AddUnaryMethod(absl::string_view method_name,
                      absl::Status (ServiceT::*method)(ServerContext&,
                                                       const Request&,
                                                       Response*)) {
    ServiceT* self = static_cast<ServiceT*>(this);
    AddMethod(method_name,
              std::make_unique<UnaryMethodHandler<Request, Response>>(
                  [self, method](ServerContext& context, const Request& request,
                                 Response* response) {
                    return (self->*method)(context, request, response);
                  }));
  }

 private:
  std::string full_name_;
  std::map<std::string, std::unique_ptr<MethodHandler>, std::less<>> methods_;
};

}  // namespace framerpc

#endif  // FRAMERPC_SERVICE_H_
