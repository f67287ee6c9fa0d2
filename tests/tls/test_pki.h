// TestPki: certificates made at test time, never committed: a CA and the
// leaf certificates it issues (server, client, expired, for another name),
// each written as PEM files into a folder the test owns. Keys are EC P-256,
// made with OpenSSL's library, so nothing secret exists before the test.
//
// Not thread-safe; the files outlive it (the test removes its folder).
#ifndef FRAMERPC_TESTS_TLS_TEST_PKI_H_
#define FRAMERPC_TESTS_TLS_TEST_PKI_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace framerpc {
namespace testing_support {

class TestPki {
 public:
  struct Issued {
    std::string cert_file;  // the certificate, then the CA's (a chain)
    std::string key_file;
  };

  // A self-signed CA named `ca_name`, written to DIR/ca_name.pem.
  static absl::StatusOr<std::unique_ptr<TestPki>> Create(
      const std::string& dir, const std::string& ca_name);
  ~TestPki();

  const std::string& ca_file() const { return ca_file_; }

  // A leaf certificate for `common_name` with the subject alternative
  // names `sans` ("DNS:localhost", "IP:127.0.0.1", "URI:..."), valid from
  // `valid_from` (relative to now; negative is in the past) for
  // `valid_for`, usable by servers and clients, written to DIR/file_stem.pem
  // (with the CA's certificate after it) and DIR/file_stem.key.
  absl::StatusOr<Issued> Issue(const std::string& file_stem,
                               const std::string& common_name,
                               const std::vector<std::string>& sans,
                               absl::Duration valid_from = absl::Hours(-1),
                               absl::Duration valid_for = absl::Hours(48));

 private:
  TestPki(std::string dir, EVP_PKEY* key, X509* certificate,
          std::string ca_file, std::string ca_pem)
      : dir_(std::move(dir)),
        key_(key),
        certificate_(certificate),
        ca_file_(std::move(ca_file)),
        ca_pem_(std::move(ca_pem)) {}

  const std::string dir_;
  EVP_PKEY* const key_;
  X509* const certificate_;
  const std::string ca_file_;
  const std::string ca_pem_;
  long next_serial_ = 2;
};

// A fresh folder under TMPDIR (or /tmp) for one test's files.
std::string MakeTempDir(absl::string_view prefix);

}  // namespace testing_support
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_TLS_TEST_PKI_H_
