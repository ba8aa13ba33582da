// The `hwload` CLI as a teacher or admin runs it: each test starts the real
// hwload-server on a temporary database and drives it only through the CLI's
// command line (exit status, stdout and stderr), as PRODUCT.md and main.cc
// promise them: 0 done, 1 the server refused or could not be reached, 2 usage,
// 3 an import finished with rejected rows.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include <google/protobuf/util/json_util.h>

#include "hwload/client/client.h"
#include "support/process.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

// Exit statuses documented at the top of client-sdk/cli/main.cc.
constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;
constexpr int kImportRejectedRows = 3;

std::string show(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Splits a table row on runs of spaces.
std::vector<std::string> tokens(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

// The tokens of the first line of `text` that starts with `prefix` (empty if none).
std::vector<std::string> row(const std::string& text, const std::string& prefix) {
  for (const auto& line : lines_of(text)) {
    if (line.rfind(prefix, 0) == 0) return tokens(line);
  }
  return {};
}

// Rows of a breach table: the lines that start with a date (not the header, nor the
// "N breach(es)" count).
std::vector<std::vector<std::string>> breach_rows(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  for (const auto& line : lines_of(text)) {
    const bool dated = line.size() >= 10 && line[4] == '-' && line[7] == '-' &&
                       std::all_of(line.begin(), line.begin() + 4, [](char c) { return c >= '0' && c <= '9'; });
    if (dated) out.push_back(tokens(line));
  }
  return out;
}

// Rows of the alert table: the lines that start with a seq number.
std::vector<std::vector<std::string>> alert_rows(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  for (const auto& line : lines_of(text)) {
    const auto t = tokens(line);
    if (!t.empty() && std::all_of(t[0].begin(), t[0].end(), [](char c) { return c >= '0' && c <= '9'; })) {
      out.push_back(t);
    }
  }
  return out;
}

// The words from index `from` on, joined by single spaces (a free-text last column).
std::string rest(const std::vector<std::string>& toks, size_t from) {
  std::string out;
  for (size_t i = from; i < toks.size(); ++i) out += (i > from ? " " : "") + toks[i];
  return out;
}

template <typename M>
M from_json(const std::string& text) {
  M m;
  const auto st = google::protobuf::util::JsonStringToMessage(text, &m);
  EXPECT_TRUE(st.ok()) << st.ToString() << "\n" << text;
  return m;
}

// A TCP port on 127.0.0.1 that nothing listens on.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class Cli : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& extra = {}) {
    server_ = std::make_unique<ServerProcess>(HWLOAD_SERVER_BIN, (dir_.path() / "hwload.db").string(),
                                              dir_.path().string(), extra);
    url_ = server_->url();
  }

  // Runs `hwload --server URL args...`.
  CommandResult hw(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {HWLOAD_CLI_BIN, "--server", url_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {"HWLOAD_TOKEN=" + (server_ ? server_->operator_token() : std::string())});
  }
  // Runs `hwload --server URL --json args...`.
  CommandResult hw_json(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return hw(argv);
  }

  // Runs a command that must succeed and returns its stdout.
  std::string ok(const std::vector<std::string>& args) const {
    const auto r = hw(args);
    EXPECT_EQ(r.exit_code, kOk) << args[0] << "\n" << show(r);
    return r.out;
  }

  std::string write(const std::string& name, const std::string& content) const {
    const std::string path = (dir_.path() / name).string();
    std::ofstream out(path, std::ios::binary);
    out << content;
    return path;
  }

  std::unique_ptr<client::Client> sdk() const {
    client::ClientOptions o;
    o.base_url = url_;
    o.token = server_->operator_token();
    o.max_attempts = 1;
    return std::make_unique<client::Client>(o);
  }

  // School s1 (national profile) with 五年级1班 (c5a, 40 students) and 五年级10班
  // (c5b, 40 students), registered through the CLI.
  void register_school() {
    ok({"school", "put", "s1", "--name", "实验小学", "--district", "海淀区", "--profile", "national"});
    ok({"class", "put", "s1", "c5a", "--grade", "5", "--name", "五年级1班", "--students", "40"});
    ok({"class", "put", "s1", "c5b", "--grade", "5", "--name", "五年级10班", "--students", "40"});
  }

  // A written, required assignment posted with `assign`; its output must be exactly `expected_out`.
  void assign(const std::string& id, const std::string& klass, const std::string& subject, const std::string& date,
              int minutes, const std::string& expected_out) {
    const auto r = hw({"assign", "--id", id, "--school", "s1", "--class", klass, "--teacher", "t-li", "--subject",
                       subject, "--date", date, "--minutes", std::to_string(minutes), "--type", "书面"});
    EXPECT_EQ(r.exit_code, kOk) << show(r);
    EXPECT_EQ(r.out, expected_out) << show(r);
  }

  std::string load(const std::string& klass, const std::string& from, const std::string& to) const {
    return ok({"load", "--school", "s1", "--class", klass, "--from", from, "--to", to});
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string url_;
};

// ---- registering and assigning --------------------------------------------------

TEST_F(Cli, AssignOverCapWarnsAndCheckStoresNothing) {
  start();
  auto r = hw({"school", "put", "s1", "--name", "实验小学", "--district", "海淀区", "--profile", "national"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "school s1 (实验小学, 海淀区, profile national) saved\n");
  r = hw({"class", "put", "s1", "c5a", "--grade", "5", "--name", "五年级1班", "--students", "40"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "class c5a (五年级1班, grade 5, 40 students) saved\n");
  r = hw({"calendar", "put", "s1", "--day", "2026-11-20=HOLIDAY"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "calendar of s1 saved: no-homework weekday 0, 1 date override(s)\n");

  // 75 minutes of written homework for grade 5 (cap 60 on a school day): stored, and
  // the teacher is warned at once.
  r = hw({"assign", "--id", "a-over", "--school", "s1", "--class", "c5a", "--teacher", "t-li", "--subject", "数学",
          "--date", "2026-11-17", "--minutes", "75", "--type", "书面", "--title", "分数乘法综合练习"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out,
            "a-over  CREATED\n"
            "warning: 2026-11-17 c5a PLANNED_OVER_CAP: planned written homework 75 min exceeds the 60 min cap\n");
  EXPECT_EQ(r.err, "");

  // --check says what would happen and stores nothing.
  r = hw({"assign", "--check", "--id", "a-check", "--school", "s1", "--class", "c5a", "--teacher", "t-li", "--subject",
          "语文", "--date", "2026-11-18", "--minutes", "80"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out,
            "a-check  CREATED\n"
            "warning: 2026-11-18 c5a PLANNED_OVER_CAP: planned written homework 80 min exceeds the 60 min cap\n"
            "check only: nothing was stored\n");

  const std::string out = load("c5a", "2026-11-16", "2026-11-20");
  EXPECT_EQ(lines_of(out).at(0), "五年级1班 (c5a, grade 5)");
  EXPECT_EQ(tokens(lines_of(out).at(1)),
            (std::vector<std::string>{"date", "day", "kind", "cap", "planned", "mean", "p90", "reported", "over", "cap",
                                      "unfinished", "breaches"}));
  EXPECT_EQ(row(out, "2026-11-16"),
            (std::vector<std::string>{"2026-11-16", "Mon", "school", "60", "0", "-", "-", "0", "0", "0"}));
  EXPECT_EQ(row(out, "2026-11-17"), (std::vector<std::string>{"2026-11-17", "Tue", "school", "60", "75", "-", "-", "0",
                                                              "0", "0", "PLANNED_OVER_CAP"}))
      << out;
  EXPECT_EQ(row(out, "2026-11-18"),
            (std::vector<std::string>{"2026-11-18", "Wed", "school", "60", "0", "-", "-", "0", "0", "0"}))
      << out;
  EXPECT_EQ(row(out, "2026-11-20"),
            (std::vector<std::string>{"2026-11-20", "Fri", "holiday", "60", "0", "-", "-", "0", "0", "0"}))
      << out;

  // Nor did the check leave a breach behind.
  const std::string breaches = ok({"breaches", "--school", "s1"});
  EXPECT_EQ(breach_rows(breaches).size(), 1u) << breaches;
  EXPECT_EQ(lines_of(breaches).back(), "1 breach(es)");

  // And the id is still free: posting it for real with other figures creates it.
  r = hw({"assign", "--id", "a-check", "--school", "s1", "--class", "c5a", "--teacher", "t-li", "--subject", "语文",
          "--date", "2026-11-18", "--minutes", "20"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "a-check  CREATED\n");
}

TEST_F(Cli, AssignRefusedByTheServerExitsOne) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  // A batch item the server rejects (unknown class).
  auto r = hw({"assign", "--id", "a-x", "--school", "s1", "--class", "c9z", "--teacher", "t-li", "--subject", "数学",
               "--date", "2026-11-17", "--minutes", "20"});
  EXPECT_EQ(r.exit_code, kRefused) << show(r);
  EXPECT_EQ(r.out, "a-x  REJECTED  NOT_FOUND: unknown class \"c9z\" in school \"s1\"\n");
  // A single-resource route answering 400 with the field named.
  r = hw({"class", "put", "s1", "c12", "--grade", "12"});
  EXPECT_EQ(r.exit_code, kRefused) << show(r);
  EXPECT_EQ(r.err,
            "hwload: 400 INVALID_ARGUMENT: grade: must be between 1 and 9 (got 12)\n"
            "  grade: must be between 1 and 9 (got 12)\n");
  // 404 for an unknown school.
  r = hw({"class", "put", "s9", "c1", "--grade", "3"});
  EXPECT_EQ(r.exit_code, kRefused) << show(r);
  EXPECT_EQ(r.err,
            "hwload: 404 NOT_FOUND: unknown school \"s9\"\n"
            "  school_id: must name a registered school (got \"s9\")\n");
}

// ---- CSV import of assignments ------------------------------------------------------

TEST_F(Cli, ImportReportsBadRowsByLineAndStoresGoodOnes) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  // Line numbers are the file's: the quoted newline in line 2's content makes the
  // next record start on line 4.
  const std::string csv =
      "作业编号,学校,班级,教师,学科,日期,类型,层次,预计分钟,标题,内容\n"                          // 1
      "imp-1,s1,c5a,t-wang,语文,2026-11-17,书面,必做,30,生字抄写,\"抄写第六单元生字, 每个三遍\n"  // 2
      "注意书写工整\"\n"                                                                          // 3
      "imp-2,s1,c5a,t-li,数学,2026-11-17,书面,,25,课本练习,第45页第1-6题\n"                       // 4
      "imp-3,s1,c5a,t-wang,语文,2026-11-17,阅读,,20,课外阅读,读《草房子》一章\n"                  // 5
      "imp-4,s1,c5a,t-li,数学,2026-11-18,书面,,abc,口算,口算一页\n"                               // 6 minutes
      "imp-5,s1,c5a,t-li,数学,2026-11-18,作文,,20,小作文,写一段话\n"                              // 7 type
      "imp-6,s1,c5a,t-li,数学,2026-11-18,书面,,20,口算\n"                                         // 8 fields
      "imp-7,s1,c9z,t-li,数学,2026-11-18,书面,,20,口算,口算一页\n"                                // 9 class
      "imp-8,s1,c5b,t-zhao,英语,2026-11-18,书面,,40,\"Unit 5 \"\"Let's read\"\"\",抄写单词\n";    // 10
  const std::string path = write("assignments.csv", csv);
  const std::string expected_err =
      "line 6: estimated_minutes: must be a whole number of minutes (got \"abc\")\n"
      "line 7: type: unknown homework type \"作文\" (WRITTEN/书面, READING/阅读, ...)\n"
      "line 8: has 10 fields; the header has 11\n"
      "line 9: NOT_FOUND class_id: must name a registered class of school s1 (got \"c9z\")\n";

  auto r = hw({"import", "assignments", path});
  EXPECT_EQ(r.exit_code, kImportRejectedRows) << show(r);
  EXPECT_EQ(r.out, "8 rows: 4 created, 0 updated, 0 unchanged, 4 rejected\n");
  EXPECT_EQ(r.err, expected_err);

  // The good rows are stored whole: the quoted comma and newline, the doubled quotes,
  // the Chinese type aliases.
  auto c = sdk();
  auto a1 = c->get_assignment("imp-1");
  ASSERT_TRUE(a1.ok()) << a1.error().to_string();
  EXPECT_EQ(a1->content(), "抄写第六单元生字, 每个三遍\n注意书写工整");
  EXPECT_EQ(a1->subject(), "语文");
  EXPECT_EQ(a1->type(), pb::WRITTEN);
  EXPECT_EQ(a1->tier(), pb::REQUIRED);
  EXPECT_EQ(a1->estimated_minutes(), 30);
  auto a3 = c->get_assignment("imp-3");
  ASSERT_TRUE(a3.ok()) << a3.error().to_string();
  EXPECT_EQ(a3->type(), pb::READING);
  auto a8 = c->get_assignment("imp-8");
  ASSERT_TRUE(a8.ok()) << a8.error().to_string();
  EXPECT_EQ(a8->title(), "Unit 5 \"Let's read\"");
  for (const char* bad : {"imp-4", "imp-5", "imp-6", "imp-7"}) EXPECT_FALSE(c->get_assignment(bad).ok()) << bad;

  // 语文 30 + 数学 25 written; the reading (20) is not counted.
  const auto cl = from_json<pb::ClassLoad>(
      hw_json({"load", "--school", "s1", "--class", "c5a", "--from", "2026-11-17", "--to", "2026-11-18"}).out);
  ASSERT_EQ(cl.days_size(), 2);
  EXPECT_EQ(cl.days(0).planned_minutes(), 55);
  ASSERT_EQ(cl.days(0).subjects_size(), 2);
  EXPECT_EQ(cl.days(0).subjects(0).subject(), "数学");
  EXPECT_EQ(cl.days(0).subjects(0).planned_minutes(), 25);
  EXPECT_EQ(cl.days(0).subjects(1).subject(), "语文");
  EXPECT_EQ(cl.days(0).subjects(1).planned_minutes(), 30);
  EXPECT_EQ(cl.days(1).planned_minutes(), 0);  // every 2026-11-18 row of c5a was bad
  EXPECT_EQ(row(load("c5b", "2026-11-18", "2026-11-18"), "2026-11-18"),
            (std::vector<std::string>{"2026-11-18", "Wed", "school", "60", "40", "-", "-", "0", "0", "0"}));

  // Importing the same file again changes nothing and says so.
  r = hw({"import", "assignments", path});
  EXPECT_EQ(r.exit_code, kImportRejectedRows) << show(r);
  EXPECT_EQ(r.out, "8 rows: 0 created, 0 updated, 4 unchanged, 4 rejected\n");
  EXPECT_EQ(r.err, expected_err);
  EXPECT_EQ(row(load("c5a", "2026-11-17", "2026-11-17"), "2026-11-17"),
            (std::vector<std::string>{"2026-11-17", "Tue", "school", "60", "55", "-", "-", "0", "0", "0"}));
}

TEST_F(Cli, ImportCheckValidatesWithoutStoring) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  const std::string path = write("a.csv",
                                 "school_id,class_id,teacher_id,subject,assigned_date,type,estimated_minutes,title\n"
                                 "s1,c5a,t-li,数学,2026-11-17,WRITTEN,70,练习卷\n");
  auto r = hw({"import", "assignments", "--check", path});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out,
            "warning: 2026-11-17 c5a PLANNED_OVER_CAP: planned written homework 70 min exceeds the 60 min cap\n"
            "1 rows: 1 created, 0 updated, 0 unchanged, 0 rejected\n"
            "check only: nothing was stored\n");
  EXPECT_EQ(row(load("c5a", "2026-11-17", "2026-11-17"), "2026-11-17"),
            (std::vector<std::string>{"2026-11-17", "Tue", "school", "60", "0", "-", "-", "0", "0", "0"}));
}

TEST_F(Cli, ImportHeaderLackingColumnsIsRefusedWithTheColumnsNamed) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  auto r =
      hw({"import", "assignments", write("no-cols.csv", "学校,班级,学科,日期,类型\ns1,c5a,数学,2026-11-17,书面\n")});
  EXPECT_NE(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.exit_code, kUsage) << show(r);  // nothing was read
  EXPECT_EQ(r.err, "hwload: line 1: header lacks column(s): teacher_id, estimated_minutes\n");
  EXPECT_EQ(r.out, "");

  r = hw({"import", "timings", write("no-cols-t.csv", "作业编号,student,time\na1,s01,20\n")});
  EXPECT_EQ(r.exit_code, kUsage) << show(r);
  EXPECT_EQ(r.err, "hwload: line 1: header lacks column(s): student_key, minutes\n");

  EXPECT_EQ(row(load("c5a", "2026-11-17", "2026-11-17"), "2026-11-17").at(4), "0");
}

TEST_F(Cli, ImportOfAnEmptyFileIsRefused) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  for (const char* kind : {"assignments", "timings"}) {
    const auto r = hw({"import", kind, write(std::string("empty-") + kind + ".csv", "")});
    EXPECT_EQ(r.exit_code, kUsage) << kind << "\n" << show(r);
    EXPECT_EQ(r.err, "hwload: the file is empty: it needs a header row\n") << kind;
    EXPECT_EQ(r.out, "");
  }
  // A header and nothing else is a valid, empty import.
  const auto r = hw(
      {"import", "assignments", write("header-only.csv", "school_id,class_id,teacher_id,subject,date,type,minutes\n")});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "0 rows: 0 created, 0 updated, 0 unchanged, 0 rejected\n");
}

TEST_F(Cli, ImportRefusesAnUnterminatedQuoteNamingItsLine) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  const auto r = hw({"import", "assignments",
                     write("quote.csv",
                           "school_id,class_id,teacher_id,subject,date,type,minutes,title\n"
                           "s1,c5a,t-li,数学,2026-11-17,书面,20,ok\n"
                           "s1,c5a,t-li,语文,2026-11-17,书面,20,\"no end\n")});
  EXPECT_EQ(r.exit_code, kUsage) << show(r);
  EXPECT_EQ(r.err, "hwload: line 3: unterminated quoted field\n");
  // Nothing half-imported.
  EXPECT_EQ(row(load("c5a", "2026-11-17", "2026-11-17"), "2026-11-17").at(4), "0");
}

// Excel's "CSV UTF-8" export: a byte-order mark and CRLF line ends; no id column, so
// ids are derived from the row and importing twice is idempotent.
TEST_F(Cli, ImportAcceptsAByteOrderMarkAndCrlfAndIsIdempotentWithoutIds) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  const std::string path = write("excel.csv",
                                 "\xEF\xBB\xBF"
                                 "school_id,class_id,teacher_id,subject,date,type,minutes,title\r\n"
                                 "s1,c5a,t-li,数学,2026-11-19,WRITTEN,20,练习册第12页\r\n"
                                 "s1,c5a,t-wang,语文,2026-11-19,书面,15,默写\r\n");
  auto r = hw({"import", "assignments", path});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "2 rows: 2 created, 0 updated, 0 unchanged, 0 rejected\n");
  EXPECT_EQ(r.err, "");
  r = hw({"import", "assignments", path});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "2 rows: 0 created, 0 updated, 2 unchanged, 0 rejected\n");
  EXPECT_EQ(row(load("c5a", "2026-11-19", "2026-11-19"), "2026-11-19"),
            (std::vector<std::string>{"2026-11-19", "Thu", "school", "60", "35", "-", "-", "0", "0", "0"}));
}

// ---- timings ------------------------------------------------------------------------

TEST_F(Cli, ImportTimingsThenLoadShowsFiguresComputedByHand) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  assign("a-math", "c5a", "数学", "2026-11-17", 30, "a-math  CREATED\n");
  assign("a-chn", "c5a", "语文", "2026-11-17", 25, "a-chn  CREATED\n");

  // a-math: 30, 40, 35, 50 -> mean 38.75; a-chn: 20, 30, 25, 28 -> mean 25.75.
  // Day mean 38.75 + 25.75 = 64.5 (> 60). Student totals 50, 70, 60, 78: p90 by
  // nearest rank (4th of 4) is 78; over the cap (> 60): s02 and s04; unfinished: s04.
  auto timings = [](int s02_math) {
    return "assignment_id,student_key,minutes,unfinished\n"
           "a-math,s01,30,0\n"
           "a-math,s02," +
           std::to_string(s02_math) +
           ",\n"
           "a-math,s03,35,否\n"
           "a-math,s04,50,是\n"
           "a-chn,s01,20,\n"
           "a-chn,s02,30,no\n"
           "a-chn,s03,25,\n"
           "a-chn,s04,28,1\n"
           "a-none,s01,10,\n"   // line 10: unknown assignment
           "a-math,s01,31,\n";  // line 11: s01 twice for a-math
  };
  const std::string expected_err =
      "line 10: NOT_FOUND assignment_id: must name a posted assignment (got \"a-none\")\n"
      "line 11: student_key: s01 already reported for a-math on line 2\n";

  auto r = hw({"import", "timings", write("t1.csv", timings(40))});
  EXPECT_EQ(r.exit_code, kImportRejectedRows) << show(r);
  EXPECT_EQ(r.out,
            "warning: 2026-11-17 c5a MEASURED_OVER_CAP: measured mean completion time 64.5 min exceeds the 60 min "
            "cap (2 of 4 students over)\n"
            "10 rows: 8 created, 0 updated, 0 unchanged, 2 rejected\n");
  EXPECT_EQ(r.err, expected_err);
  std::string out = load("c5a", "2026-11-16", "2026-11-18");
  EXPECT_EQ(row(out, "2026-11-17"), (std::vector<std::string>{"2026-11-17", "Tue", "school", "60", "55", "64.5", "78",
                                                              "4", "2", "1", "MEASURED_OVER_CAP"}))
      << out;
  EXPECT_EQ(row(out, "2026-11-16"),
            (std::vector<std::string>{"2026-11-16", "Mon", "school", "60", "0", "-", "-", "0", "0", "0"}));

  // s02 now reports 20 for a-math: a-math mean 33.75, day mean 59.5 (within the cap);
  // totals 50, 50, 60, 78: p90 78, one student over.
  r = hw({"import", "timings", write("t2.csv", timings(20))});
  EXPECT_EQ(r.exit_code, kImportRejectedRows) << show(r);
  EXPECT_EQ(r.out, "10 rows: 0 created, 4 updated, 4 unchanged, 2 rejected\n");
  EXPECT_EQ(r.err, expected_err);
  out = load("c5a", "2026-11-17", "2026-11-17");
  EXPECT_EQ(row(out, "2026-11-17"),
            (std::vector<std::string>{"2026-11-17", "Tue", "school", "60", "55", "59.5", "78", "4", "1", "1"}))
      << out;

  // The measured breach the first import opened is resolved by the second.
  out = ok({"breaches", "--school", "s1", "--state", "RESOLVED"});
  const auto rows = breach_rows(out);
  ASSERT_EQ(rows.size(), 1u) << out;
  EXPECT_EQ(std::vector<std::string>(rows[0].begin(), rows[0].begin() + 7),
            (std::vector<std::string>{"2026-11-17", "c5a", "MEASURED_OVER_CAP", "BREACH", "RESOLVED", "65", "60"}));
}

TEST_F(Cli, TimeReportsStudentsAndWithdrawResolvesTheBreach) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  const std::string warning =
      "warning: 2026-11-17 c5a PLANNED_OVER_CAP: planned written homework 70 min exceeds the 60 min cap\n";
  assign("a-long", "c5a", "数学", "2026-11-17", 70, "a-long  CREATED\n" + warning);

  auto r = hw({"time", "a-long", "s01=30", "s02=45:unfinished"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "a-long  CREATED\n" + warning);
  // mean 37.5, p90 of {30, 45} is 45, nobody over 60, s02 unfinished.
  EXPECT_EQ(row(load("c5a", "2026-11-17", "2026-11-17"), "2026-11-17"),
            (std::vector<std::string>{"2026-11-17", "Tue", "school", "60", "70", "37.5", "45", "2", "0", "1",
                                      "PLANNED_OVER_CAP"}));

  // Re-reporting a student replaces the earlier figure (and the unfinished mark).
  r = hw({"time", "a-long", "s02=50"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "a-long  UPDATED\n" + warning);
  EXPECT_EQ(row(load("c5a", "2026-11-17", "2026-11-17"), "2026-11-17"),
            (std::vector<std::string>{"2026-11-17", "Tue", "school", "60", "70", "40.0", "50", "2", "0", "0",
                                      "PLANNED_OVER_CAP"}));

  r = hw({"withdraw", "a-long"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out, "assignment a-long withdrawn\n");

  std::string out = ok({"breaches", "--school", "s1", "--state", "RESOLVED"});
  auto rows = breach_rows(out);
  ASSERT_EQ(rows.size(), 1u) << out;
  ASSERT_GE(rows[0].size(), 9u) << out;
  EXPECT_EQ(std::vector<std::string>(rows[0].begin(), rows[0].begin() + 7),
            (std::vector<std::string>{"2026-11-17", "c5a", "PLANNED_OVER_CAP", "WARNING", "RESOLVED", "70", "60"}));
  EXPECT_EQ(rows[0][7].size(), 36u) << "a UUID breach id: " << rows[0][7];
  EXPECT_EQ(rest(rows[0], 8), "planned written homework 70 min exceeds the 60 min cap");
  EXPECT_EQ(lines_of(out).back(), "1 breach(es)");

  out = ok({"breaches", "--school", "s1", "--state", "OPEN"});
  EXPECT_TRUE(breach_rows(out).empty()) << out;
  EXPECT_EQ(lines_of(out).back(), "0 breach(es)");

  // Withdrawn: nothing counted that evening, and no more timings accepted.
  EXPECT_EQ(row(load("c5a", "2026-11-17", "2026-11-17"), "2026-11-17"),
            (std::vector<std::string>{"2026-11-17", "Tue", "school", "60", "0", "-", "-", "0", "0", "0"}));
  r = hw({"time", "a-long", "s03=10"});
  EXPECT_EQ(r.exit_code, kRefused) << show(r);
  EXPECT_EQ(r.out,
            "a-long  REJECTED  INVALID_ARGUMENT: reports[0].assignment_id: assignment a-long was withdrawn; it takes "
            "no timings\n");
}

// ---- the audit log ----------------------------------------------------------------------

// Every change is in the log with who made it, and a teacher's token sees no log.
TEST_F(Cli, AuditListsEachChangeWithWhoAndWhatAndIsRefusedToATeacher) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  assign("au-1", "c5a", "数学", "2026-11-16", 30, "au-1  CREATED\n");

  const auto r = hw({"audit", "--school", "s1"});
  ASSERT_EQ(r.exit_code, kOk) << show(r);
  const std::string op_id = server_->operator_token().substr(4, 16);
  for (const char* line : {"PUT /v1/schools/{school_id}", "PUT /v1/schools/{school_id}/classes/{class_id}",
                           "POST /v1/assignments"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("operator  " + op_id), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 assignments (1 stored, 0 rejected): au-1"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(server_->operator_token()), std::string::npos) << "the log never shows a secret";

  const std::string teacher =
      create_token(HWLOAD_SERVER_BIN, (dir_.path() / "hwload.db").string(),
                   {"--role", "teacher", "--school", "s1", "--classes", "c5a"});
  const auto refused = run({HWLOAD_CLI_BIN, "--server", url_, "--token", teacher, "audit"});
  EXPECT_EQ(refused.exit_code, kRefused) << show(refused);
  EXPECT_NE(refused.err.find("403 PERMISSION_DENIED"), std::string::npos) << show(refused);

  const auto anonymous = run({HWLOAD_CLI_BIN, "--server", url_, "audit"}, {"HWLOAD_TOKEN="});
  EXPECT_EQ(anonymous.exit_code, kRefused) << show(anonymous);
  EXPECT_NE(anonymous.err.find("401 UNAUTHENTICATED"), std::string::npos) << show(anonymous);
  EXPECT_NE(anonymous.err.find("give a token with --token or HWLOAD_TOKEN"), std::string::npos) << show(anonymous);
}

// ---- the grade's week -----------------------------------------------------------------

TEST_F(Cli, WeekPrintsOneAlignedLinePerClassAndTheCapRow) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  assign("w-1", "c5a", "数学", "2026-11-16", 30, "w-1  CREATED\n");
  assign("w-2", "c5a", "语文", "2026-11-17", 70,
         "w-2  CREATED\n"
         "warning: 2026-11-17 c5a PLANNED_OVER_CAP: planned written homework 70 min exceeds the 60 min cap\n");
  assign("w-3", "c5b", "英语", "2026-11-18", 40, "w-3  CREATED\n");
  ok({"time", "w-3", "s01=35", "s02=40"});

  const auto r = hw({"week", "--school", "s1", "--grade", "5", "--week", "2026-W47"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  // Cells are 9 columns wide, right-aligned; class names are padded by display width
  // (a CJK character takes two columns), so every second column starts at column 12.
  const std::string dash = "        -";
  const std::string expected =
      "grade 5, 2026-W47  (cell: planned / measured mean minutes; ! over the cap, x no-homework day broken, - "
      "nothing counted)\n"
      "class       Mon 11-16  Tue 11-17  Wed 11-18  Thu 11-19  Fri 11-20  Sat 11-21  Sun 11-22\n"
      "五年级1班   "
      "   30 / -"
      "  "
      " 70 / - !"
      "  " +
      dash + "  " + dash + "  " + dash + "  " + dash + "  " + dash +
      "\n"
      "五年级10班  " +
      dash + "  " + dash +
      "  "
      "40 / 37.5"
      "  " +
      dash + "  " + dash + "  " + dash + "  " + dash +
      "\n"
      "cap         "
      "       60"
      "  "
      "       60"
      "  "
      "       60"
      "  "
      "       60"
      "  "
      "       60"
      "  "
      "       60"
      "  "
      "       60\n"
      "  2026-11-17 c5a PLANNED_OVER_CAP (WARNING): planned written homework 70 min exceeds the 60 min cap\n";
  EXPECT_EQ(r.out, expected) << show(r);
  // The same table when the CLI talks JSON to the server instead of protobuf.
  const auto wire_json = hw({"--wire-json", "week", "--school", "s1", "--grade", "5", "--week", "2026-W47"});
  EXPECT_EQ(wire_json.exit_code, kOk) << show(wire_json);
  EXPECT_EQ(wire_json.out, expected);

  // The JSON form holds the same figures.
  const auto gw =
      from_json<pb::GradeWeek>(hw_json({"week", "--school", "s1", "--grade", "5", "--week", "2026-W47"}).out);
  ASSERT_EQ(gw.classes_size(), 2);
  EXPECT_EQ(gw.classes(1).class_name(), "五年级10班");
  ASSERT_EQ(gw.classes(1).days_size(), 7);
  EXPECT_DOUBLE_EQ(gw.classes(1).days(2).measured_mean_minutes(), 37.5);
}

// ---- breaches, acknowledgement, compliance, alerts -------------------------------------

TEST_F(Cli, BreachesAckComplianceAndAlertsShowExactFigures) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  ok({"class", "put", "s1", "c2a", "--grade", "2", "--name", "二年级1班", "--students", "38"});

  // c2a, Monday: written homework for grade 2 (cap 0) -> WRITTEN_FORBIDDEN (BREACH).
  assign("b-1", "c2a", "数学", "2026-11-16", 10,
         "b-1  CREATED\n"
         "warning: 2026-11-16 c2a WRITTEN_FORBIDDEN: grade 2 may not be given written homework to take home (cap 0); "
         "10 min planned\n");
  // c5a, Tuesday: 50 planned; measured 70, 80, 40 -> mean 63.3 (> 60), 2 of 3 over.
  assign("b-2", "c5a", "数学", "2026-11-17", 50, "b-2  CREATED\n");
  auto r = hw({"time", "b-2", "s01=70", "s02=80", "s03=40"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_EQ(r.out,
            "b-2  CREATED\n"
            "warning: 2026-11-17 c5a MEASURED_OVER_CAP: measured mean completion time 63.3 min exceeds the 60 min cap "
            "(2 of 3 students over)\n");
  // c5a, Wednesday: 30 planned; 30 and 20 measured, within the cap.
  assign("b-3", "c5a", "语文", "2026-11-18", 30, "b-3  CREATED\n");
  ok({"time", "b-3", "s01=30", "s02=20"});
  // c5a, Thursday: 70 planned, nothing measured -> PLANNED_OVER_CAP (WARNING).
  assign("b-4", "c5a", "英语", "2026-11-19", 70,
         "b-4  CREATED\n"
         "warning: 2026-11-19 c5a PLANNED_OVER_CAP: planned written homework 70 min exceeds the 60 min cap\n");

  std::string out = ok({"breaches", "--school", "s1", "--from", "2026-11-16", "--to", "2026-11-22"});
  auto rows = breach_rows(out);
  ASSERT_EQ(rows.size(), 3u) << out;
  for (const auto& b : rows) ASSERT_GE(b.size(), 9u) << out;
  EXPECT_EQ(std::vector<std::string>(rows[0].begin(), rows[0].begin() + 7),
            (std::vector<std::string>{"2026-11-16", "c2a", "WRITTEN_FORBIDDEN", "BREACH", "OPEN", "10", "0"}));
  EXPECT_EQ(rest(rows[0], 8), "grade 2 may not be given written homework to take home (cap 0); 10 min planned");
  EXPECT_EQ(std::vector<std::string>(rows[1].begin(), rows[1].begin() + 7),
            (std::vector<std::string>{"2026-11-17", "c5a", "MEASURED_OVER_CAP", "BREACH", "OPEN", "64", "60"}));
  EXPECT_EQ(rest(rows[1], 8), "measured mean completion time 63.3 min exceeds the 60 min cap (2 of 3 students over)");
  EXPECT_EQ(std::vector<std::string>(rows[2].begin(), rows[2].begin() + 7),
            (std::vector<std::string>{"2026-11-19", "c5a", "PLANNED_OVER_CAP", "WARNING", "OPEN", "70", "60"}));
  EXPECT_EQ(lines_of(out).back(), "3 breach(es)");
  const std::string measured_id = rows[1][7];

  // Filters: by grade, by class.
  out = ok({"breaches", "--school", "s1", "--grade", "2"});
  EXPECT_EQ(lines_of(out).back(), "1 breach(es)") << out;
  out = ok({"breaches", "--school", "s1", "--class", "c5a", "--from", "2026-11-18"});
  EXPECT_EQ(lines_of(out).back(), "1 breach(es)") << out;

  // Acknowledge the measured breach.
  r = hw({"ack", measured_id, "--by", "张老师", "--note", "已与家长沟通，明日减量"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  const std::string prefix = "breach " + measured_id + " acknowledged by 张老师 at 20";
  EXPECT_EQ(r.out.rfind(prefix, 0), 0u) << show(r);
  out = ok({"breaches", "--school", "s1", "--from", "2026-11-17", "--to", "2026-11-17"});
  rows = breach_rows(out);
  ASSERT_EQ(rows.size(), 1u) << out;
  EXPECT_EQ(std::vector<std::string>(rows[0].begin(), rows[0].begin() + 6),
            (std::vector<std::string>{"2026-11-17", "c5a", "MEASURED_OVER_CAP", "BREACH", "OPEN", "(ack)"}));
  const auto list = from_json<pb::BreachList>(
      hw_json({"breaches", "--school", "s1", "--from", "2026-11-17", "--to", "2026-11-17"}).out);
  ASSERT_EQ(list.breaches_size(), 1);
  EXPECT_EQ(list.breaches(0).breach_id(), measured_id);
  EXPECT_EQ(list.breaches(0).acknowledged_by(), "张老师");
  EXPECT_EQ(list.breaches(0).note(), "已与家长沟通，明日减量");
  EXPECT_EQ(list.breaches(0).state(), pb::OPEN);
  // An unknown breach id is refused.
  r = hw({"ack", "no-such-breach", "--by", "张老师"});
  EXPECT_EQ(r.exit_code, kRefused) << show(r);
  EXPECT_EQ(r.err,
            "hwload: 404 NOT_FOUND: unknown breach \"no-such-breach\"\n"
            "  breach_id: must name a breach (got \"no-such-breach\")\n");

  // Compliance. Student-days: Tue 3 reported (70, 80 over; 40 within), Wed 2 within:
  // 3 of 5. Class-days with counted homework: c2a Mon (cap 0: over), c5a Tue (mean
  // 63.3: over), Wed (25: within), Thu (planned 70, nothing measured: over): 3 of 4.
  r = hw({"compliance", "--school", "s1", "--from", "2026-11-16", "--to", "2026-11-22"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  auto ls = lines_of(r.out);
  ASSERT_EQ(ls.size(), 6u) << r.out;
  EXPECT_EQ(ls[0], "scope school:s1, 2026-11-16 to 2026-11-22");
  EXPECT_EQ(ls[1], "student-days within the cap: 3 of 5 (60.0%)");
  EXPECT_EQ(ls[2], "class-days over the cap: 3 of 4");
  // The open breaches by kind, sorted by name.
  EXPECT_EQ(
      std::vector<std::string>(ls.begin() + 3, ls.end()),
      (std::vector<std::string>{"open MEASURED_OVER_CAP: 1", "open PLANNED_OVER_CAP: 1", "open WRITTEN_FORBIDDEN: 1"}));
  r = hw({"compliance", "--school", "s1", "--grade", "5", "--from", "2026-11-16", "--to", "2026-11-22"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  ls = lines_of(r.out);
  ASSERT_GE(ls.size(), 3u) << r.out;
  EXPECT_EQ(ls[0], "scope school:s1/grade:5, 2026-11-16 to 2026-11-22");
  EXPECT_EQ(ls[1], "student-days within the cap: 3 of 5 (60.0%)");
  EXPECT_EQ(ls[2], "class-days over the cap: 2 of 3");

  // Alerts: the two BREACH-severity breaches opening, then the acknowledgement of the
  // measured one, oldest first; the WARNING is not an alert.
  r = hw({"alerts"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  auto alerts = alert_rows(r.out);
  ASSERT_EQ(alerts.size(), 3u) << r.out;
  for (const auto& a : alerts) ASSERT_EQ(a.size(), 9u) << r.out;
  EXPECT_EQ(std::vector<std::string>(alerts[0].begin() + 2, alerts[0].end()),
            (std::vector<std::string>{"s1", "c2a", "2026-11-16", "WRITTEN_FORBIDDEN", "BREACH", "OPEN", "OPENED"}));
  EXPECT_EQ(std::vector<std::string>(alerts[1].begin() + 2, alerts[1].end()),
            (std::vector<std::string>{"s1", "c5a", "2026-11-17", "MEASURED_OVER_CAP", "BREACH", "OPEN", "OPENED"}));
  EXPECT_EQ(
      std::vector<std::string>(alerts[2].begin() + 2, alerts[2].end()),
      (std::vector<std::string>{"s1", "c5a", "2026-11-17", "MEASURED_OVER_CAP", "BREACH", "OPEN", "ACKNOWLEDGED"}));
  const std::string seq1 = alerts[0][0], seq2 = alerts[1][0], seq3 = alerts[2][0];
  EXPECT_LT(std::stoll(seq1), std::stoll(seq2));
  EXPECT_LT(std::stoll(seq2), std::stoll(seq3));
  EXPECT_EQ(lines_of(r.out).back(), "next cursor: c1_" + seq3);

  // Paging with the cursor.
  r = hw({"alerts", "--limit", "1"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  alerts = alert_rows(r.out);
  ASSERT_EQ(alerts.size(), 1u) << r.out;
  EXPECT_EQ(alerts[0][0], seq1);
  EXPECT_EQ(lines_of(r.out).back(), "next cursor: c1_" + seq1);
  r = hw({"alerts", "--after", "c1_" + seq1, "--limit", "1"});
  alerts = alert_rows(r.out);
  ASSERT_EQ(alerts.size(), 1u) << r.out;
  EXPECT_EQ(alerts[0][5], "MEASURED_OVER_CAP");
  EXPECT_EQ(lines_of(r.out).back(), "next cursor: c1_" + seq2);
  r = hw({"alerts", "--after", "c1_" + seq3});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  EXPECT_TRUE(alert_rows(r.out).empty()) << r.out;
  EXPECT_EQ(lines_of(r.out).back(), "next cursor: c1_" + seq3);
  r = hw({"alerts", "--district", "海淀区"});
  EXPECT_EQ(alert_rows(r.out).size(), 3u) << r.out;
  r = hw({"alerts", "--district", "朝阳区"});
  EXPECT_TRUE(alert_rows(r.out).empty()) << r.out;
}

// ---- errors ---------------------------------------------------------------------

TEST_F(Cli, UnreachableServerExitsOneWithAClearMessage) {
  const std::string port = std::to_string(closed_port());
  url_ = "http://127.0.0.1:" + port;
  auto r = hw({"load", "--school", "s1", "--class", "c5a", "--from", "2026-11-16", "--to", "2026-11-16"});
  EXPECT_EQ(r.exit_code, kRefused) << show(r);
  EXPECT_EQ(r.err, "hwload: UNAVAILABLE: cannot connect to 127.0.0.1:" + port + ": Connection refused\n");
  EXPECT_EQ(r.out, "");

  // An import that cannot send its rows says which lines were not sent.
  const std::string path = write("a.csv",
                                 "school_id,class_id,teacher_id,subject,date,type,minutes\n"
                                 "s1,c5a,t-li,数学,2026-11-17,书面,20\n"
                                 "s1,c5a,t-li,语文,2026-11-17,书面,20\n");
  r = hw({"import", "assignments", path});
  EXPECT_EQ(r.exit_code, kRefused) << show(r);
  EXPECT_EQ(r.err,
            "hwload: lines 2-3 not sent: UNAVAILABLE: cannot connect to 127.0.0.1:" + port + ": Connection refused\n");
}

TEST_F(Cli, MalformedArgumentValuesExitTwo) {
  start();
  ASSERT_NO_FATAL_FAILURE(register_school());
  auto r = hw({"time", "a1", "s01"});
  EXPECT_EQ(r.exit_code, kUsage) << show(r);
  EXPECT_EQ(r.err, "hwload: s01: expected STUDENT=MINUTES[:unfinished]\n");
  r = hw({"time", "a1", "s01=ten"});
  EXPECT_EQ(r.exit_code, kUsage) << show(r);
  EXPECT_EQ(r.err, "hwload: s01=ten: expected STUDENT=MINUTES[:unfinished]\n");
  r = hw({"assign", "--school", "s1", "--class", "c5a", "--teacher", "t-li", "--subject", "数学", "--date",
          "2026-11-17", "--minutes", "20", "--type", "作文"});
  EXPECT_EQ(r.exit_code, kUsage) << show(r);
  EXPECT_EQ(r.err, "hwload: --type 作文: unknown homework type\n");
  r = hw({"assign", "--school", "s1", "--class", "c5a", "--teacher", "t-li", "--subject", "数学", "--date",
          "2026-11-17", "--minutes", "20", "--tier", "必须"});
  EXPECT_EQ(r.exit_code, kUsage) << show(r);
  EXPECT_EQ(r.err, "hwload: --tier 必须: must be REQUIRED or OPTIONAL\n");
  r = hw({"calendar", "put", "s1", "--day", "2026-10-01=PARTY"});
  EXPECT_EQ(r.exit_code, kUsage) << show(r);
  EXPECT_EQ(r.err, "hwload: --day 2026-10-01=PARTY: expected DATE=SCHOOL_DAY|WEEKEND|HOLIDAY|VACATION\n");
  // Nothing reached the server.
  EXPECT_EQ(row(load("c5a", "2026-11-17", "2026-11-17"), "2026-11-17").at(4), "0");
}

// Errors the argument parser finds (missing or mistyped options, unknown commands,
// missing files) are usage errors too: exit status 2.
TEST_F(Cli, ArgumentParserErrorsExitTwo) {
  url_ = "http://127.0.0.1:" + std::to_string(closed_port());  // never contacted
  const std::vector<std::vector<std::string>> usage_errors = {
      {"assign", "--school", "s1"},                               // required options missing
      {"frobnicate"},                                             // unknown subcommand
      {},                                                         // no subcommand
      {"class", "put", "s1", "c1", "--grade", "five"},            // not a number
      {"import", "assignments", "/nonexistent/assignments.csv"},  // no such file
  };
  for (const auto& args : usage_errors) {
    const auto r = hw(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, kUsage) << "hwload " << joined << "\n" << show(r);
    EXPECT_NE(r.err, "") << joined;
  }
}

// ---- the demo -------------------------------------------------------------------

TEST_F(Cli, DemoServerListsEveryBreachKind) {
  start({"--demo"});
  const auto r = hw({"breaches", "--school", "hy-yanfeng-01", "--from", "2026-11-16", "--to", "2026-11-22"});
  EXPECT_EQ(r.exit_code, kOk) << show(r);
  using Row = std::tuple<std::string, std::string, std::string, std::string>;  // date, class, kind, severity
  std::set<Row> got;
  for (const auto& t : breach_rows(r.out)) {
    ASSERT_GE(t.size(), 5u) << r.out;
    EXPECT_EQ(t[4], "OPEN") << r.out;
    got.insert({t[0], t[1], t[2], t[3]});
  }
  // From demo.cc: g2c2 gets written homework on Thursday (grade 2, cap 0); g5c1's
  // Tuesday is 75 planned, and measured 15% over; g8c1 is measured 20% over its 85
  // planned on Mon, Tue and Thu (three BREACH dates within 7 days -> REPEATED); g4c2
  // gets written homework on the Wednesday no-homework day; g3c1's Friday dictation
  // is to be graded by parents.
  const std::set<Row> expected = {
      {"2026-11-16", "g8c1", "MEASURED_OVER_CAP", "BREACH"}, {"2026-11-17", "g5c1", "PLANNED_OVER_CAP", "WARNING"},
      {"2026-11-17", "g5c1", "MEASURED_OVER_CAP", "BREACH"}, {"2026-11-17", "g8c1", "MEASURED_OVER_CAP", "BREACH"},
      {"2026-11-18", "g4c2", "NO_HOMEWORK_DAY", "BREACH"},   {"2026-11-19", "g2c2", "WRITTEN_FORBIDDEN", "BREACH"},
      {"2026-11-19", "g8c1", "MEASURED_OVER_CAP", "BREACH"}, {"2026-11-19", "g8c1", "REPEATED", "SERIOUS"},
      {"2026-11-20", "g3c1", "BANNED_PRACTICE", "BREACH"},
  };
  EXPECT_EQ(got, expected) << r.out;
  EXPECT_EQ(lines_of(r.out).back(), "9 breach(es)");
  std::set<std::string> kinds;
  for (const auto& g : got) kinds.insert(std::get<2>(g));
  EXPECT_EQ(kinds, (std::set<std::string>{"WRITTEN_FORBIDDEN", "PLANNED_OVER_CAP", "MEASURED_OVER_CAP",
                                          "NO_HOMEWORK_DAY", "BANNED_PRACTICE", "REPEATED"}));

  // Grade 4's week: Wednesday is the school's no-homework day (cap 0), and g4c2's
  // Wednesday (20 min of written homework) is marked as breaking it.
  const auto week = hw({"week", "--school", "hy-yanfeng-01", "--grade", "4", "--week", "2026-W47"});
  EXPECT_EQ(week.exit_code, kOk) << show(week);
  EXPECT_EQ(row(week.out, "cap"),
            (std::vector<std::string>{"cap", "60", "60", "0", "(no-hw", "day)", "60", "60", "60", "60"}))
      << week.out;
  const auto g4c2 = row(week.out, "四年级2班");
  // Name; "planned / mean" Mon-Fri with " x" after Wednesday's; "-" for the weekend.
  ASSERT_EQ(g4c2.size(), 19u) << week.out;
  EXPECT_EQ(g4c2[7], "20") << week.out;
  EXPECT_EQ(g4c2[10], "x") << week.out;
  EXPECT_EQ(std::vector<std::string>(g4c2.end() - 2, g4c2.end()), (std::vector<std::string>{"-", "-"}));
}

}  // namespace
}  // namespace hwload::testing

namespace hwload::testing {
namespace {

TEST_F(Cli, SubscriptionsPutListAndAlertsTailFollowTheFeed) {
  start();
  register_school();
  EXPECT_EQ(ok({"subscriptions", "put", "bureau-hd", "--district", "海淀区", "--url", "http://127.0.0.1:9/hook",
                "--secret", "0123456789abcdef-secret", "--format", "PROTOBUF"}),
            "subscription bureau-hd saved: 海淀区 -> http://127.0.0.1:9/hook (PROTOBUF)\n");
  const auto list = lines_of(ok({"subscriptions", "list"}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(tokens(list[1]), (std::vector<std::string>{"bureau-hd", "海淀区", "http://127.0.0.1:9/hook", "PROTOBUF"}));
  EXPECT_EQ(ok({"--json", "subscriptions", "list"}).find("0123456789abcdef"), std::string::npos);  // never shown
  auto bad = hw({"subscriptions", "put", "b2", "--district", "海淀区", "--url", "http://x/h", "--secret", "short"});
  EXPECT_EQ(bad.exit_code, kRefused) << show(bad);
  EXPECT_NE(bad.err.find("secret: must be at least 16 bytes"), std::string::npos) << bad.err;

  ok({"class", "put", "s1", "c1a", "--grade", "1", "--name", "一年级1班"});
  ok({"assign", "--id", "g1", "--school", "s1", "--class", "c1a", "--teacher", "t", "--subject", "数学", "--date",
      "2026-11-17", "--minutes", "10"});
  ok({"withdraw", "g1"});
  // tail prints each alert once, oldest first, and keeps following until --seconds.
  const auto tail = lines_of(ok({"alerts", "tail", "--interval", "0.1", "--seconds", "0.5"}));
  ASSERT_EQ(tail.size(), 2u);
  const auto first = tokens(tail[0]);
  ASSERT_GE(first.size(), 8u) << tail[0];
  EXPECT_EQ(std::vector<std::string>(first.begin() + 2, first.begin() + 8),
            (std::vector<std::string>{"OPENED", "s1", "c1a", "2026-11-17", "WRITTEN_FORBIDDEN", "BREACH"}));
  EXPECT_EQ(tokens(tail[1])[2], "RESOLVED");
  const auto after_first = lines_of(ok({"alerts", "tail", "--after", "c1_" + tokens(tail[0])[0], "--seconds", "0.2"}));
  ASSERT_EQ(after_first.size(), 1u);
  EXPECT_EQ(tokens(after_first[0])[2], "RESOLVED");
}

}  // namespace
}  // namespace hwload::testing

namespace hwload::testing {
namespace {

TEST_F(Cli, NoticePublishListGetScheduleAndWeekCsv) {
  start();
  register_school();
  assign("a1", "c5a", "数学", "2026-11-17", 40, "a1  CREATED\n");
  const auto first = hw({"notice", "publish", "--school", "s1", "--date", "2026-11-17"});
  ASSERT_EQ(first.exit_code, kOk) << show(first);
  const auto first_line = tokens(lines_of(first.out).at(0));
  // daily notice 2026-11-17 version 1 (<id>), published <time>
  ASSERT_GE(first_line.size(), 5u) << first.out;
  EXPECT_EQ(first_line[2], "2026-11-17") << first.out;
  EXPECT_EQ(first_line[4], "1") << first.out;
  const std::string v1 = first_line[5].substr(1, first_line[5].size() - 3);  // "(<id>)," -> <id>
  EXPECT_EQ(lines_of(first.out).at(1), "page: " + url_ + "/notices/s1/" + v1) << first.out;

  // Unchanged: the same version again. Changed: version 2.
  const auto again = hw({"notice", "publish", "--school", "s1", "--date", "2026-11-17"});
  EXPECT_EQ(again.out, first.out) << show(again);
  assign("a2", "c5b", "语文", "2026-11-17", 70,
         "a2  CREATED\nwarning: 2026-11-17 c5b PLANNED_OVER_CAP: planned written homework 70 min exceeds the 60 min "
         "cap\n");
  const auto second = hw_json({"notice", "publish", "--school", "s1", "--date", "2026-11-17"});
  ASSERT_EQ(second.exit_code, kOk) << show(second);
  const auto v2 = from_json<pb::Notice>(second.out);
  EXPECT_EQ(v2.version(), 2);
  EXPECT_NE(v2.notice_id(), v1);

  const auto weekly = hw({"notice", "publish", "--school", "s1", "--week", "2026-W47", "--grade", "5"});
  EXPECT_EQ(weekly.exit_code, kOk) << show(weekly);
  EXPECT_EQ(tokens(lines_of(weekly.out).at(0)).at(2), "2026-W47") << weekly.out;

  // Newest first; v1 knows it is superseded.
  const auto list = ok({"notice", "list", "--school", "s1"});
  const auto rows = lines_of(list);
  ASSERT_EQ(rows.size(), 4u) << list;
  EXPECT_EQ(tokens(rows[1]).at(1), "2026-W47") << list;
  EXPECT_EQ(tokens(rows[2]).at(0), v2.notice_id()) << list;
  EXPECT_EQ(tokens(rows[3]).at(0), v1) << list;
  EXPECT_EQ(rest(tokens(rows[3]), 5), "no (v2)") << list;

  // The old version still shows what it said: c5b had no homework then.
  const auto old = ok({"notice", "get", "--school", "s1", v1});
  EXPECT_EQ(row(old, "五年级10班"), (std::vector<std::string>{"五年级10班", "2026-11-17", "0", "60", "0"})) << old;
  EXPECT_EQ(row(old, "五年级1班"), (std::vector<std::string>{"五年级1班", "2026-11-17", "40", "60", "1"})) << old;
  EXPECT_EQ(lines_of(old).at(0).rfind("daily notice 2026-11-17, version 1 of 2", 0), 0u) << old;

  // A schedule: none yet (exit 1), then set, then a bad time (exit 1, field named).
  EXPECT_EQ(hw({"notice", "schedule", "--school", "s1"}).exit_code, kRefused);
  const auto set = ok({"notice", "schedule", "--school", "s1", "--at", "17:30"});
  EXPECT_EQ(set.rfind("school s1 publishes its daily notice at 17:30 on school days", 0), 0u) << set;
  const auto bad = hw({"notice", "schedule", "--school", "s1", "--at", "5pm"});
  EXPECT_EQ(bad.exit_code, kRefused) << show(bad);
  EXPECT_NE(bad.err.find("publish_time: must be a local time HH:MM"), std::string::npos) << show(bad);
  EXPECT_EQ(ok({"notice", "schedule", "--school", "s1", "--off"}),
            "school s1 does not publish automatically (time kept: 17:30)\n");
  EXPECT_EQ(hw({"notice", "publish", "--school", "s1"}).exit_code, kUsage);
  EXPECT_EQ(hw({"notice", "publish", "--school", "s1", "--date", "2026-11-17", "--week", "2026-W47"}).exit_code,
            kUsage);

  const auto csv = ok({"week", "--school", "s1", "--grade", "5", "--week", "2026-W47", "--csv"});
  ASSERT_GE(csv.size(), 3u);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.find("\r\n五年级1班,0,40,0,0,0,0,0,40,0,0.0\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\r\n五年级10班,0,70,0,0,0,0,0,70,1,0.0\r\n"), std::string::npos) << csv;
}

}  // namespace
}  // namespace hwload::testing
