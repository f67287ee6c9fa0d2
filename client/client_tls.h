// A Channel's TLS setup (ChannelOptions::tls, made once by Channel::Create):
// the client context with its trust and certificate, and the name each
// server's certificate must carry. And TlsSessionCache, the session an
// endpoint keeps from its last connection so that the next one resumes it
// (TLS 1.3 tickets) instead of running a full handshake.
//
// ClientTls is a plain value shared by the endpoints; TlsSessionCache is
// thread-safe (a connection's reader stores, a dialing thread takes).
#ifndef FRAMERPC_CLIENT_CLIENT_TLS_H_
#define FRAMERPC_CLIENT_CLIENT_TLS_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "tls/tls_context.h"

namespace framerpc {
namespace internal {

struct ClientTls {
  std::shared_ptr<TlsContext> context;
  // What the server's certificate must name: ChannelOptions::tls.server_name,
  // else the target's host. Empty: each endpoint's own IP address (an
  // "ipv4:" or "ipv6:" list).
  std::string server_name;
};

class TlsSessionCache {
 public:
  // Keeps `session` (the newest wins); null is ignored.
  void Put(SslSessionPtr session) {
    if (session == nullptr) return;
    std::lock_guard<std::mutex> lock(mu_);
    session_ = std::move(session);
  }
  // A reference of its own to the kept session, or null.
  SslSessionPtr Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    if (session_ == nullptr) return nullptr;
    SSL_SESSION_up_ref(session_.get());
    return SslSessionPtr(session_.get());
  }

 private:
  mutable std::mutex mu_;
  SslSessionPtr session_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CLIENT_TLS_H_
