#include "tls/tls_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tls/openssl_error.h"
#include "tls/socket_bio.h"

namespace framerpc {
namespace internal {
namespace {

bool IsIpLiteral(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), address) == 1;
}

// An X509_NAME as one line, "CN=client1,O=framerpc tests".
std::string NameLine(X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string line(data, length > 0 ? static_cast<size_t>(length) : 0);
  BIO_free(bio);
  return line;
}

// The DNS names, IP addresses and URIs among a certificate's subject
// alternative names, as "DNS:x", "IP:1.2.3.4", "URI:spiffe://...".
std::vector<std::string> AlternativeNames(X509* certificate) {
  std::vector<std::string> names;
  GENERAL_NAMES* all = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (all == nullptr) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(all); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(all, i);
    if (name->type == GEN_DNS || name->type == GEN_URI) {
      const ASN1_IA5STRING* text = name->d.ia5;
      names.push_back(absl::StrCat(
          name->type == GEN_DNS ? "DNS:" : "URI:",
          absl::string_view(reinterpret_cast<const char*>(text->data),
                            static_cast<size_t>(text->length))));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.ip;
      char text[INET6_ADDRSTRLEN] = "";
      const int family = ip->length == 4 ? AF_INET : AF_INET6;
      if ((ip->length == 4 || ip->length == 16) &&
          inet_ntop(family, ip->data, text, sizeof(text)) != nullptr) {
        names.push_back(absl::StrCat("IP:", text));
      }
    }
  }
  GENERAL_NAMES_free(all);
  return names;
}

// Reads and writes of `ssl` go to `fd` through NewSocketBio.
bool AttachSocket(SSL* ssl, int fd) {
  BIO* bio = NewSocketBio(fd);
  if (bio == nullptr) return false;
  // The same BIO both ways: SSL_set_bio takes the one reference.
  SSL_set_bio(ssl, bio, bio);
  return true;
}

// True when the last call failed because the peer closed or reset the
// connection (OpenSSL 3 reports an end of stream without close_notify as
// an error of its own), not because of TLS itself.
bool PeerClosed() {
  const unsigned long queued = ERR_peek_error();
  if (queued == 0) return errno == 0 || errno == ECONNRESET || errno == EPIPE;
  return ERR_GET_LIB(queued) == ERR_LIB_SSL &&
         ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsStream>> TlsStream::Make(
    std::shared_ptr<TlsContext> context, std::string peer) {
  ClearOpenSslErrors();
  SSL* ssl = SSL_new(context->get());
  if (ssl == nullptr) {
    return absl::InternalError(
        absl::StrCat("start TLS with ", peer, ": ", TakeOpenSslErrors()));
  }
  std::unique_ptr<TlsStream> stream(
      new TlsStream(std::move(context), ssl, std::move(peer)));
  SSL_set_app_data(ssl, stream.get());
  return stream;
}

absl::StatusOr<std::unique_ptr<TlsStream>> TlsStream::ForClient(
    std::shared_ptr<TlsContext> context, int fd, const std::string& host,
    SSL_SESSION* resume, std::string peer) {
  absl::StatusOr<std::unique_ptr<TlsStream>> made =
      Make(std::move(context), std::move(peer));
  if (!made.ok()) return made;
  std::unique_ptr<TlsStream> stream = *std::move(made);
  SSL* ssl = stream->ssl_;
  bool named = false;
  if (IsIpLiteral(host)) {
    named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) ==
            1;
  } else {
    named = SSL_set1_host(ssl, host.c_str()) == 1 &&
            SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
  }
  if (!named || !AttachSocket(ssl, fd)) {
    return absl::InvalidArgumentError(
        absl::StrCat("start TLS with ", stream->peer_, " as '", host,
                     "': ", TakeOpenSslErrors()));
  }
  if (resume != nullptr) SSL_set_session(ssl, resume);
  SSL_set_connect_state(ssl);
  return stream;
}

absl::StatusOr<std::unique_ptr<TlsStream>> TlsStream::ForServer(
    std::shared_ptr<TlsContext> context, int fd, std::string peer) {
  absl::StatusOr<std::unique_ptr<TlsStream>> made =
      Make(std::move(context), std::move(peer));
  if (!made.ok()) return made;
  std::unique_ptr<TlsStream> stream = *std::move(made);
  SSL* ssl = stream->ssl_;
  if (!AttachSocket(ssl, fd)) {
    return absl::InternalError(absl::StrCat(
        "start TLS with ", stream->peer_, ": ", TakeOpenSslErrors()));
  }
  SSL_set_accept_state(ssl);
  return stream;
}

TlsStream::~TlsStream() {
  // A close_notify if the socket takes it: without one OpenSSL counts the
  // connection as broken and refuses to resume its session.
  if (handshake_done_) SSL_shutdown(ssl_);
  ClearOpenSslErrors();
  SSL_free(ssl_);
}

absl::Status TlsStream::Handshake(Want* want) {
  *want = Want::kNothing;
  if (handshake_done_) return absl::OkStatus();
  ClearOpenSslErrors();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    handshake_done_ = true;
    return absl::OkStatus();
  }
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      *want = Want::kRead;
      return absl::OkStatus();
    case SSL_ERROR_WANT_WRITE:
      *want = Want::kWrite;
      return absl::OkStatus();
    default:
      return Failure("handshake", result);
  }
}

absl::StatusOr<TlsStream::Io> TlsStream::Read(char* data, size_t size) {
  ClearOpenSslErrors();
  size_t moved = 0;
  const int result = SSL_read_ex(ssl_, data, size, &moved);
  return Outcome(result, moved, "read");
}

absl::StatusOr<TlsStream::Io> TlsStream::Write(const char* data,
                                               size_t size) {
  ClearOpenSslErrors();
  size_t moved = 0;
  const int result = SSL_write_ex(ssl_, data, size, &moved);
  return Outcome(result, moved, "write");
}

absl::StatusOr<TlsStream::Io> TlsStream::Outcome(int result, size_t moved,
                                                 absl::string_view during) {
  Io io;
  if (result == 1) {
    io.bytes = moved;
    return io;
  }
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      io.want = Want::kRead;
      return io;
    case SSL_ERROR_WANT_WRITE:
      io.want = Want::kWrite;
      return io;
    case SSL_ERROR_ZERO_RETURN:  // close_notify
      if (during == "read") io.end_of_stream = true;
      break;
    case SSL_ERROR_SYSCALL:
    case SSL_ERROR_SSL:
      // For a read, a close without close_notify: to framerpc, whose frames
      // say where they end, the same as a close (a frame cut short is
      // caught there).
      if (during == "read" && PeerClosed()) {
        ClearOpenSslErrors();
        io.end_of_stream = true;
      }
      break;
    default:
      break;
  }
  if (io.end_of_stream) return io;
  return Failure(during, result);
}

absl::Status TlsStream::Failure(absl::string_view during, int result) {
  const int error = SSL_get_error(ssl_, result);
  std::string cause;
  if ((error == SSL_ERROR_SYSCALL || error == SSL_ERROR_SSL) && PeerClosed()) {
    cause = absl::StrCat("the peer closed the connection during the ", during);
    if (!handshake_done_ && !context_->is_server()) {
      absl::StrAppend(&cause, " (a plaintext server, or one that refused ",
                      "this client's certificate?)");
    }
  } else {
    const long verified = SSL_get_verify_result(ssl_);
    cause = TakeOpenSslErrors();
    if (verified != X509_V_OK) {
      absl::StrAppend(&cause, ": ", X509_verify_cert_error_string(verified));
    }
    if (cause.find("wrong version number") != std::string::npos ||
        cause.find("http request") != std::string::npos ||
        cause.find("packet length too long") != std::string::npos) {
      absl::StrAppend(&cause, " (the peer does not speak TLS?)");
    }
    if (cause.find("certificate required") != std::string::npos) {
      // TLS 1.3 clients hear of it only after their handshake is over.
      absl::StrAppend(&cause, " (the server requires a client certificate)");
    }
  }
  return absl::UnavailableError(
      absl::StrCat("TLS ", during, " with ", peer_, " failed: ", cause));
}

bool TlsStream::has_own_certificate() const {
  return SSL_get_certificate(ssl_) != nullptr;
}

bool TlsStream::session_reused() const { return SSL_session_reused(ssl_) == 1; }

std::string TlsStream::alpn() const {
  const unsigned char* name = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &name, &length);
  return std::string(reinterpret_cast<const char*>(name), length);
}

std::string TlsStream::version() const { return SSL_get_version(ssl_); }

std::string TlsStream::PeerIdentity() const {
  X509* certificate = SSL_get1_peer_certificate(ssl_);
  if (certificate == nullptr) return "";
  std::string identity =
      absl::StrCat("subject=", NameLine(X509_get_subject_name(certificate)));
  const std::vector<std::string> names = AlternativeNames(certificate);
  if (!names.empty()) {
    absl::StrAppend(&identity, "; san=", absl::StrJoin(names, ","));
  }
  X509_free(certificate);
  return identity;
}

SslSessionPtr TlsStream::TakeSession() { return std::move(newest_session_); }

int TlsStream::KeepNewSession(SSL* ssl, SSL_SESSION* session) {
  TlsStream* stream = static_cast<TlsStream*>(SSL_get_app_data(ssl));
  // A copy: OpenSSL marks its own object unusable when this connection
  // ends without a close_notify (a peer that crashed, a reset), and the
  // ticket is still good for the next connection then.
  if (stream != nullptr) stream->newest_session_.reset(SSL_SESSION_dup(session));
  return 0;  // OpenSSL keeps and frees its own reference
}

}  // namespace internal
}  // namespace framerpc
