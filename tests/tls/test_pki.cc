#include "tests/tls/test_pki.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace framerpc {
namespace testing_support {
namespace {

absl::Status OpenSslFailure(absl::string_view what) {
  char reason[256] = "";
  ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
  ERR_clear_error();
  return absl::InternalError(absl::StrCat(what, ": ", reason));
}

EVP_PKEY* NewKey() { return EVP_EC_gen("P-256"); }

bool AddExtension(X509* certificate, X509* issuer, int nid,
                  const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension =
      X509V3_EXT_nconf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(certificate, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate for `key`, named `common_name`, valid as given, not signed.
X509* NewCertificate(EVP_PKEY* key, const std::string& common_name,
                     long serial, absl::Duration valid_from,
                     absl::Duration valid_for) {
  X509* certificate = X509_new();
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial);
  X509_gmtime_adj(X509_getm_notBefore(certificate),
                  absl::ToInt64Seconds(valid_from));
  X509_gmtime_adj(X509_getm_notAfter(certificate),
                  absl::ToInt64Seconds(valid_from + valid_for));
  X509_set_pubkey(certificate, key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(
      name, "O", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("framerpc tests"), -1, -1, 0);
  return certificate;
}

std::string CertificatePem(X509* certificate) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, certificate);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  return pem;
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(length));
  BIO_free(bio);
  return pem;
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("write ", path));
  return absl::OkStatus();
}

}  // namespace

std::string MakeTempDir(absl::string_view prefix) {
  const char* base = getenv("TMPDIR");
  std::string path = absl::StrCat(base != nullptr ? base : "/tmp", "/",
                                  prefix, "XXXXXX");
  if (mkdtemp(path.data()) == nullptr) return "";
  return path;
}

absl::StatusOr<std::unique_ptr<TestPki>> TestPki::Create(
    const std::string& dir, const std::string& ca_name) {
  EVP_PKEY* key = NewKey();
  if (key == nullptr) return OpenSslFailure("make the CA's key");
  X509* certificate = NewCertificate(key, ca_name, /*serial=*/1,
                                     absl::Hours(-1), absl::Hours(24 * 30));
  X509_set_issuer_name(certificate, X509_get_subject_name(certificate));
  if (!AddExtension(certificate, certificate, NID_basic_constraints,
                    "critical,CA:TRUE") ||
      !AddExtension(certificate, certificate, NID_key_usage,
                    "critical,keyCertSign,cRLSign") ||
      !AddExtension(certificate, certificate, NID_subject_key_identifier,
                    "hash") ||
      X509_sign(certificate, key, EVP_sha256()) == 0) {
    X509_free(certificate);
    EVP_PKEY_free(key);
    return OpenSslFailure("make the CA's certificate");
  }
  const std::string pem = CertificatePem(certificate);
  const std::string file = absl::StrCat(dir, "/", ca_name, ".pem");
  if (absl::Status written = WriteFile(file, pem); !written.ok()) {
    X509_free(certificate);
    EVP_PKEY_free(key);
    return written;
  }
  return std::unique_ptr<TestPki>(
      new TestPki(dir, key, certificate, file, pem));
}

TestPki::~TestPki() {
  X509_free(certificate_);
  EVP_PKEY_free(key_);
}

absl::StatusOr<TestPki::Issued> TestPki::Issue(
    const std::string& file_stem, const std::string& common_name,
    const std::vector<std::string>& sans, absl::Duration valid_from,
    absl::Duration valid_for) {
  EVP_PKEY* key = NewKey();
  if (key == nullptr) return OpenSslFailure("make a key");
  X509* certificate = NewCertificate(key, common_name, next_serial_++,
                                     valid_from, valid_for);
  X509_set_issuer_name(certificate, X509_get_subject_name(certificate_));
  bool made = AddExtension(certificate, certificate_, NID_basic_constraints,
                           "CA:FALSE") &&
              AddExtension(certificate, certificate_, NID_ext_key_usage,
                           "serverAuth,clientAuth") &&
              AddExtension(certificate, certificate_,
                           NID_authority_key_identifier, "keyid");
  if (made && !sans.empty()) {
    made = AddExtension(certificate, certificate_, NID_subject_alt_name,
                        absl::StrJoin(sans, ","));
  }
  made = made && X509_sign(certificate, key_, EVP_sha256()) != 0;
  if (!made) {
    X509_free(certificate);
    EVP_PKEY_free(key);
    return OpenSslFailure(absl::StrCat("issue a certificate for ",
                                       common_name));
  }
  Issued issued{absl::StrCat(dir_, "/", file_stem, ".pem"),
                absl::StrCat(dir_, "/", file_stem, ".key")};
  absl::Status written =
      WriteFile(issued.cert_file, CertificatePem(certificate) + ca_pem_);
  if (written.ok()) written = WriteFile(issued.key_file, KeyPem(key));
  X509_free(certificate);
  EVP_PKEY_free(key);
  if (!written.ok()) return written;
  return issued;
}

}  // namespace testing_support
}  // namespace framerpc
