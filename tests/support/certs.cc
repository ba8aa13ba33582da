#include "support/certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <utility>

namespace hwload::testing {

namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

KeyPtr new_key() {
  KeyPtr key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) throw std::runtime_error("cannot generate an EC key");
  return key;
}

// A certificate for `key` named `common_name` with `extensions` (NID, OpenSSL
// config value), signed by `issuer_key`; `issuer` null: self-signed.
CertPtr new_cert(EVP_PKEY* key, const char* common_name, X509* issuer, EVP_PKEY* issuer_key,
                 std::initializer_list<std::pair<int, const char*>> extensions) {
  CertPtr cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[8];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext) throw std::runtime_error(std::string("bad certificate extension ") + value);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (!X509_sign(cert.get(), issuer_key, EVP_sha256())) throw std::runtime_error("cannot sign a certificate");
  return cert;
}

void write_cert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + path);
  const bool ok = PEM_write_X509(f, cert) == 1;
  std::fclose(f);
  if (!ok) throw std::runtime_error("cannot write " + path);
}

void write_key(const std::string& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + path);
  const bool ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(f);
  if (!ok) throw std::runtime_error("cannot write " + path);
}

}  // namespace

void make_self_signed_cert(const std::string& cert_file, const std::string& key_file) {
  KeyPtr key = new_key();
  CertPtr cert =
      new_cert(key.get(), "hwload test receiver", nullptr, key.get(),
               {{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"}, {NID_basic_constraints, "critical,CA:TRUE"}});
  write_cert(cert_file, cert.get());
  write_key(key_file, key.get());
}

TestCerts make_test_certs(const std::filesystem::path& dir, const std::string& name,
                          const std::string& subject_alt_names) {
  KeyPtr ca_key = new_key();
  CertPtr ca = new_cert(ca_key.get(), "hwload test CA", nullptr, ca_key.get(),
                        {{NID_basic_constraints, "critical,CA:TRUE"},
                         {NID_key_usage, "critical,keyCertSign,cRLSign"},
                         {NID_subject_key_identifier, "hash"}});
  KeyPtr key = new_key();
  CertPtr cert = new_cert(key.get(), "hwload test server", ca.get(), ca_key.get(),
                          {{NID_subject_alt_name, subject_alt_names.c_str()},
                           {NID_basic_constraints, "critical,CA:FALSE"},
                           {NID_key_usage, "critical,digitalSignature"},
                           {NID_ext_key_usage, "serverAuth"},
                           {NID_subject_key_identifier, "hash"},
                           {NID_authority_key_identifier, "keyid"}});
  TestCerts out;
  out.ca_cert = (dir / (name + "-ca.pem")).string();
  out.server_cert = (dir / (name + "-cert.pem")).string();
  out.server_key = (dir / (name + "-key.pem")).string();
  write_cert(out.ca_cert, ca.get());
  write_cert(out.server_cert, cert.get());
  write_key(out.server_key, key.get());
  return out;
}

}  // namespace hwload::testing
