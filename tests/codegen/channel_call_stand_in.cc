// TEMPORARY stand-in, compiled only while this tree has no framerpc_client
// (see CMakeLists.txt): generated Stub code calls Channel::Call, and the
// service tests link the whole generated object file, stubs included. It
// is never called: tests that use a Stub are built only with the real
// client. Deleted from the build automatically once client/ is present.
#include "absl/strings/str_cat.h"
#include "client/channel.h"

namespace framerpc {

absl::Status Channel::Call(absl::string_view method,
                           const google::protobuf::Message& /*request*/,
                           google::protobuf::Message* /*response*/,
                           ClientContext* /*context*/) {
  return absl::UnimplementedError(
      absl::StrCat("call ", method,
                   ": framerpc_client is not built in this "
                   "tree (test stand-in)"));
}

}  // namespace framerpc
