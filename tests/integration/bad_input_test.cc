// PRODUCT.md "What bad input gets": every kind of bad input gets its exact HTTP
// status, an Error whose code, message and details name the field and the rule,
// and nothing stored from the bad item. A server on port 0 with a temporary SQLite
// file, driven through the client SDK (typed methods, and send_raw for what the
// typed methods never send), in both wire encodings where that makes sense.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/test_server.h"

namespace hwload::testing {
namespace {

using client::Encoding;
using client::RawResponse;

constexpr const char* kPb = "application/x-protobuf";
constexpr const char* kJson = "application/json";
constexpr const char* kDay = "2026-11-24";  // a Tuesday: a school day; grade 5 cap 60, grade 8 cap 90

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Decodes a response body by its Content-Type (strictly: unknown JSON fields fail).
bool decode(const RawResponse& r, google::protobuf::Message& msg) {
  if (starts_with(r.content_type, kPb)) return msg.ParseFromString(r.body);
  if (starts_with(r.content_type, kJson)) return google::protobuf::util::JsonStringToMessage(r.body, &msg).ok();
  return false;
}

pb::Error error_body(const RawResponse& r) {
  pb::Error e;
  EXPECT_TRUE(decode(r, e)) << "not an Error body; Content-Type \"" << r.content_type << "\", body "
                            << r.body.substr(0, 200);
  return e;
}

// The Error has `code`; when `field` is given, a details[].field equal to it and a
// message that names it; and always a rule in the message.
void expect_error(const pb::Error& e, const std::string& code, const std::string& field = "") {
  EXPECT_EQ(e.code(), code) << e.DebugString();
  EXPECT_FALSE(e.message().empty()) << e.DebugString();
  if (field.empty()) return;
  const bool named = std::any_of(e.details().begin(), e.details().end(),
                                 [&](const pb::ErrorDetail& d) { return d.field() == field && !d.rule().empty(); });
  EXPECT_TRUE(named) << "details do not name \"" << field << "\": " << e.DebugString();
  EXPECT_TRUE(contains(e.message(), field)) << "message does not name \"" << field << "\": " << e.message();
}

void expect_rejected(const pb::ItemResult& item, const std::string& id, const std::string& code,
                     const std::string& field = "") {
  EXPECT_EQ(item.id(), id);
  EXPECT_EQ(item.status(), pb::REJECTED) << item.DebugString();
  expect_error(item.error(), code, field);
}

template <typename T>
void expect_api_error(const client::Result<T>& r, int http_status, const std::string& code,
                      const std::string& field = "") {
  ASSERT_FALSE(r.ok()) << "expected " << http_status << " " << code;
  EXPECT_EQ(r.error().http_status, http_status) << r.error().to_string();
  expect_error(r.error().error, code, field);
}

// Seeds s1 (classes c2, c5, c8) and offers read-backs through the SDK.
class BadInputFixture : public ::testing::Test {
 protected:
  virtual Encoding encoding() const { return Encoding::kProtobuf; }
  void SetUp() override {
    client_ = server_.client(encoding());
    seed_school(*client_);
  }
  const char* media() const { return encoding() == Encoding::kJson ? kJson : kPb; }
  std::string encode(const google::protobuf::Message& m) const {
    return encoding() == Encoding::kJson ? to_json(m) : m.SerializeAsString();
  }

  pb::BatchResult post(std::vector<pb::Assignment> items, bool validate_only = false) {
    return post_batch(*client_, std::move(items), validate_only);
  }
  pb::BatchResult time(std::vector<pb::TimingReport> reports) { return post_timings(*client_, std::move(reports)); }
  pb::DayLoad day(const std::string& class_id, const std::string& date = kDay) {
    return day_load(*client_, class_id, date);
  }

  int planned(const std::string& class_id, const std::string& date = kDay) {
    return day(class_id, date).planned_minutes();
  }

  void expect_stored(const std::string& id, int minutes) {
    auto r = client_->get_assignment(id);
    ASSERT_TRUE(r.ok()) << id << ": " << r.error().to_string();
    EXPECT_EQ(r->estimated_minutes(), minutes) << id;
  }
  void expect_not_stored(const std::string& id) {
    auto r = client_->get_assignment(id);
    EXPECT_FALSE(r.ok()) << id << " was stored: " << (r.ok() ? r->DebugString() : "");
    if (!r.ok()) {
      EXPECT_EQ(r.error().http_status, 404) << r.error().to_string();
    }
  }

  // Every breach of s1, in any state.
  std::set<std::string> breach_ids() {
    client::BreachQuery q;
    q.school_id = "s1";
    auto r = client_->breaches(q);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    std::set<std::string> out;
    if (r.ok()) {
      for (const auto& b : r->breaches()) out.insert(b.breach_id() + "/" + pb::BreachState_Name(b.state()));
    }
    return out;
  }

  RawResponse raw(const std::string& method, const std::string& target, const std::string& body,
                  const std::string& content_type, const std::string& accept = "") {
    std::map<std::string, std::string> headers;
    if (!content_type.empty()) headers["Content-Type"] = content_type;
    if (!accept.empty()) headers["Accept"] = accept;
    auto r = client_->send_raw(method, target, body, headers);
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.error().to_string();
    return r.ok() ? *r : RawResponse();
  }

  TestServer server_;
  std::unique_ptr<client::Client> client_;
};

class BadInputTest : public BadInputFixture, public ::testing::WithParamInterface<Encoding> {
 protected:
  Encoding encoding() const override { return GetParam(); }
};

// ---- unknown school and class ------------------------------------------------

TEST_P(BadInputTest, UnknownClassOrSchoolInBatchIsRejectedWhileGoodItemsAreStored) {
  auto no_class = assignment("a-noclass", "c9", kDay, 20);
  auto no_school = assignment("a-noschool", "c5", kDay, 20);
  no_school.set_school_id("s9");
  const auto res =
      post({assignment("a-good1", "c5", kDay, 30), no_class, no_school, assignment("a-good2", "c8", kDay, 40)});
  ASSERT_EQ(res.items_size(), 4);
  EXPECT_EQ(res.items(0).status(), pb::CREATED);
  expect_rejected(res.items(1), "a-noclass", "NOT_FOUND");
  EXPECT_TRUE(contains(res.items(1).error().message(), "c9")) << res.items(1).error().message();
  expect_rejected(res.items(2), "a-noschool", "NOT_FOUND");
  EXPECT_TRUE(contains(res.items(2).error().message(), "s9")) << res.items(2).error().message();
  EXPECT_EQ(res.items(3).status(), pb::CREATED);
  expect_stored("a-good1", 30);
  expect_stored("a-good2", 40);
  expect_not_stored("a-noclass");
  expect_not_stored("a-noschool");
  EXPECT_EQ(planned("c5"), 30);
  EXPECT_EQ(planned("c8"), 40);
}

TEST_P(BadInputTest, UnknownClassOrSchoolOnSingleResourceRoutesIs404) {
  expect_api_error(client_->put_assignment(assignment("a-put", "c9", kDay, 20)), 404, "NOT_FOUND");
  auto other_school = assignment("a-put", "c5", kDay, 20);
  other_school.set_school_id("s9");
  expect_api_error(client_->put_assignment(other_school), 404, "NOT_FOUND");
  expect_not_stored("a-put");
  EXPECT_EQ(planned("c5"), 0);

  expect_api_error(client_->class_load("s1", "c9", kDay, kDay), 404, "NOT_FOUND");
  expect_api_error(client_->class_load("s9", "c5", kDay, kDay), 404, "NOT_FOUND");
  expect_api_error(client_->grade_week("s9", 5, "2026-W48"), 404, "NOT_FOUND");
  expect_api_error(client_->get_assignment("no-such-id"), 404, "NOT_FOUND");
  expect_api_error(client_->withdraw_assignment("no-such-id"), 404, "NOT_FOUND");
  pb::Class k;
  k.set_school_id("s9");
  k.set_class_id("c1");
  k.set_grade(3);
  expect_api_error(client_->put_class(k), 404, "NOT_FOUND");
  pb::Calendar cal;
  cal.set_school_id("s9");
  expect_api_error(client_->put_calendar(cal), 404, "NOT_FOUND");
  expect_api_error(client_->get_school("s9"), 404, "NOT_FOUND");
}

// ---- registry ------------------------------------------------------------------

TEST_P(BadInputTest, GradeOutsideOneToNineIsRejectedNamingGrade) {
  for (int grade : {0, 10, -1}) {
    pb::Class k;
    k.set_school_id("s1");
    k.set_class_id("c-new");
    k.set_grade(grade);
    expect_api_error(client_->put_class(k), 400, "INVALID_ARGUMENT", "grade");
  }
  pb::Class existing;
  existing.set_school_id("s1");
  existing.set_class_id("c5");
  existing.set_grade(10);
  expect_api_error(client_->put_class(existing), 400, "INVALID_ARGUMENT", "grade");
  auto classes = client_->list_classes("s1");
  ASSERT_TRUE(classes.ok()) << classes.error().to_string();
  ASSERT_EQ(classes->classes_size(), 3);  // no c-new
  for (const auto& k : classes->classes()) {
    if (k.class_id() == "c5") {
      EXPECT_EQ(k.grade(), 5);
    }
  }
  expect_api_error(client_->grade_week("s1", 0, "2026-W48"), 400, "INVALID_ARGUMENT", "grade");
  expect_api_error(client_->grade_week("s1", 10, "2026-W48"), 400, "INVALID_ARGUMENT", "grade");
}

TEST_P(BadInputTest, UnknownProfileIsRejectedNamingProfile) {
  pb::School s;
  s.set_school_id("s2");
  s.set_name("第二中学");
  s.set_district("d1");
  s.set_profile("atlantis");
  expect_api_error(client_->put_school(s), 400, "INVALID_ARGUMENT", "profile");
  expect_api_error(client_->get_school("s2"), 404, "NOT_FOUND");
  s.set_school_id("s1");
  expect_api_error(client_->put_school(s), 400, "INVALID_ARGUMENT", "profile");
  auto s1 = client_->get_school("s1");
  ASSERT_TRUE(s1.ok()) << s1.error().to_string();
  EXPECT_EQ(s1->profile(), "national");
  EXPECT_EQ(s1->name(), "第一实验学校");
}

// ---- field rules in batches ------------------------------------------------------

TEST_P(BadInputTest, AssignmentMinutesOutOfRangeAreRejectedNamingTheField) {
  const auto res = post(
      {assignment("a-neg", "c5", kDay, -1), assignment("a-big", "c5", kDay, 601), assignment("a-ok", "c5", kDay, 45)});
  ASSERT_EQ(res.items_size(), 3);
  expect_rejected(res.items(0), "a-neg", "INVALID_ARGUMENT", "assignments[0].estimated_minutes");
  expect_rejected(res.items(1), "a-big", "INVALID_ARGUMENT", "assignments[1].estimated_minutes");
  EXPECT_TRUE(contains(res.items(1).error().message(), "between 0 and 600")) << res.items(1).error().message();
  EXPECT_EQ(res.items(2).status(), pb::CREATED);
  EXPECT_EQ(res.warnings_size(), 0);  // 601 on a cap of 60 would have warned had it counted
  expect_not_stored("a-neg");
  expect_not_stored("a-big");
  EXPECT_EQ(planned("c5"), 45);
  EXPECT_TRUE(breach_ids().empty());
}

TEST_P(BadInputTest, TimingMinutesOutOfRangeRejectTheWholeReport) {
  ASSERT_EQ(post({assignment("a1", "c5", kDay, 30)}).items(0).status(), pb::CREATED);
  const auto res = time({report("a1", {30, 601}), report("a1", {-1})});
  ASSERT_EQ(res.items_size(), 2);
  expect_rejected(res.items(0), "a1", "INVALID_ARGUMENT", "reports[0].students[1].minutes");
  expect_rejected(res.items(1), "a1", "INVALID_ARGUMENT", "reports[1].students[0].minutes");
  const auto d = day("c5");
  EXPECT_EQ(d.students_reported(), 0);  // not even s01's valid 30 of the first report
  EXPECT_EQ(d.measured_mean_minutes(), 0);
}

TEST_P(BadInputTest, MalformedAssignedDatesAreRejectedNamingAssignedDate) {
  const auto res = post({assignment("a-feb30", "c5", "2026-02-30", 20), assignment("a-slash", "c5", "2026/11/16", 20),
                         assignment("a-empty", "c5", "", 20), assignment("a-ok", "c5", kDay, 20)});
  ASSERT_EQ(res.items_size(), 4);
  expect_rejected(res.items(0), "a-feb30", "INVALID_ARGUMENT", "assignments[0].assigned_date");
  expect_rejected(res.items(1), "a-slash", "INVALID_ARGUMENT", "assignments[1].assigned_date");
  expect_rejected(res.items(2), "a-empty", "INVALID_ARGUMENT", "assignments[2].assigned_date");
  EXPECT_EQ(res.items(3).status(), pb::CREATED);
  for (const char* id : {"a-feb30", "a-slash", "a-empty"}) expect_not_stored(id);
  // A malformed date is not silently read as a neighbouring one.
  EXPECT_EQ(planned("c5", "2026-03-02"), 0);
  EXPECT_EQ(planned("c5", "2026-11-16"), 0);
  EXPECT_EQ(planned("c5"), 20);
}

TEST_P(BadInputTest, BadDatesOnReadRoutesAre400NamingTheParameter) {
  expect_api_error(client_->class_load("s1", "c5", "2026-02-30", kDay), 400, "INVALID_ARGUMENT", "from");
  expect_api_error(client_->class_load("s1", "c5", kDay, "2026/11/16"), 400, "INVALID_ARGUMENT", "to");
  expect_api_error(client_->class_load("s1", "c5", "", kDay), 400, "INVALID_ARGUMENT", "from");
  expect_api_error(client_->class_load("s1", "c5", kDay, ""), 400, "INVALID_ARGUMENT", "to");
  // from after to
  auto reversed = client_->class_load("s1", "c5", "2026-11-25", "2026-11-24");
  expect_api_error(reversed, 400, "INVALID_ARGUMENT", "to");
  if (!reversed.ok()) {
    EXPECT_TRUE(contains(reversed.error().error.message(), "from")) << reversed.error().to_string();
  }
  client::BreachQuery q;
  q.school_id = "s1";
  q.from = "2026-13-01";
  expect_api_error(client_->breaches(q), 400, "INVALID_ARGUMENT", "from");
  client::ComplianceQuery cq;
  cq.school_id = "s1";
  cq.from = kDay;
  cq.to = "24/11/2026";
  expect_api_error(client_->compliance(cq), 400, "INVALID_ARGUMENT", "to");
}

TEST_P(BadInputTest, BadIsoWeekIs400NamingWeek) {
  for (const char* week : {"2026-W60", "w47", "2026-W00", "2026W47", "2025-W53"}) {
    SCOPED_TRACE(week);
    expect_api_error(client_->grade_week("s1", 5, week), 400, "INVALID_ARGUMENT", "week");
  }
  auto ok = client_->grade_week("s1", 5, "2026-W53");  // 2026 has 53 ISO weeks
  EXPECT_TRUE(ok.ok()) << ok.error().to_string();
}

TEST_P(BadInputTest, UnspecifiedHomeworkTypeIsRejectedNamingType) {
  auto a = assignment("a-untyped", "c5", kDay, 30);
  a.set_type(pb::HOMEWORK_TYPE_UNSPECIFIED);
  const auto res = post({a, assignment("a-ok", "c5", kDay, 10)});
  ASSERT_EQ(res.items_size(), 2);
  expect_rejected(res.items(0), "a-untyped", "INVALID_ARGUMENT", "assignments[0].type");
  EXPECT_EQ(res.items(1).status(), pb::CREATED);
  expect_not_stored("a-untyped");
  EXPECT_EQ(planned("c5"), 10);
  expect_api_error(client_->put_assignment(a), 400, "INVALID_ARGUMENT", "type");
  expect_not_stored("a-untyped");
  // Values outside the enums are rejected as well.
  auto bad_type = assignment("a-type99", "c5", kDay, 30);
  bad_type.set_type(static_cast<pb::HomeworkType>(99));
  auto bad_tier = assignment("a-tier7", "c5", kDay, 30);
  bad_tier.set_tier(static_cast<pb::Tier>(7));
  const auto odd = post({bad_type, bad_tier});
  ASSERT_EQ(odd.items_size(), 2);
  expect_rejected(odd.items(0), "a-type99", "INVALID_ARGUMENT", "assignments[0].type");
  expect_rejected(odd.items(1), "a-tier7", "INVALID_ARGUMENT", "assignments[1].tier");
  expect_not_stored("a-type99");
  expect_not_stored("a-tier7");
  EXPECT_EQ(planned("c5"), 10);
}

TEST_P(BadInputTest, IdAndTextRulesNameTheField) {
  auto spaced = assignment("a 1", "c5", kDay, 20);
  auto control = assignment("a-ctl", "c5", kDay, 20);
  control.set_title("第1题\x01");
  auto no_subject = assignment("a-nosubj", "c5", kDay, 20, "");
  auto long_id = assignment(std::string(65, 'x'), "c5", kDay, 20);
  const auto res = post({spaced, control, no_subject, long_id});
  ASSERT_EQ(res.items_size(), 4);
  expect_rejected(res.items(0), "a 1", "INVALID_ARGUMENT", "assignments[0].assignment_id");
  expect_rejected(res.items(1), "a-ctl", "INVALID_ARGUMENT", "assignments[1].title");
  expect_rejected(res.items(2), "a-nosubj", "INVALID_ARGUMENT", "assignments[2].subject");
  expect_rejected(res.items(3), std::string(65, 'x'), "INVALID_ARGUMENT", "assignments[3].assignment_id");
  EXPECT_EQ(planned("c5"), 0);
  // The id in the body must agree with the one in the path.
  auto moved = assignment("a-body", "c5", kDay, 20);
  const auto r = raw("PUT", "/v1/assignments/a-path", encode(moved), media(), media());
  EXPECT_EQ(r.status, 400);
  expect_error(error_body(r), "INVALID_ARGUMENT", "assignment_id");
  expect_not_stored("a-body");
  expect_not_stored("a-path");
  pb::Class k;
  k.set_class_id("c8");
  k.set_grade(9);
  const auto rc = raw("PUT", "/v1/schools/s1/classes/c5", encode(k), media(), media());
  EXPECT_EQ(rc.status, 400);
  expect_error(error_body(rc), "INVALID_ARGUMENT", "class_id");
  auto classes = client_->list_classes("s1", 9);
  ASSERT_TRUE(classes.ok());
  EXPECT_EQ(classes->classes_size(), 0);
}

// ---- timings -------------------------------------------------------------------

TEST_P(BadInputTest, TimingForUnknownAssignmentIsRejectedNotFound) {
  ASSERT_EQ(post({assignment("a1", "c5", kDay, 30)}).items(0).status(), pb::CREATED);
  const auto res = time({report("ghost", {20, 25}), report("a1", {20, 40})});
  ASSERT_EQ(res.items_size(), 2);
  expect_rejected(res.items(0), "ghost", "NOT_FOUND");
  EXPECT_TRUE(contains(res.items(0).error().message(), "ghost")) << res.items(0).error().message();
  EXPECT_EQ(res.items(1).status(), pb::CREATED);
  const auto d = day("c5");
  EXPECT_EQ(d.students_reported(), 2);
  EXPECT_DOUBLE_EQ(d.measured_mean_minutes(), 30.0);
}

TEST_P(BadInputTest, DuplicateStudentKeyInOneReportIsRejectedAndStoresNothing) {
  ASSERT_EQ(post({assignment("a1", "c5", kDay, 30)}).items(0).status(), pb::CREATED);
  auto dup = report("a1", {20, 25});
  dup.mutable_students(1)->set_student_key("s01");
  const auto res = time({dup});
  ASSERT_EQ(res.items_size(), 1);
  expect_rejected(res.items(0), "a1", "INVALID_ARGUMENT", "reports[0].students[1].student_key");
  EXPECT_EQ(day("c5").students_reported(), 0);
}

TEST_P(BadInputTest, ReportWithMoreStudentsThanTheClassIsRejectedAndStoresNothing) {
  ASSERT_EQ(post({assignment("a1", "c5", kDay, 30)}).items(0).status(), pb::CREATED);
  ASSERT_EQ(time({report("a1", std::vector<int>(39, 20))}).items(0).status(), pb::CREATED);
  // s01..s39 again (unchanged) plus s40 and s41: 41 distinct students in a class of 40.
  const auto res = time({report("a1", std::vector<int>(41, 50))});
  ASSERT_EQ(res.items_size(), 1);
  expect_rejected(res.items(0), "a1", "INVALID_ARGUMENT", "reports[0].students");
  const auto d = day("c5");
  EXPECT_EQ(d.students_reported(), 39);
  EXPECT_DOUBLE_EQ(d.measured_mean_minutes(), 20.0);  // the 50s were not kept
}

TEST_P(BadInputTest, TimingForWithdrawnAssignmentIsRejected) {
  ASSERT_EQ(post({assignment("a1", "c5", kDay, 30)}).items(0).status(), pb::CREATED);
  auto w = client_->withdraw_assignment("a1");
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  const auto before = breach_ids();
  const auto res = time({report("a1", {90, 95})});
  ASSERT_EQ(res.items_size(), 1);
  EXPECT_EQ(res.items(0).status(), pb::REJECTED) << res.items(0).DebugString();
  const auto& e = res.items(0).error();
  EXPECT_TRUE(e.code() == "INVALID_ARGUMENT" || e.code() == "CONFLICT") << e.DebugString();
  EXPECT_TRUE(contains(e.message(), "withdrawn")) << e.message();
  EXPECT_EQ(day("c5").students_reported(), 0);
  EXPECT_EQ(breach_ids(), before);
}

// ---- re-used ids -------------------------------------------------------------------

TEST_P(BadInputTest, ReusedIdWithSameContentIsUnchangedAndDifferentContentIsConflict) {
  auto a = assignment("a1", "c5", kDay, 30);
  a.set_content("第3页 1-10题");
  a.set_tier(pb::OPTIONAL);
  a.set_requires_self_grading(true);
  ASSERT_EQ(post({a}).items(0).status(), pb::CREATED);
  auto counted = assignment("a2", "c5", kDay, 30);
  ASSERT_EQ(post({counted}).items(0).status(), pb::CREATED);
  const auto before = breach_ids();

  auto same = post({a});
  ASSERT_EQ(same.items_size(), 1);
  EXPECT_EQ(same.items(0).status(), pb::UNCHANGED) << same.items(0).DebugString();

  auto changed = counted;
  changed.set_estimated_minutes(90);  // would put c5 over its cap of 60
  auto other = assignment("a3", "c8", kDay, 15);
  auto other_changed = other;
  other_changed.set_subject("语文");
  const auto res = post({changed, other, other_changed});
  ASSERT_EQ(res.items_size(), 3);
  expect_rejected(res.items(0), "a2", "CONFLICT");
  EXPECT_EQ(res.items(1).status(), pb::CREATED);
  expect_rejected(res.items(2), "a3", "CONFLICT");  // the same id twice in one batch
  EXPECT_EQ(res.warnings_size(), 0) << res.DebugString();
  expect_stored("a2", 30);
  auto a3 = client_->get_assignment("a3");
  ASSERT_TRUE(a3.ok());
  EXPECT_EQ(a3->subject(), "数学");
  EXPECT_EQ(planned("c5"), 30);
  EXPECT_EQ(breach_ids(), before);
}

TEST_P(BadInputTest, PutOnWithdrawnAssignmentIs409AndChangesNothing) {
  ASSERT_EQ(post({assignment("a1", "c5", kDay, 30)}).items(0).status(), pb::CREATED);
  ASSERT_TRUE(client_->withdraw_assignment("a1").ok());
  expect_api_error(client_->put_assignment(assignment("a1", "c5", kDay, 75)), 409, "CONFLICT");
  const auto res = post({assignment("a1", "c5", kDay, 75)});
  ASSERT_EQ(res.items_size(), 1);
  expect_rejected(res.items(0), "a1", "CONFLICT");
  expect_stored("a1", 30);
  EXPECT_EQ(planned("c5"), 0);  // still withdrawn
  EXPECT_TRUE(breach_ids().empty());
}

TEST_P(BadInputTest, ValidateOnlyStoresNothingButReturnsCreatedItemsAndWarnings) {
  const auto before = breach_ids();
  const auto res = post({assignment("v1", "c5", kDay, 70), assignment("v2", "c9", kDay, 10)}, true);
  ASSERT_EQ(res.items_size(), 2);
  EXPECT_EQ(res.items(0).status(), pb::CREATED);
  expect_rejected(res.items(1), "v2", "NOT_FOUND");
  ASSERT_EQ(res.warnings_size(), 1) << res.DebugString();
  EXPECT_EQ(res.warnings(0).code(), pb::PLANNED_OVER_CAP);
  EXPECT_EQ(res.warnings(0).class_id(), "c5");
  EXPECT_EQ(res.warnings(0).load_minutes(), 70);
  EXPECT_EQ(res.warnings(0).cap_minutes(), 60);
  expect_not_stored("v1");
  EXPECT_EQ(planned("c5"), 0);
  EXPECT_EQ(breach_ids(), before);
  pb::TimingBatch tb;
  tb.set_validate_only(true);
  ASSERT_EQ(post({assignment("a1", "c5", kDay, 20)}).items(0).status(), pb::CREATED);
  *tb.add_reports() = report("a1", {20, 30});
  auto tr = client_->post_timings(tb);
  ASSERT_TRUE(tr.ok()) << tr.error().to_string();
  EXPECT_EQ(tr->items(0).status(), pb::CREATED);
  EXPECT_EQ(day("c5").students_reported(), 0);
  // Posting for real afterwards creates it: nothing was kept from the dry run.
  EXPECT_EQ(post({assignment("v1", "c5", kDay, 70)}).items(0).status(), pb::CREATED);
}

// ---- bodies that cannot be read ---------------------------------------------------

TEST_P(BadInputTest, UnreadableBodyIs400AndStoresNothing) {
  // Garbage in the request's own encoding: 't' (0x74) is a protobuf END_GROUP tag.
  const std::string garbage = GetParam() == Encoding::kJson ? std::string("{\"assignments\": [{\"assignment_id\": ")
                                                            : std::string("this is not a protobuf message");
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"POST", "/v1/assignments"},
                                                        {"PUT", "/v1/assignments/a1"},
                                                        {"POST", "/v1/timings"},
                                                        {"PUT", "/v1/schools/s1/classes/c5"}}) {
    SCOPED_TRACE(method + " " + target);
    const auto r = raw(method, target, garbage, media(), media());
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(starts_with(r.content_type, media())) << r.content_type;
    expect_error(error_body(r), "INVALID_ARGUMENT", "body");
  }
  expect_not_stored("a1");
}

TEST_F(BadInputFixture, TruncatedProtobufIsRejectedAndStoresNothing) {
  pb::AssignmentBatch b;
  *b.add_assignments() = assignment("t1", "c5", kDay, 20);
  *b.add_assignments() = assignment("t2", "c5", kDay, 25);
  const std::string whole = b.SerializeAsString();
  ASSERT_GT(whole.size(), 20u);
  // Cut inside the last field (the UTF-8 title of t2), and inside t1's first field.
  for (size_t cut : {whole.size() - 3, size_t{6}}) {
    SCOPED_TRACE(cut);
    const auto r = raw("POST", "/v1/assignments", whole.substr(0, cut), kPb);
    EXPECT_EQ(r.status, 400);
    const auto e = error_body(r);
    expect_error(e, "INVALID_ARGUMENT", "body");
    EXPECT_TRUE(contains(e.message(), "AssignmentBatch")) << e.message();
  }
  const std::string one = assignment("t3", "c5", kDay, 30).SerializeAsString();
  const auto r = raw("PUT", "/v1/assignments/t3", one.substr(0, one.size() - 3), kPb);
  EXPECT_EQ(r.status, 400);
  expect_error(error_body(r), "INVALID_ARGUMENT", "body");
  for (const char* id : {"t1", "t2", "t3"}) expect_not_stored(id);
  EXPECT_EQ(planned("c5"), 0);
}

TEST_F(BadInputFixture, GarbageProtobufBytesAreRejectedAndStoreNothing) {
  const std::string overlong_varint(12, '\xff');
  const std::string bad_wire_type("\x0f\x01\x02\x03", 4);  // field 1, wire type 7
  for (const std::string& body : {overlong_varint, bad_wire_type, std::string("\x0a\x7f\x0a", 3)}) {
    const auto r = raw("POST", "/v1/assignments", body, kPb);
    EXPECT_EQ(r.status, 400);
    expect_error(error_body(r), "INVALID_ARGUMENT", "body");
  }
  EXPECT_EQ(planned("c5"), 0);
  EXPECT_TRUE(breach_ids().empty());
}

TEST_F(BadInputFixture, MalformedJsonAndUnknownJsonFieldsAreRejected) {
  pb::AssignmentBatch b;
  *b.add_assignments() = assignment("j1", "c5", kDay, 20);
  std::string valid = to_json(b);
  std::string unknown = valid;
  unknown.insert(unknown.rfind('}'), ",\"urgent\":true");
  std::string wrong_type = R"({"assignments":[{"assignment_id":"j2","estimated_minutes":"lots"}]})";
  for (const std::string& body : {valid.substr(0, valid.size() / 2), unknown, wrong_type, std::string("[]"),
                                  std::string("{\"assignments\": [}")}) {
    SCOPED_TRACE(body);
    const auto r = raw("POST", "/v1/assignments", body, kJson);
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(starts_with(r.content_type, kJson)) << r.content_type;
    expect_error(error_body(r), "INVALID_ARGUMENT", "body");
  }
  const auto r = raw("POST", "/v1/assignments", unknown, kJson);
  EXPECT_TRUE(contains(error_body(r).message(), "urgent")) << r.body;
  expect_not_stored("j1");
  expect_not_stored("j2");
}

TEST_F(BadInputFixture, BodyWithUnsupportedContentTypeIs415AndStoresNothing) {
  pb::AssignmentBatch b;
  *b.add_assignments() = assignment("p1", "c5", kDay, 20);
  for (const char* type : {"text/plain", "application/xml", ""}) {
    SCOPED_TRACE(type);
    const auto r = raw("POST", "/v1/assignments", to_json(b), type);
    EXPECT_EQ(r.status, 415);
    expect_error(error_body(r), "UNSUPPORTED_MEDIA_TYPE");
    EXPECT_TRUE(contains(error_body(r).message(), "Content-Type")) << r.body;
  }
  expect_not_stored("p1");
  // Parameters and case do not matter.
  const auto ok = raw("POST", "/v1/assignments", to_json(b), "Application/JSON; charset=utf-8");
  EXPECT_EQ(ok.status, 200) << ok.body;
}

// ---- oversized bodies --------------------------------------------------------------

TEST(BadInputLimits, OversizedBodyGets413WithAnErrorAndTheServerKeepsServing) {
  app::Config config;
  config.body_limit_bytes = 64 * 1024;
  TestServer server(config);
  auto c = server.client();
  seed_school(*c);
  pb::AssignmentBatch big;
  for (int i = 0; i < 42; ++i) {
    auto a = assignment("big" + std::to_string(i), "c8", kDay, 1);
    a.set_content(std::string(5000, 'x'));
    *big.add_assignments() = a;
  }
  const std::string body = big.SerializeAsString();
  ASSERT_GT(body.size(), 200u * 1024);
  auto r = c->send_raw("POST", "/v1/assignments", body, {{"Content-Type", kPb}, {"Accept", kJson}});
  ASSERT_TRUE(r.ok()) << "no HTTP answer to an oversized body: " << r.error().to_string();
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(starts_with(r->content_type, kJson)) << r->content_type;
  expect_error(error_body(*r), "PAYLOAD_TOO_LARGE");

  auto fresh = server.client();
  auto h = fresh->healthz();
  EXPECT_TRUE(h.ok()) << h.error().to_string();
  auto load = fresh->class_load("s1", "c8", kDay, kDay);
  ASSERT_TRUE(load.ok()) << load.error().to_string();
  EXPECT_EQ(load->days(0).planned_minutes(), 0);
  auto g = fresh->get_assignment("big0");
  EXPECT_FALSE(g.ok());
  // A body under the limit is read and stored; the first client reconnects too.
  pb::AssignmentBatch small;
  *small.add_assignments() = assignment("small", "c8", kDay, 10);
  auto posted = c->post_assignments(small);
  ASSERT_TRUE(posted.ok()) << posted.error().to_string();
  EXPECT_EQ(posted->items(0).status(), pb::CREATED);
}

// PRODUCT.md: "Bodies over 8 MiB (a setting) get 413 without being read whole."
// The server answers as soon as the header shows a Content-Length over the limit,
// then half-closes and discards the rest of the body (a lingering close): a client
// still writing its 9 MiB gets to read the 413 instead of a reset.
TEST(BadInputLimits, BodyOverTheDefaultEightMebibytesGets413) {
  TestServer server;
  auto c = server.client();
  const std::string body(9u * 1024 * 1024, '\x0a');
  auto r = c->send_raw("POST", "/v1/assignments", body, {{"Content-Type", kPb}});
  ASSERT_TRUE(r.ok()) << "no HTTP answer to a 9 MiB body: " << r.error().to_string();
  EXPECT_EQ(r->status, 413);
  expect_error(error_body(*r), "PAYLOAD_TOO_LARGE");
  auto h = server.client()->healthz();
  EXPECT_TRUE(h.ok()) << h.error().to_string();
}

// ---- content negotiation and routing ------------------------------------------------

TEST_F(BadInputFixture, ResponseTypeFollowsAcceptElseRequestTypeElseJson) {
  pb::AssignmentBatch b;
  *b.add_assignments() = assignment("n1", "c5", kDay, 20);
  {
    const auto r = raw("POST", "/v1/assignments", to_json(b), kJson, kPb);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(starts_with(r.content_type, kPb)) << r.content_type;
    pb::BatchResult res;
    ASSERT_TRUE(res.ParseFromString(r.body));
    ASSERT_EQ(res.items_size(), 1);
    EXPECT_EQ(res.items(0).status(), pb::CREATED);
  }
  {
    const auto r = raw("POST", "/v1/assignments", b.SerializeAsString(), kPb, kJson);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(starts_with(r.content_type, kJson)) << r.content_type;
    pb::BatchResult res;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &res).ok()) << r.body;
    ASSERT_EQ(res.items_size(), 1);
    EXPECT_EQ(res.items(0).status(), pb::UNCHANGED);
  }
  {
    const auto r = raw("POST", "/v1/assignments", b.SerializeAsString(), kPb);  // no Accept: the request's type
    EXPECT_TRUE(starts_with(r.content_type, kPb)) << r.content_type;
  }
  {
    const auto r = raw("GET", "/v1/schools/s1", "", "");  // no Accept, no body: JSON
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(starts_with(r.content_type, kJson)) << r.content_type;
    pb::School s;
    ASSERT_TRUE(decode(r, s)) << r.body;
    EXPECT_EQ(s.school_id(), "s1");
  }
  {
    const auto r = raw("GET", "/v1/schools/s1", "", "", "text/html, application/x-protobuf;q=0.9");
    EXPECT_TRUE(starts_with(r.content_type, kPb)) << r.content_type;
  }
  {  // errors follow the same rule
    const auto r = raw("POST", "/v1/assignments", "{not json", kJson, kPb);
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(starts_with(r.content_type, kPb)) << r.content_type;
    expect_error(error_body(r), "INVALID_ARGUMENT", "body");
  }
}

TEST_F(BadInputFixture, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
  for (const char* target : {"/v1/nothing", "/v1/schools/s1/classes/c5/nope", "/v2/assignments", "/"}) {
    SCOPED_TRACE(target);
    const auto r = raw("GET", target, "", "");
    EXPECT_EQ(r.status, 404);
    expect_error(error_body(r), "NOT_FOUND");
  }
  {
    const auto r = raw("DELETE", "/v1/timings", "", "");
    EXPECT_EQ(r.status, 405);
    expect_error(error_body(r), "METHOD_NOT_ALLOWED");
    ASSERT_TRUE(r.headers.count("allow")) << "no Allow header";
    EXPECT_EQ(r.headers.at("allow"), "POST");
  }
  {
    const auto r = raw("PATCH", "/v1/assignments/a1", "", "");
    EXPECT_EQ(r.status, 405);
    ASSERT_TRUE(r.headers.count("allow")) << "no Allow header";
    for (const char* m : {"PUT", "GET", "DELETE"})
      EXPECT_TRUE(contains(r.headers.at("allow"), m)) << r.headers.at("allow");
  }
  {
    const auto r = raw("POST", "/v1/schools/s1", to_json(pb::School()), kJson);
    EXPECT_EQ(r.status, 405);
    ASSERT_TRUE(r.headers.count("allow")) << "no Allow header";
    EXPECT_TRUE(contains(r.headers.at("allow"), "PUT")) << r.headers.at("allow");
  }
  {  // a malformed percent-escape in the query
    const auto r = raw("GET", "/v1/breaches?school_id=%zz", "", "");
    EXPECT_EQ(r.status, 400);
    expect_error(error_body(r), "INVALID_ARGUMENT", "target");
  }
  auto s1 = server_.client()->get_school("s1");  // the server is unharmed
  EXPECT_TRUE(s1.ok());
}

// A newer client may send fields this server does not know (PRODUCT.md: "more
// fields ... may be added"). Re-sending the very same bytes (a retry after a
// timeout) must be UNCHANGED, as posting is idempotent by assignment_id.
TEST_F(BadInputFixture, RetryOfTheSameProtobufWithAnUnknownFieldIsUnchanged) {
  pb::AssignmentBatch b;
  *b.add_assignments() = assignment("u1", "c5", kDay, 20);
  // The assignment with an extra field 99 (varint 1), as a newer client would send it.
  const std::string a = b.assignments(0).SerializeAsString() + std::string("\x98\x06\x01", 3);
  ASSERT_LT(a.size(), 128u);
  const std::string body = std::string("\x0a", 1) + static_cast<char>(a.size()) + a;
  pb::BatchResult first, second;
  auto r1 = raw("POST", "/v1/assignments", body, kPb);
  ASSERT_EQ(r1.status, 200) << r1.body;
  ASSERT_TRUE(first.ParseFromString(r1.body));
  EXPECT_EQ(first.items(0).status(), pb::CREATED);
  auto r2 = raw("POST", "/v1/assignments", body, kPb);
  ASSERT_EQ(r2.status, 200) << r2.body;
  ASSERT_TRUE(second.ParseFromString(r2.body));
  EXPECT_EQ(second.items(0).status(), pb::UNCHANGED) << second.items(0).DebugString();
  expect_stored("u1", 20);
}

INSTANTIATE_TEST_SUITE_P(BadInput, BadInputTest, ::testing::Values(Encoding::kProtobuf, Encoding::kJson),
                         [](const ::testing::TestParamInfo<Encoding>& p) {
                           return p.param == Encoding::kJson ? std::string("Json") : std::string("Protobuf");
                         });

}  // namespace
}  // namespace hwload::testing
