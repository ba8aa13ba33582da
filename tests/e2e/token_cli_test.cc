// `hwload-server --db PATH token create|list|revoke`, as an operator runs it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>

#include "auth/token.h"
#include "store/store.h"
#include "support/process.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

std::string last_line(const std::string& text) {
  std::string line, last;
  std::istringstream in(text);
  while (std::getline(in, line)) last = line;
  return last;
}

class TokenCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // A registered school with one class, for the school-scoped roles.
    auto store = store::Store::open(db_);
    pb::School s;
    s.set_school_id("s1");
    s.set_name("实验小学");
    s.set_district("海淀区");
    s.set_profile("national");
    store->put_school(s, "2026-11-23T02:00:00.000Z");
    pb::Class c;
    c.set_school_id("s1");
    c.set_class_id("c5");
    c.set_grade(5);
    c.set_name("五年级1班");
    c.set_student_count(40);
    store->put_class(c, "2026-11-23T02:00:00.000Z");
  }

  CommandResult token(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {HWLOAD_SERVER_BIN, "--db", db_, "token"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }

  TempDir dir_;
  std::string db_ = (dir_.path() / "hwload.db").string();
};

TEST_F(TokenCli, CreatePrintsTheTokenOnceAsItsLastLineAndStoresOnlyItsHash) {
  const auto r = token({"create", "--role", "operator", "--label", "值班运维"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string printed = last_line(r.out);
  const auto parsed = auth::parse_token(printed);
  ASSERT_TRUE(parsed.has_value()) << r.out;
  EXPECT_EQ(r.out.rfind("token " + parsed->token_id + " created: role operator\n", 0), 0u) << r.out;

  const auto stored = store::Store::open(db_)->token(parsed->token_id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->role, "operator");
  EXPECT_EQ(stored->label, "值班运维");
  EXPECT_TRUE(auth::secret_matches(parsed->secret, stored->secret_hash));

  // The list names it without its secret; neither the file nor its WAL holds the secret.
  const auto list = token({"list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(parsed->token_id), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(parsed->secret), std::string::npos) << list.out;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(parsed->secret), std::string::npos) << entry.path();
  }
}

TEST_F(TokenCli, EachRoleTakesExactlyItsScope) {
  EXPECT_EQ(token({"create", "--role", "bureau", "--district", "海淀区"}).exit_code, 0);
  EXPECT_EQ(token({"create", "--role", "school_admin", "--school", "s1"}).exit_code, 0);
  EXPECT_EQ(token({"create", "--role", "grade_leader", "--school", "s1", "--grade", "5"}).exit_code, 0);
  EXPECT_EQ(token({"create", "--role", "teacher", "--school", "s1", "--classes", "c5"}).exit_code, 0);

  const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
      {{"create", "--role", "bureau"}, "role bureau needs --district"},
      {{"create", "--role", "bureau", "--district", "海淀区", "--school", "s1"}, "role bureau takes no --school"},
      {{"create", "--role", "teacher", "--school", "s1"}, "role teacher needs --classes"},
      {{"create", "--role", "teacher", "--school", "s1", "--classes", "c5,c9"}, "no class \"c9\" in school s1"},
      {{"create", "--role", "grade_leader", "--school", "s1", "--grade", "10"}, "--grade must be between 1 and 9"},
      {{"create", "--role", "school_admin", "--school", "s9"}, "no school \"s9\" is registered"},
      {{"create", "--role", "operator", "--district", "海淀区"}, "role operator takes no --district"},
      {{"create", "--role", "root"}, "--role must be one of"},
  };
  for (const auto& [args, message] : refused) {
    const auto r = token(args);
    EXPECT_EQ(r.exit_code, 1) << args[2] << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("hwl_"), std::string::npos) << "no token printed for a refused create";
  }
  EXPECT_EQ(store::Store::open(db_)->tokens().size(), 4u);
}

TEST_F(TokenCli, RevokeMarksTheTokenOnceAndSaysWhenThereIsNone) {
  const auto created = token({"create", "--role", "bureau", "--district", "海淀区"});
  const auto parsed = auth::parse_token(last_line(created.out));
  ASSERT_TRUE(parsed.has_value()) << created.out;
  const auto r = token({"revoke", parsed->token_id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "token " + parsed->token_id + " revoked\n");
  EXPECT_FALSE(store::Store::open(db_)->token(parsed->token_id)->revoked_at.empty());
  const auto again = token({"revoke", parsed->token_id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("no token " + parsed->token_id + " in force"), std::string::npos) << again.err;
  EXPECT_EQ(token({"revoke", "0123456789abcdef"}).exit_code, 1);
}

// What a logged request leaves in the server's log at its most verbose: never a
// token, its secret, or a session cookie, whether the credential was good or not.
TEST_F(TokenCli, DebugLogHoldsNoTokenSecretOrSessionCookie) {
  const auto created = token({"create", "--role", "grade_leader", "--school", "s1", "--grade", "5", "--label", "组长"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string leader = last_line(created.out);
  const auto leader_parsed = auth::parse_token(leader);
  ASSERT_TRUE(leader_parsed.has_value()) << created.out;
  const std::string wrong_secret = "hwl_" + leader_parsed->token_id + "_" +
                                   auth::parse_token(auth::generate_token().token)->secret;
  const std::string unknown = auth::generate_token().token;

  ServerProcess server(HWLOAD_SERVER_BIN, db_, dir_.path().string(), {"--log-level", "debug"});
  const auto client_with = [&](const std::string& t) {
    client::ClientOptions o;
    o.base_url = server.url();
    o.token = t;
    o.max_attempts = 1;
    return std::make_unique<client::Client>(o);
  };
  auto raw = [](client::Client& c, const std::string& method, const std::string& target, const std::string& body,
                const std::map<std::string, std::string>& headers) {
    auto r = c.send_raw(method, target, body, headers);
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.error().to_string();
    return r.ok() ? *r : client::RawResponse();
  };
  const auto find_header = [](const client::RawResponse& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  };

  EXPECT_EQ(raw(*client_with(leader), "GET", "/v1/schools/s1", "", {}).status, 200);
  EXPECT_EQ(raw(*client_with(server.operator_token()), "GET", "/v1/schools/s1", "", {}).status, 200);
  EXPECT_EQ(raw(*client_with(wrong_secret), "GET", "/v1/schools/s1", "", {}).status, 401);
  EXPECT_EQ(raw(*client_with(unknown), "GET", "/v1/schools/s1", "", {}).status, 401);
  auto anon = client_with("");
  EXPECT_EQ(raw(*anon, "GET", "/v1/schools/s1", "", {{"Authorization", "Bearer " + leader + "x"}}).status, 401);

  const std::map<std::string, std::string> form = {{"Content-Type", "application/x-www-form-urlencoded"}};
  const auto login = raw(*anon, "POST", "/ui/login", "token=" + leader + "&next=%2Fui%2Fschools%2Fs1", form);
  ASSERT_EQ(login.status, 303) << login.body;
  const std::string set_cookie = find_header(login, "set-cookie");
  const std::string prefix = "hwload_session=";
  ASSERT_EQ(set_cookie.rfind(prefix, 0), 0u) << set_cookie;
  const std::string session = set_cookie.substr(prefix.size(), set_cookie.find(';') - prefix.size());
  ASSERT_FALSE(session.empty());
  EXPECT_EQ(raw(*anon, "GET", "/ui/schools/s1", "", {{"Cookie", "hwload_session=" + session}}).status, 200);
  EXPECT_EQ(raw(*anon, "POST", "/ui/login", "token=" + wrong_secret, form).status, 401);
  EXPECT_EQ(raw(*anon, "GET", "/ui/schools/s1", "", {{"Cookie", "hwload_session=" + session + "x"}}).status, 303);

  EXPECT_EQ(server.terminate(), 0);
  const std::string log = server.log();
  EXPECT_NE(log.find("header read"), std::string::npos) << "debug lines are written:\n" << log;
  EXPECT_NE(log.find("/ui/schools/s1"), std::string::npos) << log;
  for (const std::string& secret :
       {leader, leader_parsed->secret, server.operator_token(), auth::parse_token(server.operator_token())->secret,
        wrong_secret, auth::parse_token(wrong_secret)->secret, unknown, auth::parse_token(unknown)->secret, session}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log holds " << secret << ":\n" << log;
  }
}

}  // namespace
}  // namespace hwload::testing
