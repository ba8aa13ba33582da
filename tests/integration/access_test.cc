// Access control (issue 5), end to end: a server on port 0 with a temporary SQLite
// file and a frozen clock, with tokens of every role issued through the operator's
// `token create` code. What each role may see and change, the 401s of the /v1
// routes, the audit log, the per-token rate limit, the browser sessions of the /ui/
// pages (cookie, CSRF, expiry, revocation), and that no secret is kept at rest.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/tokens.h"
#include "auth/token.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

using client::RawResponse;

constexpr const char* kJsonType = "application/json";
constexpr const char* kFormType = "application/x-www-form-urlencoded";
constexpr const char* kSubscriptionSecret = "0123456789abcdef0123456789abcdef";

// ---- helpers ------------------------------------------------------------------

// One HTTP exchange as given; an empty response (status 0) on a transport failure.
RawResponse send(client::Client& c, const std::string& method, const std::string& target, const std::string& body = "",
                 const std::map<std::string, std::string>& headers = {}) {
  auto r = c.send_raw(method, target, body, headers);
  if (!r.ok()) {
    ADD_FAILURE() << method << " " << target << ": " << r.error().to_string();
    return {};
  }
  return *r;
}

std::string header(const RawResponse& r, const std::string& lower_name) {
  auto it = r.headers.find(lower_name);
  return it == r.headers.end() ? std::string() : it->second;
}

// The Error of a JSON error reply (the default encoding of errors).
pb::Error error_of(const RawResponse& r) {
  pb::Error e;
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &e, o).ok()) << r.status << " " << r.body;
  return e;
}

std::string json(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

std::string form_value(const std::string& text) { return client::Client::escape(text); }

// The secret part of `hwl_<id>_<secret>`.
std::string secret_of(const std::string& token) {
  const auto parsed = auth::parse_token(token);
  EXPECT_TRUE(parsed.has_value()) << token;
  return parsed ? parsed->secret : std::string();
}

std::string id_of(const std::string& token) {
  const auto parsed = auth::parse_token(token);
  EXPECT_TRUE(parsed.has_value()) << token;
  return parsed ? parsed->token_id : std::string();
}

// Revokes a token as the operator would: `hwload-server token revoke ID`.
void revoke(TestServer& ts, const std::string& token) {
  app::TokenCommand cmd;
  cmd.db = ts.db_path();
  cmd.action = "revoke";
  cmd.token_id = id_of(token);
  std::ostringstream out, err;
  ASSERT_EQ(app::run_token_command(cmd, ts.clock(), out, err), 0) << err.str();
}

// The value of the session cookie a Set-Cookie header sets.
std::string cookie_of(const std::string& set_cookie) {
  const std::string prefix = "hwload_session=";
  if (set_cookie.rfind(prefix, 0) != 0) return "";
  return set_cookie.substr(prefix.size(), set_cookie.find(';') - prefix.size());
}

std::string session_header(const std::string& session) { return "hwload_session=" + session; }

// The CSRF tokens of a page's forms.
std::vector<std::string> csrf_values(const std::string& html) {
  static const std::regex re("name=\"csrf\" value=\"([^\"]*)\"");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

std::vector<std::string> item_ids(const pb::BatchResult& r) {
  std::vector<std::string> out;
  for (const auto& item : r.items()) out.push_back(item.id());
  return out;
}

const pb::ItemResult& item(const pb::BatchResult& r, const std::string& id) {
  static const pb::ItemResult kMissing;
  for (const auto& i : r.items()) {
    if (i.id() == id) return i;
  }
  ADD_FAILURE() << "no item " << id;
  return kMissing;
}

pb::Assignment assignment_of(const std::string& school, const std::string& id, const std::string& class_id,
                             const std::string& date, int minutes) {
  pb::Assignment a = assignment(id, class_id, date, minutes);
  a.set_school_id(school);
  return a;
}

std::vector<pb::Breach> breaches_of(client::Client& c, const client::BreachQuery& q) {
  auto r = c.breaches(q);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? std::vector<pb::Breach>(r->breaches().begin(), r->breaches().end()) : std::vector<pb::Breach>();
}

// The one breach of `class_id` in school `school` (as the operator sees it).
pb::Breach breach_of(client::Client& op, const std::string& school, const std::string& class_id) {
  client::BreachQuery q;
  q.school_id = school;
  q.class_id = class_id;
  const auto list = breaches_of(op, q);
  EXPECT_EQ(list.size(), 1u) << school << "/" << class_id;
  return list.empty() ? pb::Breach() : list.front();
}

// The audit log as `c` may read it, every page of `limit` entries walked.
struct AuditRead {
  int status = 0;
  std::vector<pb::AuditEntry> entries;
};

AuditRead audit_page(client::Client& c, const std::string& query, pb::AuditPage* page_out = nullptr) {
  AuditRead out;
  const RawResponse r = send(c, "GET", "/v1/audit" + query, "", {{"Accept", kJsonType}});
  out.status = r.status;
  if (r.status != 200) return out;
  EXPECT_TRUE(Contains(r.content_type, kJsonType));
  pb::AuditPage page;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &page).ok()) << r.body;
  out.entries.assign(page.entries().begin(), page.entries().end());
  if (page_out) *page_out = page;
  return out;
}

AuditRead audit_of(client::Client& c) { return audit_page(c, "?limit=1000"); }

std::vector<pb::AuditEntry> entries_of(const AuditRead& a, const std::string& token_id) {
  std::vector<pb::AuditEntry> out;
  for (const auto& e : a.entries) {
    if (e.token_id() == token_id) out.push_back(e);
  }
  return out;
}

// Whole files: the database and its WAL (and anything else SQLite keeps beside it).
std::vector<std::pair<std::string, std::string>> database_files(const std::string& db_path) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::filesystem::path db(db_path);
  for (const auto& entry : std::filesystem::directory_iterator(db.parent_path())) {
    if (entry.path().filename().string().rfind(db.filename().string(), 0) != 0) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    out.emplace_back(entry.path().string(),
                     std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  }
  return out;
}

// ---- the fixture: s1 (district d1) as seed_school() makes it, s2 in d2, and one
// token of each role -------------------------------------------------------------

class Access : public ::testing::Test {
 protected:
  void SetUp() override {
    op_ = ts_.client();
    seed_school(*op_);
    seed_second_school(*op_);
    teacher_token_ = ts_.issue_token("teacher", "", "s1", 0, {"c5"});
    leader_token_ = ts_.issue_token("grade_leader", "", "s1", 5);
    admin_token_ = ts_.issue_token("school_admin", "", "s1");
    bureau_token_ = ts_.issue_token("bureau", "d1");
    admin2_token_ = ts_.issue_token("school_admin", "", "s2");
    teacher_ = ts_.client_with(teacher_token_);
    leader_ = ts_.client_with(leader_token_);
    admin_ = ts_.client_with(admin_token_);
    bureau_ = ts_.client_with(bureau_token_);
    admin2_ = ts_.client_with(admin2_token_);
    anon_ = ts_.client_with("");
  }

  // Planned-over-cap warnings in grade 5 (c5: 70 of 60 minutes) and grade 8 (c8:
  // 100 of 90) of s1 on Monday 2026-11-23.
  void seed_grade_breaches() {
    post_batch(*op_, {assignment("over5", "c5", "2026-11-23", 70), assignment("over8", "c8", "2026-11-23", 100)});
  }

  // Written homework for grade 2 in both schools: a WRITTEN_FORBIDDEN breach, and
  // so an alert, in each district.
  void seed_alerts() {
    post_batch(*op_, {assignment("w-c2", "c2", "2026-11-23", 10),
                      assignment_of("s2", "w-k2", "k2", "2026-11-23", 10)});
  }

  // Timings in both schools, so that compliance has figures in each district: in
  // s1 everybody is within the cap, in s2 every student is over it.
  void seed_timings() {
    post_batch(*op_, {assignment("t-c5", "c5", "2026-11-23", 30),
                      assignment_of("s2", "t-k5", "k5", "2026-11-23", 30)});
    post_timings(*op_, {report("t-c5", {20, 25, 30}), report("t-k5", {80, 90, 95, 100})});
  }

  RawResponse login(const std::string& token, const std::string& next = "/ui/schools/s1") {
    return send(*anon_, "POST", "/ui/login", "token=" + form_value(token) + "&next=" + form_value(next),
                {{"Content-Type", kFormType}});
  }

  // Logs in with `token`; the session id the cookie carries.
  std::string session_for(const std::string& token) {
    const RawResponse r = login(token);
    EXPECT_EQ(r.status, 303) << r.body;
    const std::string session = cookie_of(header(r, "set-cookie"));
    EXPECT_FALSE(session.empty()) << header(r, "set-cookie");
    return session;
  }

  RawResponse page(const std::string& target, const std::string& session) {
    return send(*anon_, "GET", target, "", {{"Cookie", session_header(session)}});
  }

  RawResponse post_page_form(const std::string& target, const std::string& session, const std::string& body) {
    return send(*anon_, "POST", target, body, {{"Cookie", session_header(session)}, {"Content-Type", kFormType}});
  }

  TestServer ts_;
  std::unique_ptr<client::Client> op_, teacher_, leader_, admin_, bureau_, admin2_, anon_;
  std::string teacher_token_, leader_token_, admin_token_, bureau_token_, admin2_token_;
};

// ---- 1. who is asking: 401s and public routes -----------------------------------

TEST_F(Access, WithoutATokenAV1RouteIs401WithABearerChallenge) {
  const RawResponse r = send(*anon_, "GET", "/v1/schools/s1");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(error_of(r).code(), "UNAUTHENTICATED");
  EXPECT_EQ(header(r, "www-authenticate"), "Bearer realm=\"hwload\"");
  // The typed SDK sees the same.
  auto typed = anon_->get_school("s1");
  ASSERT_FALSE(typed.ok());
  EXPECT_EQ(typed.error().http_status, 401);
  EXPECT_EQ(typed.error().error.code(), "UNAUTHENTICATED");
}

TEST_F(Access, BadCredentialsAre401InvalidTokenAndNeverEchoed) {
  const std::string teacher_id = id_of(teacher_token_);
  const std::string unknown = auth::generate_token().token;
  const std::string wrong_secret = "hwl_" + teacher_id + "_" + secret_of(auth::generate_token().token);
  const std::string revoked = ts_.issue_token("teacher", "", "s1", 0, {"c5"});
  ASSERT_EQ(send(*ts_.client_with(revoked), "GET", "/v1/schools/s1").status, 200) << "in force before revocation";
  revoke(ts_, revoked);

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"malformed bearer", "Bearer xyz"},
      {"basic", "Basic abc"},
      {"basic with a real token", "Basic " + teacher_token_},
      {"unknown id", "Bearer " + unknown},
      {"wrong secret", "Bearer " + wrong_secret},
      {"revoked", "Bearer " + revoked},
  };
  for (const auto& [what, authorization] : cases) {
    SCOPED_TRACE(what);
    for (const char* accept : {"", kJsonType}) {
      std::map<std::string, std::string> headers = {{"Authorization", authorization}};
      if (*accept) headers["Accept"] = accept;
      const RawResponse r = send(*anon_, "GET", "/v1/schools/s1", "", headers);
      EXPECT_EQ(r.status, 401) << r.body;
      EXPECT_EQ(error_of(r).code(), "UNAUTHENTICATED");
      const std::string challenge = header(r, "www-authenticate");
      EXPECT_TRUE(Contains(challenge, "Bearer realm=\"hwload\""));
      EXPECT_TRUE(Contains(challenge, "error=\"invalid_token\""));
      const std::string presented = authorization.substr(authorization.find(' ') + 1);
      EXPECT_TRUE(Lacks(r.body, presented));
      if (auto parsed = auth::parse_token(presented)) {
        EXPECT_TRUE(Lacks(r.body, parsed->secret));
        for (const auto& [name, value] : r.headers) EXPECT_TRUE(Lacks(value, parsed->secret)) << name;
      }
    }
  }
  // A write with a bad credential is refused the same way and stores nothing.
  const RawResponse w = send(*anon_, "POST", "/v1/assignments", json([] {
                               pb::AssignmentBatch b;
                               *b.add_assignments() = assignment("by-revoked", "c5", "2026-11-23", 10);
                               return b;
                             }()),
                             {{"Authorization", "Bearer " + revoked}, {"Content-Type", kJsonType}});
  EXPECT_EQ(w.status, 401);
  EXPECT_EQ(op_->get_assignment("by-revoked").error().http_status, 404);
}

// The server keeps the tokens its writes used; a revocation from the command line
// (another connection to the file) still takes effect from the next request on.
TEST_F(Access, ATokenRevokedFromTheCommandLineStopsWritingAtOnce) {
  const std::string token = ts_.issue_token("teacher", "", "s1", 0, {"c5"});
  auto write = [&](const std::string& id) {
    pb::AssignmentBatch b;
    *b.add_assignments() = assignment(id, "c5", "2026-11-23", 10);
    return send(*anon_, "POST", "/v1/assignments", json(b),
                {{"Authorization", "Bearer " + token}, {"Content-Type", kJsonType}});
  };
  ASSERT_EQ(write("before-revoke").status, 200);
  ASSERT_EQ(write("before-revoke-2").status, 200) << "a second write, with the token already known";
  revoke(ts_, token);
  EXPECT_EQ(write("after-revoke").status, 401);
  EXPECT_EQ(op_->get_assignment("after-revoke").error().http_status, 404);
  EXPECT_TRUE(op_->get_assignment("before-revoke-2").ok());
  EXPECT_EQ(send(*ts_.client_with(token), "GET", "/v1/schools/s1").status, 401);
}

TEST_F(Access, PublicRoutesStayOpenWithoutAToken) {
  EXPECT_EQ(send(*anon_, "GET", "/healthz").status, 200);
  EXPECT_EQ(send(*anon_, "GET", "/v1/schools/s1/notices").status, 200);
  EXPECT_EQ(send(*anon_, "GET", "/notices/s1").status, 200);
  const RawResponse login_page = send(*anon_, "GET", "/ui/login");
  EXPECT_EQ(login_page.status, 200);
  EXPECT_TRUE(Contains(login_page.content_type, "text/html"));
}

TEST_F(Access, MetricsNeedAnOperatorToken) {
  const RawResponse none = send(*anon_, "GET", "/metrics");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(header(none, "www-authenticate"), "Bearer realm=\"hwload\"");
  EXPECT_EQ(send(*teacher_, "GET", "/metrics").status, 403);
  EXPECT_EQ(send(*bureau_, "GET", "/metrics").status, 403);
  const RawResponse ok = send(*op_, "GET", "/metrics");
  EXPECT_EQ(ok.status, 200);
  EXPECT_TRUE(Contains(ok.body, "hwload_http_requests_total"));
}

TEST(AccessConfig, PublicMetricsNeedNoToken) {
  app::Config config;
  config.metrics_public = true;
  TestServer ts(config);
  const RawResponse r = send(*ts.client_with(""), "GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, "hwload_http_requests_total"));
}

// ---- 2. a teacher: its own classes only ---------------------------------------

TEST_F(Access, TeacherBatchRejectsClassesOutsideItsScope) {
  const pb::BatchResult r =
      post_batch(*teacher_, {assignment("t-c5", "c5", "2026-11-24", 20), assignment("t-c8", "c8", "2026-11-24", 20),
                             assignment_of("s2", "t-k5", "k5", "2026-11-24", 20)});
  ASSERT_EQ(item_ids(r), (std::vector<std::string>{"t-c5", "t-c8", "t-k5"}));
  EXPECT_EQ(item(r, "t-c5").status(), pb::CREATED);
  for (const char* id : {"t-c8", "t-k5"}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(item(r, id).status(), pb::REJECTED);
    EXPECT_EQ(item(r, id).error().code(), "PERMISSION_DENIED");
    EXPECT_TRUE(Contains(item(r, id).error().message(), "outside this token's scope"));
  }
  // Over raw HTTP the batch as a whole is a 200.
  pb::AssignmentBatch b;
  *b.add_assignments() = assignment("t-c8-raw", "c8", "2026-11-24", 20);
  const RawResponse raw = send(*teacher_, "POST", "/v1/assignments", json(b),
                               {{"Content-Type", kJsonType}, {"Accept", kJsonType}});
  EXPECT_EQ(raw.status, 200) << raw.body;

  EXPECT_TRUE(op_->get_assignment("t-c5").ok());
  for (const char* id : {"t-c8", "t-k5", "t-c8-raw"}) {
    auto got = op_->get_assignment(id);
    ASSERT_FALSE(got.ok()) << id << " was stored";
    EXPECT_EQ(got.error().http_status, 404) << id;
  }
  EXPECT_EQ(day_load(*op_, "c8", "2026-11-24").planned_minutes(), 0);
}

TEST_F(Access, TeacherTimingsForOtherClassesAreRejected) {
  post_batch(*op_, {assignment("a-c5", "c5", "2026-11-23", 30), assignment("a-c8", "c8", "2026-11-23", 30)});
  const pb::BatchResult r = post_timings(*teacher_, {report("a-c5", {20, 30}), report("a-c8", {20, 30})});
  ASSERT_EQ(r.items_size(), 2);
  EXPECT_EQ(r.items(0).status(), pb::CREATED) << r.items(0).error().message();
  EXPECT_EQ(r.items(1).status(), pb::REJECTED);
  EXPECT_EQ(r.items(1).error().code(), "PERMISSION_DENIED");
  EXPECT_TRUE(Contains(r.items(1).error().message(), "outside this token's scope"));
  EXPECT_EQ(day_load(*op_, "c5", "2026-11-23").students_reported(), 2);
  EXPECT_EQ(day_load(*op_, "c8", "2026-11-23").students_reported(), 0);
}

TEST_F(Access, TeacherReadsOnlyItsClassesAndChangesNothingElse) {
  post_batch(*op_, {assignment("a-c8", "c8", "2026-11-23", 30)});

  auto c8 = teacher_->class_load("s1", "c8", "2026-11-23", "2026-11-23");
  ASSERT_FALSE(c8.ok());
  EXPECT_EQ(c8.error().http_status, 404);
  EXPECT_TRUE(teacher_->class_load("s1", "c5", "2026-11-23", "2026-11-23").ok());
  auto week = teacher_->grade_week("s1", 5, "2026-W48");
  ASSERT_FALSE(week.ok());
  EXPECT_EQ(week.error().http_status, 403);
  EXPECT_EQ(week.error().error.code(), "PERMISSION_DENIED");

  pb::Class c9;
  c9.set_school_id("s1");
  c9.set_class_id("c9");
  c9.set_grade(5);
  c9.set_student_count(30);
  auto put = teacher_->put_class(c9);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().http_status, 403);
  auto classes = op_->list_classes("s1");
  ASSERT_TRUE(classes.ok());
  EXPECT_EQ(classes->classes_size(), 3) << "c9 was not made";

  // Another class's assignment: as if it did not exist, and it stays.
  auto del = teacher_->withdraw_assignment("a-c8");
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().http_status, 404);
  auto read = teacher_->get_assignment("a-c8");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().http_status, 404);
  pb::Assignment moved = assignment("a-c8", "c5", "2026-11-23", 5);
  auto replace = teacher_->put_assignment(moved);
  ASSERT_FALSE(replace.ok());
  EXPECT_EQ(replace.error().http_status, 404);

  // Its id re-used in a batch for the teacher's own class: rejected, not overwritten.
  const pb::BatchResult r = post_batch(*teacher_, {assignment("a-c8", "c5", "2026-11-23", 5)});
  ASSERT_EQ(r.items_size(), 1);
  EXPECT_EQ(r.items(0).status(), pb::REJECTED);

  auto kept = op_->get_assignment("a-c8");
  ASSERT_TRUE(kept.ok()) << kept.error().to_string();
  EXPECT_EQ(kept->class_id(), "c8");
  EXPECT_EQ(kept->estimated_minutes(), 30);
  EXPECT_EQ(day_load(*op_, "c8", "2026-11-23").planned_minutes(), 30) << "not withdrawn";
  EXPECT_EQ(day_load(*op_, "c5", "2026-11-23").planned_minutes(), 0);
}

// ---- 3. a grade leader: its grade only ------------------------------------------

TEST_F(Access, GradeLeaderSeesAndAcknowledgesOnlyItsGrade) {
  seed_grade_breaches();
  const pb::Breach b5 = breach_of(*op_, "s1", "c5");
  const pb::Breach b8 = breach_of(*op_, "s1", "c8");
  ASSERT_EQ(b5.grade(), 5);
  ASSERT_EQ(b8.grade(), 8);

  const auto seen = breaches_of(*leader_, {});
  ASSERT_FALSE(seen.empty());
  for (const auto& b : seen) EXPECT_EQ(b.grade(), 5) << b.breach_id() << " " << b.class_id();
  client::BreachQuery s1;
  s1.school_id = "s1";
  for (const auto& b : breaches_of(*leader_, s1)) EXPECT_EQ(b.grade(), 5) << b.breach_id();

  client::BreachQuery grade8;
  grade8.grade = 8;
  auto other = leader_->breaches(grade8);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().http_status, 404);
  client::BreachQuery class8;
  class8.school_id = "s1";
  class8.class_id = "c8";
  auto by_class = leader_->breaches(class8);
  EXPECT_TRUE(!by_class.ok() ? by_class.error().http_status == 404 : by_class->breaches_size() == 0)
      << "grade 8's class must not show its breaches";

  pb::AcknowledgeRequest ack;
  ack.set_acknowledged_by("年级组长");
  auto refused = leader_->acknowledge(b8.breach_id(), ack);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 404);
  EXPECT_EQ(breach_of(*op_, "s1", "c8").acknowledged_by(), "");
  auto done = leader_->acknowledge(b5.breach_id(), ack);
  ASSERT_TRUE(done.ok()) << done.error().to_string();
  EXPECT_EQ(breach_of(*op_, "s1", "c5").acknowledged_by(), "年级组长");

  pb::AssignmentBatch batch;
  *batch.add_assignments() = assignment("by-leader", "c5", "2026-11-24", 10);
  auto post = leader_->post_assignments(batch);
  ASSERT_FALSE(post.ok());
  EXPECT_EQ(post.error().http_status, 403);
  EXPECT_EQ(op_->get_assignment("by-leader").error().http_status, 404);
}

// ---- 4. a bureau: its district only ---------------------------------------------

TEST_F(Access, BureauAlertsAreItsDistrictsOnly) {
  seed_alerts();
  auto all = op_->alerts("", 1000);
  ASSERT_TRUE(all.ok()) << all.error().to_string();
  std::set<std::string> districts;
  for (const auto& a : all->alerts()) districts.insert(a.district());
  ASSERT_EQ(districts, (std::set<std::string>{"d1", "d2"})) << "both districts have alerts";

  auto own = bureau_->alerts("", 1000);
  ASSERT_TRUE(own.ok()) << own.error().to_string();
  ASSERT_GT(own->alerts_size(), 0);
  for (const auto& a : own->alerts()) {
    EXPECT_EQ(a.district(), "d1");
    EXPECT_EQ(a.breach().school_id(), "s1");
  }
  auto explicit_own = bureau_->alerts("", 1000, "d1");
  ASSERT_TRUE(explicit_own.ok());
  EXPECT_EQ(explicit_own->alerts_size(), own->alerts_size());

  auto other = bureau_->alerts("", 1000, "d2");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().http_status, 404);
}

TEST_F(Access, BureauComplianceIsItsDistrictsOnly) {
  seed_timings();
  client::ComplianceQuery q;
  q.from = "2026-11-23";
  q.to = "2026-11-23";
  auto own = bureau_->compliance(q);
  ASSERT_TRUE(own.ok()) << own.error().to_string();
  client::ComplianceQuery d1 = q;
  d1.district = "d1";
  auto reference = op_->compliance(d1);
  ASSERT_TRUE(reference.ok()) << reference.error().to_string();
  auto everything = op_->compliance(q);
  ASSERT_TRUE(everything.ok());
  ASSERT_NE(everything->student_days(), reference->student_days()) << "the test needs figures in both districts";
  EXPECT_EQ(own->student_days(), reference->student_days());
  EXPECT_EQ(own->student_days_within_cap(), reference->student_days_within_cap());
  EXPECT_EQ(own->class_days(), reference->class_days());
  EXPECT_EQ(own->class_days_over_cap(), reference->class_days_over_cap());
  EXPECT_EQ(own->student_days(), 3);
  EXPECT_EQ(own->student_days_within_cap(), 3);

  client::ComplianceQuery s2 = q;
  s2.school_id = "s2";
  auto school = bureau_->compliance(s2);
  ASSERT_FALSE(school.ok());
  EXPECT_EQ(school.error().http_status, 404);
  client::ComplianceQuery d2 = q;
  d2.district = "d2";
  auto district = bureau_->compliance(d2);
  ASSERT_FALSE(district.ok());
  EXPECT_EQ(district.error().http_status, 404);
}

TEST_F(Access, BureauRegistersSchoolsOnlyInItsDistrict) {
  auto s2 = bureau_->get_school("s2");
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.error().http_status, 404);
  EXPECT_TRUE(bureau_->get_school("s1").ok());

  pb::School s3;
  s3.set_school_id("s3");
  s3.set_name("第三小学");
  s3.set_district("d1");
  s3.set_profile("national");
  auto made = bureau_->put_school(s3);
  ASSERT_TRUE(made.ok()) << made.error().to_string();

  // Moving it, or making another, in a district it does not cover: refused.
  s3.set_district("d2");
  auto moved = bureau_->put_school(s3);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().http_status, 403);
  EXPECT_EQ(moved.error().error.code(), "PERMISSION_DENIED");
  EXPECT_EQ(op_->get_school("s3")->district(), "d1");
  pb::School s4 = s3;
  s4.set_school_id("s4");
  auto elsewhere = bureau_->put_school(s4);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().http_status, 403);
  EXPECT_EQ(op_->get_school("s4").error().http_status, 404);

  // A school of another district, even named: as if it did not exist.
  pb::School takeover;
  takeover.set_school_id("s2");
  takeover.set_name("第二实验学校");
  takeover.set_district("d1");
  takeover.set_profile("national");
  auto taken = bureau_->put_school(takeover);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().http_status, 404);
  EXPECT_EQ(op_->get_school("s2")->district(), "d2");
}

TEST_F(Access, BureauSubscribesOnlyForItsDistrict) {
  pb::Subscription other;
  other.set_subscription_id("y");
  other.set_district("d2");
  other.set_url("http://127.0.0.1:9/hook");
  other.set_secret(kSubscriptionSecret);
  ASSERT_TRUE(op_->put_subscription(other).ok());

  pb::Subscription x = other;
  x.set_subscription_id("x");
  auto refused = bureau_->put_subscription(x);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 403);
  x.set_district("d1");
  auto made = bureau_->put_subscription(x);
  ASSERT_TRUE(made.ok()) << made.error().to_string();
  // Its own subscription moved to another district: refused; another's: unknown.
  x.set_district("d2");
  auto moved = bureau_->put_subscription(x);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().http_status, 403);
  pb::Subscription hijack = other;
  hijack.set_district("d1");
  auto hijacked = bureau_->put_subscription(hijack);
  ASSERT_FALSE(hijacked.ok());
  EXPECT_EQ(hijacked.error().http_status, 404);

  auto list = bureau_->list_subscriptions();
  ASSERT_TRUE(list.ok()) << list.error().to_string();
  ASSERT_EQ(list->subscriptions_size(), 1);
  EXPECT_EQ(list->subscriptions(0).subscription_id(), "x");
  EXPECT_EQ(list->subscriptions(0).district(), "d1");
  auto all = op_->list_subscriptions();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->subscriptions_size(), 2);
  auto d2 = bureau_->list_subscriptions("d2");
  ASSERT_FALSE(d2.ok());
  EXPECT_EQ(d2.error().http_status, 404);
}

// ---- 5. a school admin: its school ---------------------------------------------

TEST_F(Access, SchoolAdminManagesItsSchoolButNeitherMovesItNorAcknowledges) {
  auto school = op_->get_school("s1");
  ASSERT_TRUE(school.ok());
  pb::School moved = *school;
  moved.set_district("d2");
  auto refused = admin_->put_school(moved);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 403);
  EXPECT_EQ(op_->get_school("s1")->district(), "d1");
  pb::School renamed = *school;
  renamed.set_name("第一实验学校（新校区）");
  auto ok = admin_->put_school(renamed);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(op_->get_school("s1")->name(), "第一实验学校（新校区）");

  pb::PublishNoticeRequest daily;
  daily.set_date("2026-11-23");
  auto notice = admin_->publish_notice("s1", daily);
  ASSERT_TRUE(notice.ok()) << notice.error().to_string();
  auto elsewhere = admin_->publish_notice("s2", daily);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().http_status, 404);

  seed_grade_breaches();
  const pb::Breach b5 = breach_of(*op_, "s1", "c5");
  pb::AcknowledgeRequest ack;
  ack.set_acknowledged_by("管理员");
  auto acked = admin_->acknowledge(b5.breach_id(), ack);
  ASSERT_FALSE(acked.ok());
  EXPECT_EQ(acked.error().http_status, 403);
  EXPECT_EQ(breach_of(*op_, "s1", "c5").acknowledged_by(), "");

  auto s2 = admin_->get_school("s2");
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.error().http_status, 404);
}

// ---- 6. the audit log ----------------------------------------------------------

TEST_F(Access, AuditLogRecordsATeachersBatchForItsSchoolAdmin) {
  post_batch(*teacher_, {assignment("au-c5", "c5", "2026-11-24", 20), assignment("au-c8", "c8", "2026-11-24", 20)});
  const AuditRead a = audit_of(*admin_);
  ASSERT_EQ(a.status, 200);
  const auto mine = entries_of(a, id_of(teacher_token_));
  ASSERT_EQ(mine.size(), 1u);
  const pb::AuditEntry& e = mine[0];
  EXPECT_EQ(e.role(), "teacher");
  EXPECT_EQ(e.method(), "POST");
  EXPECT_EQ(e.route(), "/v1/assignments");
  EXPECT_EQ(e.status(), 200);
  EXPECT_EQ(e.school_id(), "s1");
  EXPECT_TRUE(std::regex_match(e.remote(), std::regex(R"(127\.0\.0\.1:\d+)"))) << e.remote();
  EXPECT_TRUE(Contains(e.target(), "au-c5"));
  EXPECT_TRUE(Contains(e.target(), "au-c8"));
  EXPECT_FALSE(e.at().empty());
  EXPECT_GT(e.seq(), 0);
  // The JSON names its fields as the contract does.
  const RawResponse raw = send(*admin_, "GET", "/v1/audit", "", {{"Accept", kJsonType}});
  for (const char* field : {"\"entries\"", "\"tokenId\"", "\"schoolId\"", "\"route\"", "\"remote\"", "\"status\""}) {
    EXPECT_TRUE(Contains(raw.body, field));
  }
  // No secret in the log.
  EXPECT_TRUE(Lacks(raw.body, secret_of(teacher_token_)));
}

TEST_F(Access, AuditLogRecordsRefusedWritesButNotReads) {
  ASSERT_TRUE(teacher_->get_school("s1").ok());
  ASSERT_TRUE(teacher_->class_load("s1", "c5", "2026-11-23", "2026-11-23").ok());
  pb::Class c9;
  c9.set_school_id("s1");
  c9.set_class_id("c9");
  c9.set_grade(5);
  c9.set_student_count(30);
  ASSERT_EQ(teacher_->put_class(c9).error().http_status, 403);

  const auto mine = entries_of(audit_of(*admin_), id_of(teacher_token_));
  ASSERT_EQ(mine.size(), 1u) << "only the refused PUT; GETs are not logged";
  EXPECT_EQ(mine[0].method(), "PUT");
  EXPECT_EQ(mine[0].route(), "/v1/schools/{school_id}/classes/{class_id}");
  EXPECT_EQ(mine[0].status(), 403);
  EXPECT_TRUE(Contains(mine[0].target(), "c9"));
  for (const auto& e : audit_of(*op_).entries) EXPECT_NE(e.method(), "GET") << e.route();
}

TEST_F(Access, AuditLogOfAChangeRefusedForBadInputHasItsStatusAndNothingElseChanged) {
  const size_t before = audit_of(*op_).entries.size();
  pb::Class bad;
  bad.set_school_id("s1");
  bad.set_class_id("c5");
  bad.set_grade(0);
  bad.set_student_count(40);
  auto r = admin_->put_class(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 400);

  const auto after = audit_of(*op_).entries;
  ASSERT_EQ(after.size(), before + 1);
  EXPECT_EQ(after.back().token_id(), id_of(admin_token_));
  EXPECT_EQ(after.back().role(), "school_admin");
  EXPECT_EQ(after.back().status(), 400);
  EXPECT_EQ(after.back().method(), "PUT");
  auto classes = op_->list_classes("s1", 5);
  ASSERT_TRUE(classes.ok());
  ASSERT_EQ(classes->classes_size(), 1);
  EXPECT_EQ(classes->classes(0).class_id(), "c5");
  EXPECT_EQ(classes->classes(0).grade(), 5);
}

TEST_F(Access, AuditLogIsReadWithinScope) {
  post_batch(*teacher_, {assignment("au-c5", "c5", "2026-11-24", 20)});
  pb::Class c9;
  c9.set_school_id("s1");
  c9.set_class_id("c9");
  c9.set_grade(5);
  c9.set_student_count(30);
  ASSERT_EQ(teacher_->put_class(c9).error().http_status, 403);

  const AuditRead admin = audit_of(*admin_);
  ASSERT_EQ(admin.status, 200);
  ASSERT_EQ(entries_of(admin, id_of(teacher_token_)).size(), 2u);
  for (const auto& e : admin.entries) EXPECT_EQ(e.school_id(), "s1") << e.route();

  // The bureau of d1 sees every entry about s1; nothing of d2.
  const AuditRead bureau = audit_of(*bureau_);
  ASSERT_EQ(bureau.status, 200);
  std::set<int64_t> bureau_seqs;
  for (const auto& e : bureau.entries) {
    bureau_seqs.insert(e.seq());
    EXPECT_NE(e.school_id(), "s2");
    EXPECT_NE(e.district(), "d2");
  }
  for (const auto& e : admin.entries) {
    EXPECT_EQ(bureau_seqs.count(e.seq()), 1u)
        << "bureau d1 does not see s1's entry " << e.seq() << " " << e.method() << " " << e.route() << " (district \""
        << e.district() << "\")";
  }

  // The admin of s2 sees none of s1's.
  const AuditRead other = audit_of(*admin2_);
  ASSERT_EQ(other.status, 200);
  for (const auto& e : other.entries) {
    EXPECT_NE(e.school_id(), "s1") << e.seq() << " " << e.route();
    EXPECT_NE(e.token_id(), id_of(teacher_token_));
  }
  EXPECT_EQ(audit_page(*admin2_, "?school_id=s1").status, 404);
  EXPECT_EQ(audit_page(*bureau_, "?district=d2").status, 404);

  // A teacher and a grade leader may not read it.
  EXPECT_EQ(audit_page(*teacher_, "").status, 403);
  EXPECT_EQ(audit_page(*leader_, "").status, 403);
}

TEST_F(Access, AuditLogPagesInSeqOrder) {
  post_batch(*teacher_, {assignment("p1", "c5", "2026-11-24", 20)});
  post_batch(*teacher_, {assignment("p2", "c5", "2026-11-25", 20)});
  pb::Class c9;
  c9.set_school_id("s1");
  c9.set_class_id("c9");
  c9.set_grade(5);
  c9.set_student_count(30);
  ASSERT_TRUE(admin_->put_class(c9).ok());

  const AuditRead all = audit_of(*admin_);
  ASSERT_GE(all.entries.size(), 3u);
  std::vector<int64_t> walked;
  int64_t after = 0;
  for (int guard = 0; guard < 100; ++guard) {
    pb::AuditPage page;
    const AuditRead r = audit_page(*admin_, "?limit=1&after=" + std::to_string(after), &page);
    ASSERT_EQ(r.status, 200);
    ASSERT_LE(r.entries.size(), 1u);
    for (const auto& e : r.entries) walked.push_back(e.seq());
    if (page.next_after() == 0) break;
    EXPECT_EQ(page.next_after(), r.entries.back().seq());
    after = page.next_after();
  }
  std::vector<int64_t> expected;
  for (const auto& e : all.entries) expected.push_back(e.seq());
  EXPECT_EQ(walked, expected);
  for (size_t i = 1; i < walked.size(); ++i) EXPECT_LT(walked[i - 1], walked[i]);
  EXPECT_EQ(audit_page(*admin_, "?limit=0").status, 400);
}

// ---- 7. the per-token rate limit ------------------------------------------------

TEST(AccessLimits, ATokenOverItsRateGets429WhileAnotherTokenIsServed) {
  app::Config config;
  config.per_token_rps = 1;
  config.per_token_burst = 2;
  config.per_address_rps = 0;
  TestServer ts(config);
  auto first = ts.client_with(ts.issue_token("bureau", "d1"));
  auto second = ts.client_with(ts.issue_token("bureau", "d1"));
  EXPECT_EQ(send(*first, "GET", "/v1/subscriptions").status, 200);
  EXPECT_EQ(send(*first, "GET", "/v1/subscriptions").status, 200);
  const RawResponse limited = send(*first, "GET", "/v1/subscriptions");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(error_of(limited).code(), "RESOURCE_EXHAUSTED");
  const std::string retry_after = header(limited, "retry-after");
  ASSERT_FALSE(retry_after.empty());
  EXPECT_GE(std::stoi(retry_after), 1);
  EXPECT_EQ(send(*second, "GET", "/v1/subscriptions").status, 200);
  // Public routes are not a token's.
  EXPECT_EQ(send(*ts.client_with(""), "GET", "/healthz").status, 200);
}

// ---- 8. browser sessions --------------------------------------------------------

TEST_F(Access, LoginSetsAStrictHttpOnlySessionCookieAndRedirects) {
  const RawResponse r = login(leader_token_);
  EXPECT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(header(r, "location"), "/ui/schools/s1");
  const std::string cookie = header(r, "set-cookie");
  EXPECT_EQ(cookie.rfind("hwload_session=", 0), 0u) << cookie;
  EXPECT_TRUE(Contains(cookie, "HttpOnly"));
  EXPECT_TRUE(Contains(cookie, "SameSite=Strict"));
  EXPECT_TRUE(Contains(cookie, "Max-Age=43200"));
  EXPECT_TRUE(Contains(cookie, "Path=/"));
  EXPECT_TRUE(Lacks(cookie, "Secure"));
  const std::string session = cookie_of(cookie);
  EXPECT_GE(session.size(), 32u);
  EXPECT_TRUE(Lacks(session, secret_of(leader_token_)));
  EXPECT_TRUE(Lacks(r.body, leader_token_));

  const RawResponse home = page("/ui/schools/s1", session);
  EXPECT_EQ(home.status, 200) << home.body;
  EXPECT_TRUE(Contains(home.body, "test grade_leader"));
}

TEST_F(Access, PagesWithoutALiveSessionRedirectToLogin) {
  const RawResponse none = send(*anon_, "GET", "/ui/schools/s1");
  EXPECT_EQ(none.status, 303);
  EXPECT_EQ(header(none, "location"), "/ui/login?next=%2Fui%2Fschools%2Fs1");
  EXPECT_EQ(header(none, "set-cookie"), "");

  const RawResponse bogus = page("/ui/schools/s1", "not-a-session");
  EXPECT_EQ(bogus.status, 303);
  EXPECT_EQ(header(bogus, "location"), "/ui/login?next=%2Fui%2Fschools%2Fs1");
  const std::string clear = header(bogus, "set-cookie");
  EXPECT_EQ(clear.rfind("hwload_session=;", 0), 0u) << clear;
  EXPECT_TRUE(Contains(clear, "Max-Age=0"));
}

TEST_F(Access, SessionFormsCarryCsrfTokensThatAcknowledgingNeeds) {
  post_batch(*op_, {assignment("w47", "c5", "2026-11-17", 70)});
  const pb::Breach b = breach_of(*op_, "s1", "c5");
  ASSERT_EQ(b.date(), "2026-11-17");
  const std::string session = session_for(leader_token_);

  const RawResponse review = page("/ui/schools/s1/grades/5/weeks/2026-W47", session);
  ASSERT_EQ(review.status, 200) << review.body;
  EXPECT_TRUE(Contains(review.body, "/ui/breaches/" + b.breach_id() + "/acknowledge"));
  const auto tokens = csrf_values(review.body);
  ASSERT_GE(tokens.size(), 2u) << "the acknowledge form and the logout form";
  for (const auto& t : tokens) {
    EXPECT_TRUE(std::regex_match(t, std::regex("[0-9a-f]{64}"))) << t;
    EXPECT_EQ(t, tokens[0]);
  }
  const std::string csrf = tokens[0];
  EXPECT_TRUE(Lacks(review.body, session));

  const std::string target = "/ui/breaches/" + b.breach_id() + "/acknowledge";
  const RawResponse without = post_page_form(target, session, "acknowledged_by=x&note=y");
  EXPECT_EQ(without.status, 403);
  std::string wrong = csrf;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  const RawResponse mismatched = post_page_form(target, session, "acknowledged_by=x&note=y&csrf=" + wrong);
  EXPECT_EQ(mismatched.status, 403);
  EXPECT_EQ(post_page_form(target, session, "acknowledged_by=x&note=y&csrf=").status, 403);
  EXPECT_EQ(breach_of(*op_, "s1", "c5").acknowledged_by(), "") << "nothing was recorded";

  // Another session's token does not do either.
  const std::string other_session = session_for(leader_token_);
  const auto other_tokens = csrf_values(page("/ui/schools/s1/grades/5/weeks/2026-W47", other_session).body);
  ASSERT_FALSE(other_tokens.empty());
  EXPECT_NE(other_tokens[0], csrf);
  EXPECT_EQ(post_page_form(target, session, "acknowledged_by=x&note=y&csrf=" + other_tokens[0]).status, 403);
  EXPECT_EQ(breach_of(*op_, "s1", "c5").acknowledged_by(), "");

  const RawResponse ok =
      post_page_form(target, session, "acknowledged_by=" + form_value("王主任") + "&note=ok&csrf=" + csrf);
  EXPECT_EQ(ok.status, 303) << ok.body;
  EXPECT_EQ(header(ok, "location"), "/ui/schools/s1/grades/5/weeks/2026-W47");
  EXPECT_EQ(breach_of(*op_, "s1", "c5").acknowledged_by(), "王主任");
}

TEST_F(Access, SessionCannotAcknowledgeOutsideItsGrade) {
  post_batch(*op_, {assignment("w47-8", "c8", "2026-11-17", 100)});
  const pb::Breach b8 = breach_of(*op_, "s1", "c8");
  const std::string session = session_for(leader_token_);
  const auto tokens = csrf_values(page("/ui/schools/s1", session).body);
  ASSERT_FALSE(tokens.empty());
  const RawResponse r = post_page_form("/ui/breaches/" + b8.breach_id() + "/acknowledge", session,
                                       "acknowledged_by=x&note=y&csrf=" + tokens[0]);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(breach_of(*op_, "s1", "c8").acknowledged_by(), "");
  EXPECT_EQ(page("/ui/schools/s1/grades/8/weeks/2026-W47", session).status, 404);
  EXPECT_EQ(page("/ui/schools/s2", session).status, 404);
}

TEST_F(Access, LogoutEndsTheSession) {
  const std::string session = session_for(leader_token_);
  const auto tokens = csrf_values(page("/ui/schools/s1", session).body);
  ASSERT_FALSE(tokens.empty());
  // Without its CSRF token a logout is refused (a page of another site cannot log
  // the user out) and the session goes on.
  EXPECT_EQ(post_page_form("/ui/logout", session, "").status, 403);
  EXPECT_EQ(page("/ui/schools/s1", session).status, 200);

  const RawResponse out = post_page_form("/ui/logout", session, "csrf=" + tokens[0]);
  EXPECT_EQ(out.status, 303) << out.body;
  EXPECT_EQ(header(out, "location"), "/ui/login");
  const std::string clear = header(out, "set-cookie");
  EXPECT_EQ(clear.rfind("hwload_session=;", 0), 0u) << clear;
  EXPECT_TRUE(Contains(clear, "Max-Age=0"));

  const RawResponse after = page("/ui/schools/s1", session);
  EXPECT_EQ(after.status, 303);
  EXPECT_EQ(header(after, "location").rfind("/ui/login", 0), 0u);
}

TEST_F(Access, SessionExpiresAfterItsLifetime) {
  const std::string session = session_for(leader_token_);
  ts_.clock().set(ts_.clock().now() + std::chrono::minutes(719));
  EXPECT_EQ(page("/ui/schools/s1", session).status, 200) << "still alive before 12 hours";
  ts_.clock().set(ts_.clock().now() + std::chrono::minutes(2));  // 721 minutes after login
  const RawResponse r = page("/ui/schools/s1", session);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(header(r, "location").rfind("/ui/login", 0), 0u);
  EXPECT_TRUE(Contains(header(r, "set-cookie"), "Max-Age=0"));
}

TEST_F(Access, RevokingTheTokenEndsItsSessions) {
  const std::string session = session_for(leader_token_);
  ASSERT_EQ(page("/ui/schools/s1", session).status, 200);
  revoke(ts_, leader_token_);
  const RawResponse r = page("/ui/schools/s1", session);
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(header(r, "location").rfind("/ui/login", 0), 0u);
  // A revoked token cannot log in again.
  const RawResponse again = login(leader_token_);
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(header(again, "set-cookie"), "");
}

TEST_F(Access, LoginWithABadTokenShowsTheFormAgainWithoutACookie) {
  const std::string wrong_secret = "hwl_" + id_of(leader_token_) + "_" + secret_of(auth::generate_token().token);
  for (const std::string& token : {wrong_secret, auth::generate_token().token, std::string("nope"), std::string("")}) {
    SCOPED_TRACE(token);
    const RawResponse r = login(token);
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(Contains(r.content_type, "text/html"));
    EXPECT_TRUE(Contains(r.body, "name=\"token\""));
    EXPECT_EQ(header(r, "set-cookie"), "");
    if (!token.empty()) {
      EXPECT_TRUE(Lacks(r.body, token));
    }
    if (auto parsed = auth::parse_token(token)) {
      EXPECT_TRUE(Lacks(r.body, parsed->secret));
    }
  }
}

// Failed logins are logged only for tokens that exist: made-up ids could fill the
// append-only log.
TEST_F(Access, FailedLoginsAreAuditedOnlyForTokensThatExist) {
  const size_t before = audit_of(*op_).entries.size();
  EXPECT_EQ(login(auth::generate_token().token).status, 401);
  EXPECT_EQ(audit_of(*op_).entries.size(), before);
  const std::string wrong_secret = "hwl_" + id_of(leader_token_) + "_" + secret_of(auth::generate_token().token);
  EXPECT_EQ(login(wrong_secret).status, 401);
  const auto after = audit_of(*op_).entries;
  ASSERT_EQ(after.size(), before + 1);
  EXPECT_EQ(after.back().route(), "/ui/login");
  EXPECT_EQ(after.back().token_id(), id_of(leader_token_));
  EXPECT_EQ(after.back().status(), 401);
  EXPECT_EQ(after.back().school_id(), "s1");
}

// A batch sent only to be checked is logged as such: nothing of it was stored.
TEST_F(Access, AuditOfACheckOnlyBatchSaysNothingWasStored) {
  post_batch(*teacher_, {assignment("check-1", "c5", "2026-11-23", 20)}, /*validate_only=*/true);
  const auto entries = audit_of(*admin_).entries;
  ASSERT_FALSE(entries.empty());
  EXPECT_TRUE(Contains(entries.back().target(), "1 assignments checked, nothing stored (1 acceptable, 0 rejected)"));
  EXPECT_EQ(op_->get_assignment("check-1").error().http_status, 404);
}

// A grade leader's list of classes is its grade's.
TEST_F(Access, GradeLeaderListsOnlyItsGradesClasses) {
  auto mine = leader_->list_classes("s1");
  ASSERT_TRUE(mine.ok()) << mine.error().to_string();
  ASSERT_EQ(mine->classes_size(), 1);
  EXPECT_EQ(mine->classes(0).class_id(), "c5");
  auto other = leader_->list_classes("s1", 8);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().http_status, 404);
  auto all = admin_->list_classes("s1");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->classes_size(), 3);
}

TEST_F(Access, LoginRedirectsOnlyToOwnPages) {
  for (const char* next : {"https://evil.example/", "//evil", "/ui//evil.example", "http:/ui/x", "/v1/schools/s1",
                           "/ui/\r\nSet-Cookie: hwload_session=planted; Path=/ui/", "/ui/\nX-Injected: 1"}) {
    SCOPED_TRACE(next);
    const RawResponse r = login(leader_token_, next);
    EXPECT_EQ(r.status, 303);
    EXPECT_EQ(header(r, "location"), "/ui/");
    // A line break in `next` never becomes a header of its own.
    EXPECT_EQ(header(r, "x-injected"), "");
    EXPECT_TRUE(Lacks(header(r, "set-cookie"), "planted"));
  }
  const RawResponse r = send(*anon_, "GET", "/ui/login?next=" + form_value("https://evil.example/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Lacks(r.body, "evil.example"));
}

TEST_F(Access, BearerCallerMayPostPageFormsWithoutCsrf) {
  post_batch(*op_, {assignment("w47", "c5", "2026-11-17", 70)});
  const pb::Breach b = breach_of(*op_, "s1", "c5");
  const RawResponse r = send(*op_, "POST", "/ui/breaches/" + b.breach_id() + "/acknowledge",
                             "acknowledged_by=" + form_value("运维") + "&note=x", {{"Content-Type", kFormType}});
  EXPECT_EQ(r.status, 303) << r.body;
  EXPECT_EQ(breach_of(*op_, "s1", "c5").acknowledged_by(), "运维");
  // A Bearer token does not make a session: no cookie is set.
  EXPECT_EQ(header(r, "set-cookie"), "");
}

// ---- 9. secrets at rest ---------------------------------------------------------

TEST_F(Access, NoTokenSecretOrSessionIdIsStoredInTheDatabase) {
  post_batch(*op_, {assignment("w47", "c5", "2026-11-17", 70)});
  post_batch(*teacher_, {assignment("t1", "c5", "2026-11-24", 20)});
  const std::string session = session_for(leader_token_);
  const auto tokens = csrf_values(page("/ui/schools/s1/grades/5/weeks/2026-W47", session).body);
  ASSERT_FALSE(tokens.empty());
  const std::string second_session = session_for(admin_token_);
  ASSERT_EQ(page("/ui/schools/s1", second_session).status, 200);
  ASSERT_EQ(login(leader_token_ + "x").status, 401);  // a failed login is logged too
  revoke(ts_, bureau_token_);
  ASSERT_EQ(send(*bureau_, "GET", "/v1/alerts").status, 401);

  const auto files = database_files(ts_.db_path());
  ASSERT_FALSE(files.empty());
  for (const std::string& token :
       {ts_.operator_token(), teacher_token_, leader_token_, admin_token_, bureau_token_, admin2_token_}) {
    for (const auto& [path, bytes] : files) {
      EXPECT_TRUE(Lacks(bytes, token)) << path;
      EXPECT_TRUE(Lacks(bytes, secret_of(token))) << path;
    }
  }
  for (const std::string& sid : {session, second_session}) {
    for (const auto& [path, bytes] : files) EXPECT_TRUE(Lacks(bytes, sid)) << path;
  }
}

}  // namespace
}  // namespace hwload::testing
