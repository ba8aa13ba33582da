// `hwload-server --db PATH token create|list|revoke`, as an operator runs it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
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

}  // namespace
}  // namespace hwload::testing
