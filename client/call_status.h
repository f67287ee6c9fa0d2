// How a failed call's status reads. Every failure the client makes
// itself says which call failed and where: "call demo.Echo/Say to
// 127.0.0.1:7000: <cause>". (A status the server sent is passed on intact
// instead, as docs/api.md §6, status codes, requires.) Every status made
// here also carries the payload kClientMadePayload, so a caller such as
// framerpc_cli can tell "no server answered" from an UNAVAILABLE a server
// sent (a middle tier passing on its backend's failure). Payloads never
// travel on the wire, so a server's status never carries it. Stateless
// functions; thread-safe.
#ifndef FRAMERPC_CLIENT_CALL_STATUS_H_
#define FRAMERPC_CLIENT_CALL_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace framerpc {
namespace internal {

// The type URL of the (empty) payload that marks a status the client made
// itself: a connect, transport, deadline or cancellation failure.
inline constexpr char kClientMadePayload[] =
    "type.framerpc.dev/framerpc.ClientMadeStatus";

// True when the client made `status` itself (CallError below), false for a
// status a server sent and for OK.
bool IsClientMade(const absl::Status& status);

// "call <method> to <target>: <cause>" with `code`, marked client-made.
absl::Status CallError(absl::StatusCode code, absl::string_view method,
                       absl::string_view target, absl::string_view cause);

// `cause`'s code, its message prefixed as above. REQUIRES: !cause.ok().
absl::Status CallError(const absl::Status& cause, absl::string_view method,
                       absl::string_view target);

// DEADLINE_EXCEEDED: "call <method> to <target>: deadline exceeded after
// <budget>", with " (<stage>)" appended when `stage` is not empty. The
// budget is rounded by HumanDuration ("200ms"), so an absolute deadline
// reads like the timeout the caller had in mind.
absl::Status CallDeadlineExceeded(absl::string_view method,
                                  absl::string_view target,
                                  absl::Duration budget,
                                  absl::string_view stage = "");

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CALL_STATUS_H_
