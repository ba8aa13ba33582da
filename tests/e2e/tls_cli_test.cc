// The real hwload-server speaking only HTTPS (--tls-cert, --tls-key) and the hwload
// CLI trusting its CA (--ca-file or HWLOAD_CA_FILE), with an operator token made
// by `hwload-server token create`.
#include <gtest/gtest.h>
#include <netdb.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/certs.h"
#include "support/process.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

std::string show(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

std::string last_line(const std::string& text) {
  std::string line, last;
  std::istringstream in(text);
  while (std::getline(in, line)) last = line;
  return last;
}

bool localhost_resolves() {
  addrinfo* found = nullptr;
  const bool ok = ::getaddrinfo("localhost", nullptr, nullptr, &found) == 0;
  if (found) ::freeaddrinfo(found);
  return ok;
}

class TlsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = make_test_certs(dir_.path());
    const auto token = run({HWLOAD_SERVER_BIN, "--db", db_, "token", "create", "--role", "operator"});
    ASSERT_EQ(token.exit_code, 0) << show(token);
    token_ = last_line(token.out);
    server_ = std::make_unique<ServerProcess>(
        HWLOAD_SERVER_BIN, db_, dir_.path().string(),
        std::vector<std::string>{"--tls-cert", certs_.server_cert, "--tls-key", certs_.server_key});
    // By name where the machine resolves "localhost" (the certificate's DNS name,
    // and SNI); a minimal system without /etc/hosts gets the certificate's IP.
    url_ = std::string("https://") + (localhost_resolves() ? "localhost" : "127.0.0.1") + ":" +
           std::to_string(server_->port());
  }

  // Runs `hwload --server URL args...` with the token in the environment.
  CommandResult hw(const std::vector<std::string>& args, std::vector<std::string> env = {}) const {
    std::vector<std::string> argv = {HWLOAD_CLI_BIN, "--server", url_};
    argv.insert(argv.end(), args.begin(), args.end());
    env.push_back("HWLOAD_TOKEN=" + token_);
    return run(argv, env);
  }

  CommandResult put_school(std::vector<std::string> before, std::vector<std::string> env = {}) const {
    std::vector<std::string> args = std::move(before);
    for (const char* a : {"school", "put", "s1", "--name", "实验小学", "--district", "海淀区"}) args.push_back(a);
    return hw(args, std::move(env));
  }

  TempDir dir_;
  std::string db_ = (dir_.path() / "hwload.db").string();
  TestCerts certs_;
  std::string token_;
  std::unique_ptr<ServerProcess> server_;
  std::string url_;
};

TEST_F(TlsCli, CliWithTheCaFileRegistersAndReadsASchoolOverHttps) {
  auto r = put_school({"--ca-file", certs_.ca_cert});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_EQ(r.out, "school s1 (实验小学, 海淀区, profile national) saved\n");
  r = hw({"--ca-file", certs_.ca_cert, "school", "get", "s1"});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_NE(r.out.find("实验小学"), std::string::npos) << show(r);
  EXPECT_NE(server_->log().find("listening on https://127.0.0.1:"), std::string::npos) << server_->log();
}

TEST_F(TlsCli, CliTakesTheCaFileFromTheEnvironment) {
  const auto r = put_school({}, {"HWLOAD_CA_FILE=" + certs_.ca_cert});
  EXPECT_EQ(r.exit_code, 0) << show(r);
}

TEST_F(TlsCli, CliWithoutTheCaFileRefusesTheServerAndNothingIsStored) {
  auto r = put_school({});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.err.find("could not be verified"), std::string::npos) << show(r);
  r = hw({"--ca-file", certs_.ca_cert, "school", "get", "s1"});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.err.find("404"), std::string::npos) << show(r);
}

TEST_F(TlsCli, CliRejectsAMissingCaFileAsUsage) {
  const auto r = put_school({"--ca-file", (dir_.path() / "nope.pem").string()});
  EXPECT_EQ(r.exit_code, 2) << show(r);
}

TEST(TlsServerFlags, OneOfTheTwoTlsFlagsAloneIsAUsageError) {
  TempDir dir;
  const auto certs = make_test_certs(dir.path());
  const std::string db = (dir.path() / "hwload.db").string();
  auto r = run({HWLOAD_SERVER_BIN, "--db", db, "--listen", "127.0.0.1:0", "--tls-cert", certs.server_cert});
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_NE(r.err.find("only the certificate is set"), std::string::npos) << show(r);
  r = run({HWLOAD_SERVER_BIN, "--db", db, "--listen", "127.0.0.1:0", "--tls-key", certs.server_key});
  EXPECT_EQ(r.exit_code, 2) << show(r);
  EXPECT_NE(r.err.find("only the key is set"), std::string::npos) << show(r);
}

TEST(TlsServerFlags, AKeyThatIsNotPemStopsTheServerNamingTheFile) {
  TempDir dir;
  const auto certs = make_test_certs(dir.path());
  const std::string bad_key = (dir.path() / "bad-key.pem").string();
  std::ofstream(bad_key) << "not a key\n";
  const auto r = run({HWLOAD_SERVER_BIN, "--db", (dir.path() / "hwload.db").string(), "--listen", "127.0.0.1:0",
                      "--tls-cert", certs.server_cert, "--tls-key", bad_key});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.err.find(bad_key), std::string::npos) << show(r);
}

}  // namespace
}  // namespace hwload::testing
