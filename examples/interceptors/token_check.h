// Bearer-token authentication as a pair of interceptors (framerpc/
// interceptor.h): TokenCheck on the server answers UNAUTHENTICATED any call
// whose "authorization" metadata is not "Bearer <token>", before its
// handler runs; BearerToken on the client adds that metadata to every call
// of a Channel.
//
// A shared secret in metadata is only as private as the connection: use it
// over TLS or a trusted network. Both are immutable after construction and
// so thread-safe, as interceptors must be.
#ifndef FRAMERPC_EXAMPLES_INTERCEPTORS_TOKEN_CHECK_H_
#define FRAMERPC_EXAMPLES_INTERCEPTORS_TOKEN_CHECK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "framerpc/interceptor.h"

namespace framerpc_examples {

// The metadata key that carries the token, as in HTTP and gRPC.
inline constexpr char kAuthorizationKey[] = "authorization";

class TokenCheck final : public framerpc::ServerInterceptor {
 public:
  // Accepts calls carrying "authorization: Bearer <token>". Calls of
  // `open_methods` (full names) pass without it: by default the health
  // check, so that channels with ChannelOptions::health_check, whose probes
  // carry no metadata, still find the server serving. REQUIRES: `token`
  // not empty.
  explicit TokenCheck(
      std::string token,
      std::vector<std::string> open_methods = {"framerpc.health.Health/Check"});

  // OK for a call with the right token (or of an open method);
  // UNAUTHENTICATED otherwise, naming the method and the peer and whether
  // the token was missing or wrong (never the token itself). Compares in
  // time independent of where the tokens differ.
  absl::Status BeforeCall(framerpc::ServerContext& context) override;

 private:
  const std::string expected_;  // "Bearer <token>"
  const std::vector<std::string> open_methods_;
};

class BearerToken final : public framerpc::ClientInterceptor {
 public:
  // Sends "authorization: Bearer <token>" with every call, replacing any
  // value the caller's context set.
  explicit BearerToken(const std::string& token);

  absl::Status BeforeCall(framerpc::ClientCallInfo& call) override;

 private:
  const std::string value_;
};

}  // namespace framerpc_examples

#endif  // FRAMERPC_EXAMPLES_INTERCEPTORS_TOKEN_CHECK_H_
