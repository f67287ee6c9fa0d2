// CheckProtoFullName: whether text a peer sent can be the full name of a
// proto symbol ("pkg.Service", "pkg.Service/Method"), checked in time
// linear in its length before anything costlier looks it up. protobuf's
// own symbol lookup is not linear: a 120 KB name made of dots held a
// worker for 2 s in DescriptorPool::FindFileContainingSymbol. Stateless;
// thread-safe.
#ifndef FRAMERPC_RPC_PROTO_NAME_H_
#define FRAMERPC_RPC_PROTO_NAME_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace framerpc {

// The longest name accepted, in bytes. Real full names are a package, a
// type or service and a member: tens of bytes, rarely a few hundred.
inline constexpr size_t kMaxProtoNameSize = 1024;

enum class ProtoNameForm {
  // Identifiers separated by single dots: "pkg.Service", "pkg.Msg.Field".
  kDotted,
  // As kDotted, or with one '/' in place of the last dot, the wire
  // spelling of a method: "pkg.Service/Method".
  kDottedOrMethod,
};

// OK when `name` is empty (callers give it its own meaning) or is
// identifiers ([A-Za-z_][A-Za-z0-9_]*) joined as `form` allows, at most
// kMaxProtoNameSize bytes. Otherwise INVALID_ARGUMENT saying which rule it
// breaks, quoting `name` with QuoteForStatus after `what` ("symbol").
absl::Status CheckProtoFullName(absl::string_view name, ProtoNameForm form,
                                absl::string_view what);

}  // namespace framerpc

#endif  // FRAMERPC_RPC_PROTO_NAME_H_
