// Test support: X.509 certificates made in the test (EC P-256, valid from an hour
// ago for a day), written as PEM files.
#pragma once

#include <filesystem>
#include <string>

namespace hwload::testing {

// Writes a new self-signed certificate (CA:TRUE, subjectAltName IP:127.0.0.1 and
// DNS:localhost) and its key as PEM files.
void make_self_signed_cert(const std::string& cert_file, const std::string& key_file);

// PEM files: a CA (what clients trust) and a server certificate it signed.
struct TestCerts {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
};

// Makes a new CA and a server certificate signed by it for `subject_alt_names`
// (OpenSSL syntax), written into `dir` as NAME-ca.pem, NAME-cert.pem and
// NAME-key.pem. Throws std::runtime_error when a file cannot be written.
TestCerts make_test_certs(const std::filesystem::path& dir, const std::string& name = "server",
                          const std::string& subject_alt_names = "DNS:localhost,IP:127.0.0.1");

}  // namespace hwload::testing
