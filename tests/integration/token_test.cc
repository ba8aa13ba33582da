// Access tokens (server/auth/token.h) and their storage: the format, the parsing of
// what clients send, the constant-time check, and that only a hash is kept.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "auth/token.h"
#include "hwload/client/client.h"
#include "store/store.h"
#include "support/test_server.h"

namespace hwload::auth {
namespace {

TEST(Token, GeneratedTokenParsesBackToItsIdAndASecretThatMatchesTheStoredHash) {
  const NewToken t = generate_token();
  EXPECT_EQ(t.token_id.size(), 16u);
  EXPECT_EQ(t.secret_hash.size(), 32u);
  ASSERT_EQ(t.token.rfind("hwl_" + t.token_id + "_", 0), 0u) << t.token;
  const auto parsed = parse_token(t.token);
  ASSERT_TRUE(parsed.has_value()) << t.token;
  EXPECT_EQ(parsed->token_id, t.token_id);
  EXPECT_EQ(parsed->secret.size(), 43u);  // 256 bits, base64url
  EXPECT_TRUE(secret_matches(parsed->secret, t.secret_hash));
  EXPECT_EQ(t.token.find(t.secret_hash), std::string::npos);
}

TEST(Token, EveryTokenIsDifferent) {
  std::set<std::string> ids, tokens;
  for (int i = 0; i < 1000; ++i) {
    const NewToken t = generate_token();
    ids.insert(t.token_id);
    tokens.insert(t.token);
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(tokens.size(), 1000u);
}

TEST(Token, ASecretDifferingInOneCharacterDoesNotMatch) {
  const NewToken t = generate_token();
  std::string secret = parse_token(t.token)->secret;
  secret.back() = secret.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(secret_matches(secret, t.secret_hash));
  EXPECT_FALSE(secret_matches("", t.secret_hash));
  EXPECT_FALSE(secret_matches(parse_token(t.token)->secret, ""));
}

TEST(Token, MalformedTokensAreNotParsed) {
  const std::string good = generate_token().token;
  EXPECT_FALSE(parse_token(""));
  EXPECT_FALSE(parse_token("hwl_"));
  EXPECT_FALSE(parse_token(good.substr(0, good.size() - 1)));
  EXPECT_FALSE(parse_token(good + "A"));
  EXPECT_FALSE(parse_token("xyz_" + good.substr(4)));
  std::string upper_id = good;
  upper_id[4] = 'G';  // not a hex digit
  EXPECT_FALSE(parse_token(upper_id));
  std::string bad_secret = good;
  bad_secret.back() = '+';  // base64, not base64url
  EXPECT_FALSE(parse_token(bad_secret));
  std::string no_separator = good;
  no_separator[20] = 'x';
  EXPECT_FALSE(parse_token(no_separator));
}

TEST(Token, BearerHeaderIsParsedWithAnyCaseOfTheSchemeAndNothingElse) {
  const std::string token = generate_token().token;
  EXPECT_TRUE(parse_bearer("Bearer " + token));
  EXPECT_TRUE(parse_bearer("bearer " + token));
  EXPECT_TRUE(parse_bearer("BEARER  " + token + " "));
  EXPECT_FALSE(parse_bearer("Basic " + token));
  EXPECT_FALSE(parse_bearer(token));
  EXPECT_FALSE(parse_bearer("Bearer"));
  EXPECT_FALSE(parse_bearer("Bearer "));
}

TEST(TokenStore, StoresTheHashNotTheSecretAndRevokesOnce) {
  testing::TempDir dir;
  const std::string path = (dir.path() / "t.db").string();
  const NewToken t = generate_token();
  {
    auto store = store::Store::open(path);
    store::TokenRecord r;
    r.token_id = t.token_id;
    r.secret_hash = t.secret_hash;
    r.role = "teacher";
    r.school_id = "s1";
    r.classes = {"c5", "c6"};
    r.created_at = "2026-11-23T02:00:00.000Z";
    store->insert_token(r);
    const auto back = store->token(t.token_id);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->secret_hash, t.secret_hash);
    EXPECT_EQ(back->classes, (std::vector<std::string>{"c5", "c6"}));
    EXPECT_EQ(back->revoked_at, "");
    EXPECT_TRUE(store->revoke_token(t.token_id, "2026-11-23T03:00:00.000Z"));
    EXPECT_FALSE(store->revoke_token(t.token_id, "2026-11-23T04:00:00.000Z"));
    EXPECT_EQ(store->token(t.token_id)->revoked_at, "2026-11-23T03:00:00.000Z");
    EXPECT_FALSE(store->revoke_token("0000000000000000", "2026-11-23T04:00:00.000Z"));
  }
  // Nowhere in the file (or its WAL) is the secret.
  const std::string secret = parse_token(t.token)->secret;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(secret), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find(t.token), std::string::npos) << entry.path();
  }
}

// One HTTP exchange on a loopback port: records the request's header block and
// answers 200 with an empty body.
class OneShotServer {
 public:
  OneShotServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 1);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      while (head_.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        head_.append(buf, static_cast<size_t>(n));
      }
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)::write(c, answer.data(), answer.size());
      ::close(c);
    });
  }
  ~OneShotServer() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string head() {
    if (thread_.joinable()) thread_.join();
    return head_;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::string head_;
};

TEST(ClientToken, TheSdkSendsItsTokenAsABearerCredential) {
  OneShotServer server;
  client::ClientOptions options;
  options.base_url = server.url();
  options.max_attempts = 1;
  options.token = generate_token().token;
  client::Client c(options);
  (void)c.healthz();
  EXPECT_NE(server.head().find("\r\nAuthorization: Bearer " + options.token + "\r\n"), std::string::npos)
      << server.head();
}

TEST(ClientToken, WithoutATokenNoAuthorizationHeaderIsSent) {
  OneShotServer server;
  client::ClientOptions options;
  options.base_url = server.url();
  options.max_attempts = 1;
  client::Client c(options);
  (void)c.healthz();
  EXPECT_EQ(server.head().find("Authorization"), std::string::npos) << server.head();
}

}  // namespace
}  // namespace hwload::auth

namespace hwload::store {
namespace {

TEST(AuditStore, EntriesReadBackInOrderFilteredByScopeAndCannotBeChanged) {
  testing::TempDir dir;
  auto store = Store::open((dir.path() / "a.db").string());
  const auto entry = [](const std::string& school, const std::string& district, int status) {
    AuditEntry e;
    e.at = "2026-11-23T02:00:00.000Z";
    e.token_id = "0123456789abcdef";
    e.role = "teacher";
    e.remote = "10.0.0.7";
    e.method = "POST";
    e.route = "/v1/assignments";
    e.target = "/v1/assignments";
    e.school_id = school;
    e.district = district;
    e.status = status;
    return e;
  };
  store->insert_audit(entry("s1", "d1", 200));
  store->insert_audit(entry("s2", "d1", 400));
  store->insert_audit(entry("s3", "d2", 200));
  const auto all = store->audit("", "", 0, 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_LT(all[0].seq, all[1].seq);
  EXPECT_EQ(all[1].status, 400);
  EXPECT_EQ(all[0].remote, "10.0.0.7");
  EXPECT_EQ(store->audit("s1", "", 0, 100).size(), 1u);
  EXPECT_EQ(store->audit("", "d1", 0, 100).size(), 2u);
  EXPECT_EQ(store->audit("", "", all[0].seq, 100).size(), 2u);
  EXPECT_THROW(store->db().exec("UPDATE audit SET status = 200"), StoreError);
  EXPECT_THROW(store->db().exec("DELETE FROM audit"), StoreError);
  EXPECT_EQ(store->audit("", "", 0, 100).size(), 3u);
}

}  // namespace
}  // namespace hwload::store
