// The authorization matrix (issue 5): every route, called by every kind of caller
// (no token, a malformed one, a revoked one, and each role both inside and outside
// its scope), with the exact status each must get. The table below is the
// specification; docs/SECURITY.md prints it, and this test fails when the two
// differ, so the document stays true.
//
// "In scope" calls touch school s1 (district d1), its class c5 (grade 5) and what
// belongs to them: inside every role's scope (teacher of c5, grade 5's leader, s1's
// admin, d1's bureau). "Out of scope" calls touch school s2 of district d2, outside
// all of them but the operator's. A batch cell also says what became of its one
// item: ✓ stored, ✗ rejected.
#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <sstream>

#include <google/protobuf/util/json_util.h>

#include "app/tokens.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

struct Call {
  std::string method, target, body;
  std::string content_type = "application/json";
};

// Expected cells: no token, malformed, revoked; then teacher, grade leader, school
// admin, bureau, operator, each "in/out" ("·" where a route has no out-of-scope
// form).
struct RouteCase {
  std::string route;
  Call in, out;  // out.method empty: the route touches nothing scoped
  std::array<std::string, 3> anonymous;
  std::array<std::string, 5> roles;
};

constexpr const char* kForm = "application/x-www-form-urlencoded";
const std::array<std::string, 5> kRoleNames = {"teacher", "grade_leader", "school_admin", "bureau", "operator"};

class AuthzMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    auto op = ts_.client();
    seed_school(*op);
    seed_second_school(*op);
    auto in_s2 = [](pb::Assignment a) {
      a.set_school_id("s2");
      return a;
    };
    // 75 minutes in grade 5 (cap 60): each class gets a breach.
    post_batch(*op, {assignment("a-c5", "c5", "2026-11-17", 75), assignment("del-c5", "c5", "2026-11-18", 10),
                     in_s2(assignment("a-s2", "k5", "2026-11-17", 75)),
                     in_s2(assignment("del-s2", "k5", "2026-11-18", 10))});
    breach_s1_ = first_breach(*op, "s1");
    breach_s2_ = first_breach(*op, "s2");
    ASSERT_FALSE(breach_s1_.empty());
    ASSERT_FALSE(breach_s2_.empty());
    for (const char* school : {"s1", "s2"}) {
      pb::PublishNoticeRequest req;
      req.set_date("2026-11-17");
      auto n = op->publish_notice(school, req);
      ASSERT_TRUE(n.ok()) << n.error().to_string();
      notice_[school] = n->notice_id();
    }
    for (auto [id, district] : {std::pair{"sub-d1", "d1"}, std::pair{"sub-d2", "d2"}}) {
      pb::Subscription sub;
      sub.set_subscription_id(id);
      sub.set_district(district);
      sub.set_url("http://127.0.0.1:9/hook");
      sub.set_secret("0123456789abcdef0123");
      ASSERT_TRUE(op->put_subscription(sub).ok());
    }

    tokens_ = {ts_.issue_token("teacher", "", "s1", 0, {"c5"}), ts_.issue_token("grade_leader", "", "s1", 5),
               ts_.issue_token("school_admin", "", "s1"), ts_.issue_token("bureau", "d1"),
               ts_.issue_token("operator")};
    revoked_ = ts_.issue_token("operator");
    app::TokenCommand revoke;
    revoke.db = ts_.db_path();
    revoke.action = "revoke";
    revoke.token_id = revoked_.substr(4, 16);
    std::ostringstream out, err;
    ASSERT_EQ(app::run_token_command(revoke, ts_.clock(), out, err), 0) << err.str();
  }

  static std::string first_breach(client::Client& c, const std::string& school) {
    client::BreachQuery q;
    q.school_id = school;
    auto list = c.breaches(q);
    return list.ok() && list->breaches_size() > 0 ? list->breaches(0).breach_id() : "";
  }

  // Replaces {name} placeholders in a call with this fixture's ids.
  std::string expand(std::string text, const std::string& token) const {
    const std::map<std::string, std::string> vars = {{"{breach_s1}", breach_s1_}, {"{breach_s2}", breach_s2_},
                                                     {"{notice_s1}", notice_.at("s1")},
                                                     {"{notice_s2}", notice_.at("s2")}, {"{token}", token}};
    for (const auto& [k, v] : vars) {
      for (size_t at; (at = text.find(k)) != std::string::npos;) text.replace(at, k.size(), v);
    }
    return text;
  }

  // Calls as a caller sending `authorization` (empty: none) and returns the cell.
  std::string cell(const Call& call, const std::string& authorization, const std::string& token) {
    auto c = ts_.client_with("");
    std::map<std::string, std::string> headers = {{"Accept", "application/json"}};
    if (!authorization.empty()) headers["Authorization"] = authorization;
    const std::string body = expand(call.body, token);
    if (!body.empty()) headers["Content-Type"] = call.content_type;
    auto r = c->send_raw(call.method, expand(call.target, token), body, headers);
    if (!r.ok()) return "transport error " + r.error().to_string();
    std::string out = std::to_string(r->status);
    // A batch's one item: stored or rejected.
    if (r->status == 200 && (call.target == "/v1/assignments" || call.target == "/v1/timings")) {
      pb::BatchResult result;
      EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r->body, &result).ok()) << r->body;
      if (result.items_size() == 1) out += result.items(0).status() == pb::REJECTED ? " ✗" : " ✓";
    }
    return out;
  }

  // The matrix makes hundreds of calls with each token within a second or so. The
  // rate limits (rate_limit_test.cc) are off here, or a 429 would appear whenever
  // the machine runs the calls faster than a token's budget refills.
  static app::Config without_rate_limits() {
    app::Config c;
    c.per_token_rps = 0;
    c.per_address_rps = 0;
    return c;
  }

  TestServer ts_{without_rate_limits()};
  std::string breach_s1_, breach_s2_;
  std::map<std::string, std::string> notice_;
  std::vector<std::string> tokens_;
  std::string revoked_;
};

// Route, the in-scope call, the out-of-scope call; then the expected cells.
std::vector<RouteCase> matrix() {
  const std::string school = R"({"name":"第一实验学校","district":"d1","profile":"national"})";
  const std::string school2 = R"({"name":"第二中学","district":"d2","profile":"national"})";
  const std::string klass = R"({"grade":5,"student_count":40})";
  // The very assignments the fixture posted, so posting them again stores nothing new.
  auto a = [](const std::string& id, const std::string& school_id, const std::string& class_id) {
    pb::Assignment m = assignment(id, class_id, "2026-11-17", 75);
    m.set_school_id(school_id);
    std::string json;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &json).ok());
    return json;
  };
  const std::string timings = R"({"reports":[{"assignment_id":"%A%","students":[{"student_key":"s01","minutes":40}]}]})";
  auto t = [&](const std::string& id) {
    std::string text = timings;
    text.replace(text.find("%A%"), 3, id);
    return text;
  };
  const std::string ack = R"({"note":"已与任课教师沟通"})";
  const std::string sub1 = R"({"district":"d1","url":"http://127.0.0.1:9/hook","secret":"0123456789abcdef0123"})";
  const std::string sub2 = R"({"district":"d2","url":"http://127.0.0.1:9/hook","secret":"0123456789abcdef0123"})";
  const std::string week = "/grades/5/weeks/2026-W47";
  const Call none;
  // Anonymous columns: no token, malformed, revoked.
  const std::array<std::string, 3> closed = {"401", "401", "401"};
  const std::array<std::string, 3> open = {"200", "200", "200"};
  const std::array<std::string, 3> page_get = {"303", "401", "401"};
  const std::array<std::string, 3> page_post = {"401", "401", "401"};
  return {
      {"GET /healthz", {"GET", "/healthz", ""}, none, open, {"200", "200", "200", "200", "200"}},
      {"GET /metrics", {"GET", "/metrics", ""}, none, closed, {"403", "403", "403", "403", "200"}},
      {"PUT /v1/schools/{school_id}",
       {"PUT", "/v1/schools/s1", school},
       {"PUT", "/v1/schools/s2", school2},
       closed,
       {"403/404", "403/404", "200/404", "200/404", "200/200"}},
      {"GET /v1/schools/{school_id}",
       {"GET", "/v1/schools/s1", ""},
       {"GET", "/v1/schools/s2", ""},
       closed,
       {"200/404", "200/404", "200/404", "200/404", "200/200"}},
      {"PUT /v1/schools/{school_id}/classes/{class_id}",
       {"PUT", "/v1/schools/s1/classes/c5", klass},
       {"PUT", "/v1/schools/s2/classes/k5", klass},
       closed,
       {"403/404", "403/404", "200/404", "403/404", "200/200"}},
      {"GET /v1/schools/{school_id}/classes",
       {"GET", "/v1/schools/s1/classes", ""},
       {"GET", "/v1/schools/s2/classes", ""},
       closed,
       {"200/404", "200/404", "200/404", "200/404", "200/200"}},
      {"PUT /v1/schools/{school_id}/calendar",
       {"PUT", "/v1/schools/s1/calendar", "{}"},
       {"PUT", "/v1/schools/s2/calendar", "{}"},
       closed,
       {"403/404", "403/404", "200/404", "403/404", "200/200"}},
      {"GET /v1/schools/{school_id}/calendar",
       {"GET", "/v1/schools/s1/calendar", ""},
       {"GET", "/v1/schools/s2/calendar", ""},
       closed,
       {"200/404", "200/404", "200/404", "200/404", "200/200"}},
      {"POST /v1/assignments",
       {"POST", "/v1/assignments", R"({"assignments":[)" + a("a-c5", "s1", "c5") + "]}"},
       {"POST", "/v1/assignments", R"({"assignments":[)" + a("a-s2", "s2", "k5") + "]}"},
       closed,
       {"200 ✓/200 ✗", "403/403", "403/403", "403/403", "200 ✓/200 ✓"}},
      {"PUT /v1/assignments/{assignment_id}",
       {"PUT", "/v1/assignments/a-c5", a("a-c5", "s1", "c5")},
       {"PUT", "/v1/assignments/a-s2", a("a-s2", "s2", "k5")},
       closed,
       {"200/404", "403/404", "403/404", "403/404", "200/200"}},
      {"GET /v1/assignments/{assignment_id}",
       {"GET", "/v1/assignments/a-c5", ""},
       {"GET", "/v1/assignments/a-s2", ""},
       closed,
       {"200/404", "200/404", "200/404", "200/404", "200/200"}},
      {"DELETE /v1/assignments/{assignment_id}",
       {"DELETE", "/v1/assignments/del-c5", ""},
       {"DELETE", "/v1/assignments/del-s2", ""},
       closed,
       {"204/404", "403/404", "403/404", "403/404", "204/204"}},
      {"POST /v1/timings",
       {"POST", "/v1/timings", t("a-c5")},
       {"POST", "/v1/timings", t("a-s2")},
       closed,
       {"200 ✓/200 ✗", "403/403", "403/403", "403/403", "200 ✓/200 ✓"}},
      {"GET /v1/schools/{s}/classes/{c}/load",
       {"GET", "/v1/schools/s1/classes/c5/load?from=2026-11-16&to=2026-11-22", ""},
       {"GET", "/v1/schools/s2/classes/k5/load?from=2026-11-16&to=2026-11-22", ""},
       closed,
       {"200/404", "200/404", "200/404", "200/404", "200/200"}},
      {"GET /v1/schools/{s}/grades/{g}/weeks/{week}",
       {"GET", "/v1/schools/s1" + week, ""},
       {"GET", "/v1/schools/s2" + week, ""},
       closed,
       {"403/404", "200/404", "200/404", "200/404", "200/200"}},
      {"GET /v1/breaches",
       {"GET", "/v1/breaches?school_id=s1", ""},
       {"GET", "/v1/breaches?school_id=s2", ""},
       closed,
       {"403/404", "200/404", "200/404", "200/404", "200/200"}},
      {"GET /v1/compliance",
       {"GET", "/v1/compliance?school_id=s1&from=2026-11-16&to=2026-11-22", ""},
       {"GET", "/v1/compliance?school_id=s2&from=2026-11-16&to=2026-11-22", ""},
       closed,
       {"403/404", "200/404", "200/404", "200/404", "200/200"}},
      {"POST /v1/breaches/{breach_id}:acknowledge",
       {"POST", "/v1/breaches/{breach_s1}:acknowledge", ack},
       {"POST", "/v1/breaches/{breach_s2}:acknowledge", ack},
       closed,
       {"403/404", "200/404", "403/404", "200/404", "200/200"}},
      {"GET /v1/alerts",
       {"GET", "/v1/alerts?district=d1", ""},
       {"GET", "/v1/alerts?district=d2", ""},
       closed,
       {"403/403", "403/403", "403/403", "200/404", "200/200"}},
      {"PUT /v1/subscriptions/{subscription_id}",
       {"PUT", "/v1/subscriptions/sub-d1", sub1},
       {"PUT", "/v1/subscriptions/sub-d2", sub2},
       closed,
       {"404/404", "404/404", "404/404", "200/404", "200/200"}},
      {"GET /v1/subscriptions",
       {"GET", "/v1/subscriptions?district=d1", ""},
       {"GET", "/v1/subscriptions?district=d2", ""},
       closed,
       {"403/403", "403/403", "403/403", "200/404", "200/200"}},
      {"GET /v1/audit",
       {"GET", "/v1/audit?school_id=s1", ""},
       {"GET", "/v1/audit?school_id=s2", ""},
       closed,
       {"403/404", "403/404", "200/404", "200/404", "200/200"}},
      {"POST /v1/schools/{s}/notices",
       {"POST", "/v1/schools/s1/notices", R"({"date":"2026-11-17"})"},
       {"POST", "/v1/schools/s2/notices", R"({"date":"2026-11-17"})"},
       closed,
       {"403/404", "403/404", "200/404", "403/404", "200/200"}},
      {"GET /v1/schools/{s}/notices",
       {"GET", "/v1/schools/s1/notices", ""},
       {"GET", "/v1/schools/s2/notices", ""},
       open,
       {"200/200", "200/200", "200/200", "200/200", "200/200"}},
      {"GET /v1/schools/{s}/notices/{notice_id}",
       {"GET", "/v1/schools/s1/notices/{notice_s1}", ""},
       {"GET", "/v1/schools/s2/notices/{notice_s2}", ""},
       open,
       {"200/200", "200/200", "200/200", "200/200", "200/200"}},
      {"PUT /v1/schools/{s}/notice-schedule",
       {"PUT", "/v1/schools/s1/notice-schedule", R"({"publish_time":"17:30"})"},
       {"PUT", "/v1/schools/s2/notice-schedule", R"({"publish_time":"17:30"})"},
       closed,
       {"403/404", "403/404", "200/404", "403/404", "200/200"}},
      {"GET /v1/schools/{s}/notice-schedule",
       {"GET", "/v1/schools/s1/notice-schedule", ""},
       {"GET", "/v1/schools/s2/notice-schedule", ""},
       closed,
       {"403/404", "200/404", "200/404", "200/404", "200/200"}},
      {"GET /notices/{school_id}",
       {"GET", "/notices/s1", ""},
       {"GET", "/notices/s2", ""},
       open,
       {"200/200", "200/200", "200/200", "200/200", "200/200"}},
      {"GET /notices/{school_id}/{notice_id}",
       {"GET", "/notices/s1/{notice_s1}", ""},
       {"GET", "/notices/s2/{notice_s2}", ""},
       open,
       {"200/200", "200/200", "200/200", "200/200", "200/200"}},
      {"GET /ui/login", {"GET", "/ui/login", ""}, none, open, {"200", "200", "200", "200", "200"}},
      // The login form with the caller's own token.
      {"POST /ui/login", {"POST", "/ui/login", "token={token}", kForm}, none, page_post,
       {"303", "303", "303", "303", "303"}},
      {"POST /ui/logout", {"POST", "/ui/logout", "csrf=", kForm}, none, page_post,
       {"303", "303", "303", "303", "303"}},
      {"GET /ui/", {"GET", "/ui/", ""}, none, page_get, {"303", "303", "303", "200", "200"}},
      {"GET /ui/schools/{school_id}",
       {"GET", "/ui/schools/s1", ""},
       {"GET", "/ui/schools/s2", ""},
       page_get,
       {"200/404", "200/404", "200/404", "200/404", "200/200"}},
      {"GET /ui/schools/{s}/grades/{g}/weeks/{week}",
       {"GET", "/ui/schools/s1" + week, ""},
       {"GET", "/ui/schools/s2" + week, ""},
       page_get,
       {"403/404", "200/404", "200/404", "200/404", "200/200"}},
      {"GET /ui/schools/{s}/grades/{g}/weeks/{week}.csv",
       {"GET", "/ui/schools/s1" + week + ".csv", ""},
       {"GET", "/ui/schools/s2" + week + ".csv", ""},
       page_get,
       {"403/404", "200/404", "200/404", "200/404", "200/200"}},
      {"POST /ui/breaches/{breach_id}/acknowledge",
       {"POST", "/ui/breaches/{breach_s1}/acknowledge", "note=ok", kForm},
       {"POST", "/ui/breaches/{breach_s2}/acknowledge", "note=ok", kForm},
       page_post,
       {"403/404", "303/404", "403/404", "303/404", "303/303"}},
  };
}

std::string render_markdown(const std::vector<RouteCase>& rows,
                            const std::vector<std::pair<std::array<std::string, 3>, std::array<std::string, 5>>>& got) {
  std::string out =
      "| route | no token | malformed | revoked | teacher | grade_leader | school_admin | bureau | operator |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    out += "| `" + rows[i].route + "` ";
    for (const auto& c : got[i].first) out += "| " + c + " ";
    for (const auto& c : got[i].second) out += "| " + c + " ";
    out += "|\n";
  }
  return out;
}

TEST_F(AuthzMatrix, EveryRouteAnswersEveryCallerExactlyAsSpecifiedAndSecurityMdPrintsIt) {
  const auto rows = matrix();
  std::vector<std::pair<std::array<std::string, 3>, std::array<std::string, 5>>> got;
  const std::string malformed = "Bearer hwl_not-a-token";
  for (const auto& row : rows) {
    SCOPED_TRACE(row.route);
    auto& [anonymous, roles] = got.emplace_back();
    anonymous = {cell(row.in, "", ""), cell(row.in, malformed, "hwl_not-a-token"),
                 cell(row.in, "Bearer " + revoked_, revoked_)};
    for (size_t r = 0; r < tokens_.size(); ++r) {
      const std::string bearer = "Bearer " + tokens_[r];
      roles[r] = cell(row.in, bearer, tokens_[r]);
      if (!row.out.method.empty()) roles[r] += "/" + cell(row.out, bearer, tokens_[r]);
    }
    EXPECT_EQ(anonymous, row.anonymous);
    for (size_t r = 0; r < roles.size(); ++r) EXPECT_EQ(roles[r], row.roles[r]) << kRoleNames[r];
  }

  // docs/SECURITY.md prints the matrix between these markers, exactly.
  const std::string table = render_markdown(rows, got);
  std::ofstream("authz-matrix.md") << table;  // beside the test, for pasting into the document
  std::ifstream in(std::string(HWLOAD_SOURCE_DIR) + "/docs/SECURITY.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const std::string begin = "<!-- authorization-matrix:begin -->\n", end = "<!-- authorization-matrix:end -->";
  const auto b = text.find(begin), e = text.find(end);
  ASSERT_TRUE(b != std::string::npos && e != std::string::npos) << "docs/SECURITY.md lacks the matrix markers";
  EXPECT_EQ(text.substr(b + begin.size(), e - b - begin.size()), table)
      << "docs/SECURITY.md's matrix differs from what the server answers; it should read:\n"
      << table;
}

}  // namespace
}  // namespace hwload::testing
