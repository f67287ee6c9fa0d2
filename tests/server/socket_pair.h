// Test helpers for server pieces driven without a Server: a connected pair
// of non-blocking Unix stream sockets to stand for a connection, and the
// Response frames that arrived on the peer's end.
#ifndef FRAMERPC_TESTS_SERVER_SOCKET_PAIR_H_
#define FRAMERPC_TESTS_SERVER_SOCKET_PAIR_H_

#include <vector>

#include "base/unique_fd.h"
#include "framing/buffer.h"
#include "proto/wire.pb.h"

namespace framerpc {
namespace test {

struct SocketPair {
  UniqueFd server_end;  // where the code under test writes
  UniqueFd client_end;  // the peer
};

// Both ends non-blocking; ADD_FAILURE (and invalid descriptors) if the
// system cannot make them.
SocketPair MakeSocketPair();

// Reads what `fd` has (without waiting) into `*received`, then takes every
// whole Response frame out of it; a partial frame stays for the next call.
std::vector<wire::Response> TakeResponses(int fd, Buffer* received);
// Takes every whole Response frame out of `*received`.
std::vector<wire::Response> ParseResponses(Buffer* received);

}  // namespace test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_SERVER_SOCKET_PAIR_H_
