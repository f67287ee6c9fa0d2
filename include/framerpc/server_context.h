// ServerContext: what a handler knows about the call it serves (method, peer,
// deadline, the caller's metadata, whether the caller is still waiting) and
// the metadata it sends back.
//
// The server creates one per call and passes it by reference to the
// server's interceptors (framerpc/interceptor.h) and the handler; it lives
// until the response is sent (for a deferred call, until its
// ServerResponder finishes). Not thread-safe: a handler that hands
// the context to other threads must synchronise itself. IsCancelled() alone
// may be called from any thread.
#ifndef FRAMERPC_SERVER_CONTEXT_H_
#define FRAMERPC_SERVER_CONTEXT_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "framerpc/metadata.h"
#include "framerpc/server_responder.h"
#include "google/protobuf/message.h"

namespace framerpc {

namespace internal {
class DeferralSource;
struct ServerContextAccess;
}  // namespace internal

template <class Request, class Response>
class UnaryMethodHandler;

class ServerContext {
 public:
  // `deadline` is absl::InfiniteFuture() for a call without one.
  ServerContext(std::string method, std::string peer, absl::Time deadline,
                Metadata metadata);
  // As above, for a call that can be cancelled: IsCancelled() reports
  // `cancelled`, which the server sets (null: never cancelled).
  ServerContext(std::string method, std::string peer, absl::Time deadline,
                Metadata metadata,
                std::shared_ptr<const std::atomic<bool>> cancelled);
  // As above, for a call that came over TLS: `peer_identity` is what
  // peer_identity() reports.
  ServerContext(std::string method, std::string peer, absl::Time deadline,
                Metadata metadata,
                std::shared_ptr<const std::atomic<bool>> cancelled,
                std::string peer_identity);

  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  // The full method name, "package.Service/Method".
  const std::string& method() const { return method_; }
  // The caller's address: "127.0.0.1:41234", "[::1]:41234" or "unix:/path".
  const std::string& peer() const { return peer_; }
  // The verified TLS client certificate the caller's connection presented
  // (servers with ServerOptions::tls.client_ca_file set require one): its
  // subject, then its subject alternative names (DNS names, IP addresses,
  // URIs) when it has any, as
  //   "subject=O=Example,CN=client1; san=DNS:client1.example,IP:10.0.0.7"
  // (the subject in RFC 2253 form). Empty on a plaintext connection and on
  // a TLS one whose client sent no certificate. Set by the server, never by
  // the caller: safe to authorize with.
  const std::string& peer_identity() const { return peer_identity_; }
  // When the caller stops waiting; absl::InfiniteFuture() if never.
  absl::Time deadline() const { return deadline_; }
  // True once the deadline has passed: the answer will not be read.
  bool IsExpired() const;
  // True once the caller cancelled the call (framerpc.Control/Cancel) or
  // went away: its connection was reset or closed, or the peer finished
  // sending on it. Its answer will not be read, so a long handler may stop
  // early; whatever it returns is still sent if the connection is open.
  // Never true for a handler of a service registered with inline_handlers,
  // which runs before anything else can happen on its connection.
  bool IsCancelled() const;

  // The caller's metadata, with what interceptors added.
  const Metadata& metadata() const { return metadata_; }
  // Adds (or replaces) a key of metadata(), as if the caller had sent it:
  // for a ServerInterceptor's BeforeCall (framerpc/interceptor.h) to hand
  // the handler what it established, e.g. the caller's identity after a
  // token check. Replacing matters there: a caller must not be able to
  // send that key itself.
  void AddRequestMetadata(absl::string_view key, absl::string_view value);

  // Adds (or replaces) a key sent back with the response, whatever its status.
  void AddResponseMetadata(absl::string_view key, absl::string_view value);
  const Metadata& response_metadata() const { return response_metadata_; }

  // Takes the call's answer out of the handler's return, for a handler
  // that answers later, from another thread, without holding its own
  // while it waits (framerpc/server_responder.h). The handler then
  // returns at once; what it returns is ignored. The request, the reply
  // and this context stay alive until the responder finishes. Only the
  // first Defer of a call counts: later ones return an empty responder,
  // as does Defer on a context the server did not make. A handler that
  // throws after Defer is answered INTERNAL at once, as any that throws
  // (the responder's Finish then does nothing).
  ServerResponder Defer();
  // Whether Defer was called (and counted).
  bool deferred() const { return deferred_; }

 private:
  friend struct internal::ServerContextAccess;
  template <class Request, class Response>
  friend class UnaryMethodHandler;

  // A deferred call's request, kept for as long as this context.
  void KeepRequest(std::unique_ptr<google::protobuf::Message> request) {
    kept_request_ = std::move(request);
  }

  std::string method_;
  std::string peer_;
  std::string peer_identity_;
  absl::Time deadline_;
  Metadata metadata_;
  Metadata response_metadata_;
  std::shared_ptr<const std::atomic<bool>> cancelled_;
  // Set by the server that runs the handler; null otherwise.
  internal::DeferralSource* deferral_source_ = nullptr;
  bool deferred_ = false;
  std::unique_ptr<google::protobuf::Message> kept_request_;
};

}  // namespace framerpc

#endif  // FRAMERPC_SERVER_CONTEXT_H_
