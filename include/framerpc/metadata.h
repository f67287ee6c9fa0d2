// Metadata: the key/value pairs that travel beside a call, in either
// direction (docs/protocol.md §3, field 4 of Request and Response). Keys are
// strings, values are arbitrary bytes; a key appears at most once. A plain
// value type: thread-compatible, no shared state.
#ifndef FRAMERPC_METADATA_H_
#define FRAMERPC_METADATA_H_

#include <map>
#include <string>

namespace framerpc {

// Ordered so that iteration (and so logging and tests) is deterministic.
using Metadata = std::map<std::string, std::string>;

}  // namespace framerpc

#endif  // FRAMERPC_METADATA_H_
