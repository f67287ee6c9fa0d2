// QuoteForStatus: the one way a status message quotes text a peer sent (a
// method name, a symbol, a metadata key). A peer may send up to a frame's
// worth of it, and a message that echoed it whole could outgrow the
// response frame it travels in (a 16 MiB method name once drew a 32 MiB
// reply, over the client's own frame limit) and cost the server a copy of
// attacker-sized text per error. Stateless; thread-safe.
#ifndef FRAMERPC_RPC_QUOTE_FOR_STATUS_H_
#define FRAMERPC_RPC_QUOTE_FOR_STATUS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace framerpc {

// The most bytes of peer text a status message quotes.
inline constexpr size_t kMaxQuotedPeerBytes = 128;

// `peer_text` in single quotes when it is at most kMaxQuotedPeerBytes long:
// 'pkg.Service/Method'. Longer text is cut to its first kMaxQuotedPeerBytes
// bytes (less if that would split a UTF-8 sequence), followed by "..." and
// its full length: 'aaaa...' (16777216 bytes). Bytes that are not valid
// UTF-8 are written as \xNN escapes, since a status message on the wire
// must be valid UTF-8. The result is at most about 4 * kMaxQuotedPeerBytes
// plus 30 bytes long, whatever the input.
std::string QuoteForStatus(absl::string_view peer_text);

}  // namespace framerpc

#endif  // FRAMERPC_RPC_QUOTE_FOR_STATUS_H_
