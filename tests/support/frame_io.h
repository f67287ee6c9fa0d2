// Test support: blocking frame I/O on one socket, for the scripted peers of
// the server and client tests (RawClient, FakeServer). The library moves
// bytes through Buffer on its own connections; only a scripted peer wants a
// whole frame per call, so this lives with the tests, not in framing/.
//
// Write a whole frame, read a whole frame.
// Each loops until every byte has moved: partial send/recv, EINTR (retried),
// and EAGAIN on a non-blocking socket (waits in poll(2) until `deadline`).
// Writes use MSG_NOSIGNAL, so a closed peer is an error, never SIGPIPE.
//
// Borrow the fd; never close it. Not thread-safe per fd: one writer and one
// reader at a time (they may be different threads).
#ifndef FRAMERPC_TESTS_SUPPORT_FRAME_IO_H_
#define FRAMERPC_TESTS_SUPPORT_FRAME_IO_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace framerpc {

// Sends every byte of `data`. DEADLINE_EXCEEDED (with the count sent so far)
// when `deadline` passes first; the errno's status (e.g. EPIPE, ECONNRESET)
// when the socket fails. After an error the stream is unusable: some prefix
// of `data` may have been sent.
absl::Status WriteAll(int fd, absl::string_view data,
                      absl::Time deadline = absl::InfiniteFuture());

// Sends one frame: the 4-byte big-endian length of `body`, then `body`,
// gathered into as few system calls as the socket allows. Fails
// RESOURCE_EXHAUSTED, sending nothing, if `body` is longer than the prefix
// can describe. Otherwise as WriteAll.
absl::Status WriteFrame(int fd, absl::string_view body,
                        absl::Time deadline = absl::InfiniteFuture());

enum class ReadOutcome {
  kFrame,        // `*body` holds one whole frame body
  kEndOfStream,  // the peer closed cleanly between frames; `*body` is empty
};

// Receives one frame into `*body` (replacing its contents). The length is
// checked against `max_body_size` before anything is allocated for the body:
// RESOURCE_EXHAUSTED naming both sizes. A peer that closes inside a frame is
// UNAVAILABLE naming how many bytes of the prefix or body were missing.
// DEADLINE_EXCEEDED when `deadline` passes first. After any error the stream
// is unusable.
absl::StatusOr<ReadOutcome> ReadFrame(
    int fd, size_t max_body_size, std::string* body,
    absl::Time deadline = absl::InfiniteFuture());

}  // namespace framerpc

#endif  // FRAMERPC_TESTS_SUPPORT_FRAME_IO_H_
