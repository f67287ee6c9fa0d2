// What OpenSSL says went wrong, for status messages: the reasons on the
// calling thread's OpenSSL error queue, which these functions also clear (a
// reason left there would be blamed on the next, unrelated failure).
//
// Stateless; thread-safe (OpenSSL's error queue is per thread).
#ifndef FRAMERPC_TLS_OPENSSL_ERROR_H_
#define FRAMERPC_TLS_OPENSSL_ERROR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace framerpc {
namespace internal {

// The queued reasons, oldest first, joined by "; " ("no reason given" when
// the queue is empty); empties the queue.
std::string TakeOpenSslErrors();

// Empties the queue without reading it.
void ClearOpenSslErrors();

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_TLS_OPENSSL_ERROR_H_
