// UTF-8 checks for the wire's proto3 `string` fields (method, status message,
// metadata keys): protobuf refuses to parse a message whose string field is
// not valid UTF-8, so one bad byte from a handler or caller would break the
// whole frame at the receiver. Senders check, or escape, first.
// Stateless functions; thread-safe.
#ifndef FRAMERPC_RPC_UTF8_H_
#define FRAMERPC_RPC_UTF8_H_

#include <string>

#include "absl/strings/string_view.h"

namespace framerpc {

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// `text` itself when valid; otherwise `text` with every byte outside ASCII
// written as a \xNN escape, so the meaning survives in readable form.
std::string ValidUtf8OrEscaped(absl::string_view text);

}  // namespace framerpc

#endif  // FRAMERPC_RPC_UTF8_H_
