#include "tls/tls_context.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "rpc/quote_for_status.h"
#include "tls/openssl_error.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace internal {
namespace {

// "framerpc" as ALPN's wire list: a length byte, then the name.
constexpr unsigned char kAlpnWire[] = "\x08"
                                      "framerpc";
constexpr unsigned int kAlpnWireLength = sizeof(kAlpnWire) - 1;

// Resumed sessions must carry a context id on a server that verifies
// client certificates, or OpenSSL refuses to resume them.
constexpr unsigned char kSessionIdContext[] = "framerpc";

absl::Status FileError(absl::string_view what, const std::string& file) {
  return absl::InvalidArgumentError(absl::StrCat(
      "load TLS ", what, " ", QuoteForStatus(file), ": ", TakeOpenSslErrors()));
}

// Takes "framerpc" when the client offers it; otherwise no ALPN at all
// rather than a failed handshake, so peers and proxies that do not speak
// ALPN still connect.
int SelectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length,
               const unsigned char* offered, unsigned int offered_length,
               void* /*arg*/) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, kAlpnWire, kAlpnWireLength,
                            offered, offered_length) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// This side's certificate chain and its private key, checked to match.
absl::Status LoadCertificateAndKey(SSL_CTX* ctx, const std::string& chain_file,
                                   const std::string& key_file) {
  if (SSL_CTX_use_certificate_chain_file(ctx, chain_file.c_str()) != 1) {
    return FileError("certificate chain", chain_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) !=
      1) {
    return FileError("private key", key_file);
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS private key ", QuoteForStatus(key_file),
        " does not match the certificate in ", QuoteForStatus(chain_file),
        ": ", TakeOpenSslErrors()));
  }
  return absl::OkStatus();
}

absl::StatusOr<SSL_CTX*> NewContext(const SSL_METHOD* method) {
  ClearOpenSslErrors();
  SSL_CTX* context = SSL_CTX_new(method);
  if (context == nullptr) {
    return absl::InternalError(
        absl::StrCat("create TLS context: ", TakeOpenSslErrors()));
  }
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  // Writes resume with the same bytes from wherever the caller's buffer
  // now is, and may end after a record: framerpc's write loops handle
  // short writes as they do for send(2).
  SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return context;
}

}  // namespace

absl::StatusOr<std::shared_ptr<TlsContext>> TlsContext::ForServer(
    const TlsServerFiles& files) {
  if (files.cert_chain_file.empty() || files.private_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS server: a certificate chain file and a private key file are "
        "both needed");
  }
  absl::StatusOr<SSL_CTX*> made = NewContext(TLS_server_method());
  if (!made.ok()) return made.status();
  const bool verify_clients = !files.client_ca_file.empty();
  std::shared_ptr<TlsContext> context(
      new TlsContext(*made, /*is_server=*/true, verify_clients));
  SSL_CTX* ctx = context->get();
  absl::Status loaded = LoadCertificateAndKey(ctx, files.cert_chain_file,
                                              files.private_key_file);
  if (!loaded.ok()) return loaded;
  if (verify_clients) {
    if (SSL_CTX_load_verify_locations(ctx, files.client_ca_file.c_str(),
                                      nullptr) != 1) {
      return FileError("client CA", files.client_ca_file);
    }
    STACK_OF(X509_NAME)* names =
        SSL_load_client_CA_file(files.client_ca_file.c_str());
    if (names == nullptr) return FileError("client CA", files.client_ca_file);
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  }
  // A TLS 1.2 client asking to renegotiate is refused: a renegotiation
  // makes a server's reads write (and wait for the socket to take it),
  // which its loop, reading only on POLLIN, does not expect.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext,
                                 sizeof(kSessionIdContext) - 1);
  SSL_CTX_set_alpn_select_cb(ctx, &SelectAlpn, nullptr);
  return context;
}

absl::StatusOr<std::shared_ptr<TlsContext>> TlsContext::ForClient(
    const TlsClientFiles& files) {
  if (files.cert_chain_file.empty() != files.private_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS client: a client certificate chain file and its private key "
        "file go together; only one was given");
  }
  absl::StatusOr<SSL_CTX*> made = NewContext(TLS_client_method());
  if (!made.ok()) return made.status();
  std::shared_ptr<TlsContext> context(new TlsContext(
      *made, /*is_server=*/false, /*requires_client_cert=*/false));
  SSL_CTX* ctx = context->get();
  if (files.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return absl::InternalError(absl::StrCat(
          "load the system's TLS trust store: ", TakeOpenSslErrors()));
    }
  } else if (SSL_CTX_load_verify_locations(ctx, files.ca_file.c_str(),
                                           nullptr) != 1) {
    return FileError("CA", files.ca_file);
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!files.cert_chain_file.empty()) {
    absl::Status loaded = LoadCertificateAndKey(ctx, files.cert_chain_file,
                                                files.private_key_file);
    if (!loaded.ok()) return loaded;
  }
  // 0 means success here.
  if (SSL_CTX_set_alpn_protos(ctx, kAlpnWire, kAlpnWireLength) != 0) {
    return absl::InternalError(
        absl::StrCat("offer ALPN: ", TakeOpenSslErrors()));
  }
  // Tickets the server sends are handed to the stream they came on
  // (TlsStream::TakeSession), for the next connection to resume.
  SSL_CTX_set_session_cache_mode(
      ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &TlsStream::KeepNewSession);
  return context;
}

}  // namespace internal
}  // namespace framerpc
