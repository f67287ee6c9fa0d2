// BoundAddress: the address clients should use for a server listening on
// `listen`: the listen address with the port the server really bound
// ("[::1]:0" serving on port 41234 is "[::1]:41234"; a unix: address as it
// is). REQUIRES: Server::Listen accepted `listen`, so a TCP address ends in
// ":port".
#ifndef FRAMERPC_EXAMPLES_COMMON_BOUND_ADDRESS_H_
#define FRAMERPC_EXAMPLES_COMMON_BOUND_ADDRESS_H_

#include <string>

namespace framerpc_examples {

std::string BoundAddress(const std::string& listen, int port);

}  // namespace framerpc_examples

#endif  // FRAMERPC_EXAMPLES_COMMON_BOUND_ADDRESS_H_
