// The contract end to end: a server on port 0 with a temporary SQLite file,
// driven through the client SDK, in both wire encodings.
#include <gtest/gtest.h>

#include <regex>

#include "support/test_server.h"

namespace hwload::testing {
namespace {

using client::Encoding;

class ApiTest : public ::testing::TestWithParam<Encoding> {
 protected:
  void SetUp() override {
    client_ = server_.client(GetParam());
    seed_school(*client_);
  }

  pb::BatchResult post(std::vector<pb::Assignment> items, bool validate_only = false) {
    return post_batch(*client_, std::move(items), validate_only);
  }
  pb::BatchResult time(std::vector<pb::TimingReport> reports) { return post_timings(*client_, std::move(reports)); }
  pb::DayLoad day(const std::string& class_id, const std::string& date) { return day_load(*client_, class_id, date); }

  std::vector<pb::Breach> breaches(const std::string& state = "OPEN") {
    client::BreachQuery q;
    q.school_id = "s1";
    q.state = state;
    auto r = client_->breaches(q);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? std::vector<pb::Breach>(r->breaches().begin(), r->breaches().end()) : std::vector<pb::Breach>();
  }

  std::vector<pb::Alert> all_alerts() {
    auto r = client_->alerts("", 1000);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? std::vector<pb::Alert>(r->alerts().begin(), r->alerts().end()) : std::vector<pb::Alert>();
  }

  static int count_kind(const std::vector<pb::Breach>& bs, pb::BreachKind kind, const std::string& date = "") {
    int n = 0;
    for (const auto& b : bs) n += b.kind() == kind && (date.empty() || b.date() == date);
    return n;
  }

  TestServer server_;
  std::unique_ptr<client::Client> client_;
};

TEST_P(ApiTest, RegistryRoundTrips) {
  auto school = client_->get_school("s1");
  ASSERT_TRUE(school.ok());
  EXPECT_EQ(school->name(), "第一实验学校");
  EXPECT_EQ(school->district(), "d1");
  auto classes = client_->list_classes("s1");
  ASSERT_TRUE(classes.ok());
  ASSERT_EQ(classes->classes_size(), 3);
  EXPECT_EQ(classes->classes(1).class_id(), "c5");
  EXPECT_EQ(classes->classes(1).grade(), 5);
  pb::Calendar cal;
  cal.set_school_id("s1");
  cal.set_no_homework_weekday(3);
  auto* d = cal.add_days();
  d->set_date("2026-11-28");
  d->set_day_kind(pb::SCHOOL_DAY);
  ASSERT_TRUE(client_->put_calendar(cal).ok());
  auto back = client_->get_calendar("s1");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->no_homework_weekday(), 3);
  ASSERT_EQ(back->days_size(), 1);
  EXPECT_EQ(back->days(0).day_kind(), pb::SCHOOL_DAY);
}

TEST_P(ApiTest, PostIsIdempotentByAssignmentId) {
  auto first = post({assignment("a1", "c5", "2026-11-17", 30)});
  ASSERT_EQ(first.items_size(), 1);
  EXPECT_EQ(first.items(0).status(), pb::CREATED);
  auto again = post({assignment("a1", "c5", "2026-11-17", 30)});
  EXPECT_EQ(again.items(0).status(), pb::UNCHANGED);
  EXPECT_EQ(day("c5", "2026-11-17").planned_minutes(), 30);
  auto changed = post({assignment("a1", "c5", "2026-11-17", 45)});
  EXPECT_EQ(changed.items(0).status(), pb::REJECTED);
  EXPECT_EQ(changed.items(0).error().code(), "CONFLICT");
  EXPECT_EQ(day("c5", "2026-11-17").planned_minutes(), 30);
}

TEST_P(ApiTest, TierUnspecifiedIsTheSameRecordAsRequired) {
  auto a = assignment("a1", "c5", "2026-11-17", 30);
  a.set_tier(pb::TIER_UNSPECIFIED);
  EXPECT_EQ(post({a}).items(0).status(), pb::CREATED);
  EXPECT_EQ(post({assignment("a1", "c5", "2026-11-17", 30)}).items(0).status(), pb::UNCHANGED);
  EXPECT_EQ(day("c5", "2026-11-17").planned_minutes(), 30);
}

TEST_P(ApiTest, PlannedOverCapWarnsAtOnceAndOpensAWarningBreachWithoutAlert) {
  auto r = post({assignment("a1", "c5", "2026-11-17", 40), assignment("a2", "c5", "2026-11-17", 25, "语文")});
  ASSERT_EQ(r.warnings_size(), 1);
  EXPECT_EQ(r.warnings(0).code(), pb::PLANNED_OVER_CAP);
  EXPECT_EQ(r.warnings(0).load_minutes(), 65);
  EXPECT_EQ(r.warnings(0).cap_minutes(), 60);
  EXPECT_EQ(r.warnings(0).class_id(), "c5");
  const auto open = breaches();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind(), pb::PLANNED_OVER_CAP);
  EXPECT_EQ(open[0].severity(), pb::WARNING);
  EXPECT_TRUE(all_alerts().empty());  // WARNING is not pushed to the bureau
}

TEST_P(ApiTest, ValidateOnlyStoresNothingButSaysWhatWouldHappen) {
  auto r = post({assignment("a1", "c5", "2026-11-17", 70)}, /*validate_only=*/true);
  ASSERT_EQ(r.items_size(), 1);
  EXPECT_EQ(r.items(0).status(), pb::CREATED);
  ASSERT_EQ(r.warnings_size(), 1);
  EXPECT_EQ(r.warnings(0).code(), pb::PLANNED_OVER_CAP);
  EXPECT_EQ(day("c5", "2026-11-17").planned_minutes(), 0);
  EXPECT_TRUE(breaches().empty());
  EXPECT_FALSE(client_->get_assignment("a1").ok());
}

TEST_P(ApiTest, DayLoadFollowsTheDefinitionExactly) {
  auto optional = assignment("a3", "c5", "2026-11-17", 20, "英语");
  optional.set_tier(pb::OPTIONAL);
  auto reading = assignment("a4", "c5", "2026-11-17", 20, "语文");
  reading.set_type(pb::READING);
  post({assignment("a1", "c5", "2026-11-17", 30, "数学"), assignment("a2", "c5", "2026-11-17", 25, "语文"), optional,
        reading});
  auto r2 = report("a2", {20, 20, 30, 30, 40});
  r2.mutable_students(4)->set_unfinished(true);
  auto r3 = report("a3", {100});
  r3.mutable_students(0)->set_student_key("s11");
  auto res = time({report("a1", {20, 25, 30, 30, 35, 40, 45, 50, 55, 70}), r2, r3});
  ASSERT_EQ(res.items_size(), 3);
  for (const auto& item : res.items()) EXPECT_EQ(item.status(), pb::CREATED);

  const pb::DayLoad d = day("c5", "2026-11-17");
  EXPECT_EQ(d.day_kind(), pb::SCHOOL_DAY);
  EXPECT_EQ(d.cap_minutes(), 60);
  EXPECT_EQ(d.planned_minutes(), 55);
  EXPECT_DOUBLE_EQ(d.measured_mean_minutes(), 40.0 + 28.0);
  EXPECT_EQ(d.measured_p90_minutes(), 70);
  EXPECT_EQ(d.students_reported(), 10);
  EXPECT_EQ(d.students_over_cap(), 2);
  EXPECT_EQ(d.students_unfinished(), 1);
  ASSERT_EQ(d.subjects_size(), 2);
  EXPECT_EQ(d.subjects(0).subject(), "数学");
  EXPECT_EQ(d.subjects(0).planned_minutes(), 30);
  EXPECT_DOUBLE_EQ(d.subjects(0).measured_mean_minutes(), 40.0);
  EXPECT_EQ(d.subjects(1).subject(), "语文");
  EXPECT_DOUBLE_EQ(d.subjects(1).measured_mean_minutes(), 28.0);
  ASSERT_EQ(d.breaches_size(), 1);
  EXPECT_EQ(d.breaches(0).kind(), pb::MEASURED_OVER_CAP);
  EXPECT_EQ(d.breaches(0).load_minutes(), 68);

  client::ComplianceQuery q;
  q.district = "d1";
  q.from = "2026-11-16";
  q.to = "2026-11-22";
  auto c = client_->compliance(q);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->scope(), "district:d1");
  EXPECT_EQ(c->student_days(), 10);
  EXPECT_EQ(c->student_days_within_cap(), 8);
  EXPECT_DOUBLE_EQ(c->share_within_cap(), 0.8);
  EXPECT_EQ(c->class_days(), 1);
  EXPECT_EQ(c->class_days_over_cap(), 1);
  EXPECT_EQ(c->breaches_by_kind().at("MEASURED_OVER_CAP"), 1);
}

TEST_P(ApiTest, ReReportingReplacesEarlierFiguresAndResolvesTheBreach) {
  post({assignment("a1", "c5", "2026-11-17", 30), assignment("a2", "c5", "2026-11-17", 25, "语文")});
  time({report("a1", {20, 25, 30, 30, 35, 40, 45, 50, 55, 70}), report("a2", {20, 20, 30, 30, 40})});
  ASSERT_EQ(count_kind(breaches(), pb::MEASURED_OVER_CAP), 1);

  pb::TimingReport fix;
  fix.set_assignment_id("a1");
  auto* s9 = fix.add_students();
  s9->set_student_key("s09");
  s9->set_minutes(15);
  auto* s10 = fix.add_students();
  s10->set_student_key("s10");
  s10->set_minutes(10);
  auto res = time({fix});
  EXPECT_EQ(res.items(0).status(), pb::UPDATED);
  EXPECT_EQ(time({fix}).items(0).status(), pb::UNCHANGED);

  const auto d = day("c5", "2026-11-17");
  EXPECT_EQ(d.students_reported(), 10);
  EXPECT_DOUBLE_EQ(d.measured_mean_minutes(), 30.0 + 28.0);
  EXPECT_EQ(count_kind(breaches(), pb::MEASURED_OVER_CAP), 0);
  EXPECT_EQ(count_kind(breaches("RESOLVED"), pb::MEASURED_OVER_CAP), 1);
  // One alert when it opened, one when it resolved.
  const auto alerts = all_alerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].breach().state(), pb::OPEN);
  EXPECT_EQ(alerts[1].breach().state(), pb::RESOLVED);
  EXPECT_EQ(alerts[0].breach().breach_id(), alerts[1].breach().breach_id());
  EXPECT_LT(alerts[0].seq(), alerts[1].seq());
}

TEST_P(ApiTest, WrittenHomeworkForGradeTwoOpensABreachThatWithdrawalResolves) {
  auto r = post({assignment("w1", "c2", "2026-11-17", 10)});
  ASSERT_EQ(r.warnings_size(), 1);
  EXPECT_EQ(r.warnings(0).code(), pb::WRITTEN_FORBIDDEN);
  auto open = breaches();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind(), pb::WRITTEN_FORBIDDEN);
  EXPECT_EQ(open[0].severity(), pb::BREACH);
  EXPECT_EQ(open[0].cap_minutes(), 0);

  ASSERT_TRUE(client_->withdraw_assignment("w1").ok());
  EXPECT_TRUE(breaches().empty());
  EXPECT_EQ(day("c2", "2026-11-17").planned_minutes(), 0);
  const auto alerts = all_alerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].breach().state(), pb::RESOLVED);
  EXPECT_EQ(alerts[1].district(), "d1");
  // Withdrawn, kept in history.
  EXPECT_TRUE(client_->get_assignment("w1").ok());
  EXPECT_TRUE(client_->withdraw_assignment("w1").ok());  // twice is a no-op
  EXPECT_EQ(client_->withdraw_assignment("nope").error().http_status, 404);
}

// A fourth BREACH date inside a REPEATED window changes the open REPEATED breach's
// figures in place (same id, no second alert for it), and a date whose own window now
// holds three opens one of its own. A WARNING (planned over the cap) counts for none.
TEST_P(ApiTest, AnotherBreachDateInTheWindowUpdatesTheRepeatedBreach) {
  auto flagged = [](const std::string& id, const std::string& date) {
    auto a = assignment(id, "c8", date, 20);
    a.set_requires_parent_grading(true);
    return a;
  };
  auto repeated_on = [this](const std::string& date) {
    std::vector<pb::Breach> out;
    for (const auto& b : breaches()) {
      if (b.kind() == pb::REPEATED && b.date() == date) out.push_back(b);
    }
    return out;
  };
  post({flagged("r1", "2026-11-16"), flagged("r2", "2026-11-18")});
  post({assignment("r0", "c8", "2026-11-17", 200)});  // planned over the cap: a WARNING
  EXPECT_EQ(count_kind(breaches(), pb::PLANNED_OVER_CAP, "2026-11-17"), 1);
  EXPECT_EQ(count_kind(breaches(), pb::REPEATED), 0);
  post({flagged("r3", "2026-11-20")});
  const auto first = repeated_on("2026-11-20");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].load_minutes(), 3);
  const size_t alerts_before = all_alerts().size();

  post({flagged("r4", "2026-11-19")});
  const auto now = repeated_on("2026-11-20");
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].breach_id(), first[0].breach_id());
  EXPECT_EQ(now[0].load_minutes(), 4);
  EXPECT_NE(now[0].detail().find("2026-11-16, 2026-11-18, 2026-11-19, 2026-11-20"), std::string::npos)
      << now[0].detail();
  ASSERT_EQ(repeated_on("2026-11-19").size(), 1u);  // 11-16, 11-18, 11-19
  EXPECT_EQ(repeated_on("2026-11-19")[0].load_minutes(), 3);
  // The new BANNED_PRACTICE and the new REPEATED each alert once; the updated one not.
  const auto alerts = all_alerts();
  ASSERT_EQ(alerts.size(), alerts_before + 2);
  EXPECT_EQ(alerts[alerts_before].breach().kind(), pb::BANNED_PRACTICE);
  EXPECT_EQ(alerts[alerts_before + 1].breach().kind(), pb::REPEATED);
  EXPECT_EQ(alerts[alerts_before + 1].breach().date(), "2026-11-19");
}

TEST_P(ApiTest, PutReplacesAnAssignmentAndReevaluatesBothDates) {
  post({assignment("a1", "c5", "2026-11-17", 70)});
  EXPECT_EQ(count_kind(breaches(), pb::PLANNED_OVER_CAP, "2026-11-17"), 1);
  auto moved = assignment("a1", "c5", "2026-11-18", 70);
  auto r = client_->put_assignment(moved);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->items(0).status(), pb::UPDATED);
  EXPECT_EQ(count_kind(breaches(), pb::PLANNED_OVER_CAP, "2026-11-17"), 0);
  EXPECT_EQ(count_kind(breaches(), pb::PLANNED_OVER_CAP, "2026-11-18"), 1);
  EXPECT_EQ(client_->put_assignment(moved)->items(0).status(), pb::UNCHANGED);
  auto fresh = client_->put_assignment(assignment("a9", "c5", "2026-11-19", 10));
  EXPECT_EQ(fresh->items(0).status(), pb::CREATED);
}

TEST_P(ApiTest, BannedPracticeOnThreeDatesWithinSevenDaysEscalatesToRepeated) {
  auto flagged = [](const std::string& id, const std::string& date) {
    auto a = assignment(id, "c8", date, 20);
    a.set_requires_parent_grading(true);
    return a;
  };
  post({flagged("b1", "2026-11-16"), flagged("b2", "2026-11-18")});
  EXPECT_EQ(count_kind(breaches(), pb::REPEATED), 0);
  post({flagged("b3", "2026-11-20")});
  auto open = breaches();
  EXPECT_EQ(count_kind(open, pb::BANNED_PRACTICE), 3);
  ASSERT_EQ(count_kind(open, pb::REPEATED, "2026-11-20"), 1);
  for (const auto& b : open) {
    if (b.kind() == pb::REPEATED) {
      EXPECT_EQ(b.severity(), pb::SERIOUS);
    }
  }
  // Outside the window: 2026-11-24 sees only 11-18 and 11-20 before it... plus itself = 3.
  post({flagged("b4", "2026-11-26")});  // window 11-20..11-26 holds 2
  EXPECT_EQ(count_kind(breaches(), pb::REPEATED), 1);
  ASSERT_TRUE(client_->withdraw_assignment("b2").ok());
  EXPECT_EQ(count_kind(breaches(), pb::REPEATED), 0);
}

TEST_P(ApiTest, FixedNoHomeworkWeekdayAppliesToPrimaryGradesOnly) {
  pb::School s;
  s.set_school_id("s1");
  s.set_name("第一实验学校");
  s.set_district("d1");
  s.set_profile("hengyang");
  ASSERT_TRUE(client_->put_school(s).ok());
  pb::Calendar cal;
  cal.set_school_id("s1");
  cal.set_no_homework_weekday(3);
  ASSERT_TRUE(client_->put_calendar(cal).ok());
  auto r = post({assignment("n5", "c5", "2026-11-18", 20), assignment("n8", "c8", "2026-11-18", 20)});
  ASSERT_EQ(r.warnings_size(), 1);
  EXPECT_EQ(r.warnings(0).code(), pb::NO_HOMEWORK_DAY);
  EXPECT_EQ(r.warnings(0).class_id(), "c5");
  EXPECT_TRUE(day("c5", "2026-11-18").no_homework_day());
  EXPECT_FALSE(day("c8", "2026-11-18").no_homework_day());
  // Moving the weekday in the calendar re-evaluates what is stored.
  cal.set_no_homework_weekday(4);
  ASSERT_TRUE(client_->put_calendar(cal).ok());
  EXPECT_EQ(count_kind(breaches(), pb::NO_HOMEWORK_DAY), 0);
}

TEST_P(ApiTest, GradeWeekHoldsSevenDaysPerClassMondayFirst) {
  post({assignment("a1", "c5", "2026-11-19", 20)});
  auto w = client_->grade_week("s1", 5, "2026-W47");
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  EXPECT_EQ(w->week(), "2026-W47");
  ASSERT_EQ(w->classes_size(), 1);
  ASSERT_EQ(w->classes(0).days_size(), 7);
  EXPECT_EQ(w->classes(0).days(0).date(), "2026-11-16");
  EXPECT_EQ(w->classes(0).days(6).date(), "2026-11-22");
  EXPECT_EQ(w->classes(0).days(3).planned_minutes(), 20);
  EXPECT_EQ(w->classes(0).days(5).day_kind(), pb::WEEKEND);
}

TEST_P(ApiTest, AcknowledgementRecordsWhoAndWhen) {
  post({assignment("w1", "c2", "2026-11-17", 10)});
  const auto open = breaches();
  ASSERT_EQ(open.size(), 1u);
  pb::AcknowledgeRequest req;
  req.set_acknowledged_by("王主任");
  req.set_note("已约谈班主任");
  auto b = client_->acknowledge(open[0].breach_id(), req);
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ(b->acknowledged_by(), "王主任");
  EXPECT_EQ(b->note(), "已约谈班主任");
  EXPECT_EQ(b->acknowledged_at(), "2026-11-23T02:00:00.000Z");
  EXPECT_EQ(client_->acknowledge("nope", req).error().http_status, 404);
}

TEST_P(ApiTest, AlertFeedPagesWithOpaqueCursors) {
  post({assignment("w1", "c2", "2026-11-16", 10), assignment("w2", "c2", "2026-11-17", 10),
        assignment("w3", "c2", "2026-11-19", 10)});
  // Three WRITTEN_FORBIDDEN and one REPEATED alert.
  auto first = client_->alerts("", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->alerts_size(), 2);
  auto second = client_->alerts(first->next_cursor(), 2);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->alerts_size(), 2);
  EXPECT_GT(second->alerts(0).seq(), first->alerts(1).seq());
  auto third = client_->alerts(second->next_cursor(), 2);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->alerts_size(), 0);
  EXPECT_EQ(third->next_cursor(), second->next_cursor());
  EXPECT_EQ(second->alerts(1).breach().kind(), pb::REPEATED);
  EXPECT_EQ(client_->alerts("garbage", 2).error().http_status, 400);
}

TEST_P(ApiTest, SubscriptionIsStoredAndItsSecretNeverEchoed) {
  pb::Subscription s;
  s.set_subscription_id("bureau-d1");
  s.set_district("d1");
  s.set_url("http://bureau.example/hooks/hwload");
  s.set_secret("0123456789abcdef0123");
  s.set_format(pb::PROTOBUF);
  auto r = client_->put_subscription(s);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->secret(), "");
  auto list = client_->list_subscriptions("d1");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->subscriptions_size(), 1);
  EXPECT_EQ(list->subscriptions(0).url(), s.url());
  EXPECT_EQ(list->subscriptions(0).secret(), "");
  s.set_secret("short");
  EXPECT_EQ(client_->put_subscription(s).error().http_status, 400);
}

TEST_P(ApiTest, DataSurvivesARestart) {
  post({assignment("a1", "c5", "2026-11-17", 70)});
  server_.restart();
  client_ = server_.client(GetParam());
  EXPECT_EQ(day("c5", "2026-11-17").planned_minutes(), 70);
  EXPECT_EQ(count_kind(breaches(), pb::PLANNED_OVER_CAP), 1);
}

INSTANTIATE_TEST_SUITE_P(BothEncodings, ApiTest, ::testing::Values(Encoding::kProtobuf, Encoding::kJson),
                         [](const ::testing::TestParamInfo<Encoding>& p) {
                           return p.param == Encoding::kProtobuf ? "Protobuf" : "Json";
                         });

// The flexible no-homework week (hengyang, no fixed weekday) is judged once the
// week is over: by the sweep at start-up or on any later change to that week.
TEST(NoHomeworkWeek, FlexibleWeekIsCheckedOnceTheWeekIsOver) {
  TestServer server;
  auto c = server.client();
  seed_school(*c, "hengyang");
  std::vector<std::string> days = {"2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"};
  pb::AssignmentBatch b;
  for (size_t i = 0; i < days.size(); ++i)
    *b.add_assignments() = assignment("d" + std::to_string(i), "c5", days[i], 20);
  ASSERT_TRUE(c->post_assignments(b).ok());
  client::BreachQuery q;
  q.school_id = "s1";
  q.state = "OPEN";
  EXPECT_EQ(c->breaches(q)->breaches_size(), 0);  // the week is not over yet

  server.clock().set(default_now() + std::chrono::hours(24 * 7));  // Monday 2026-11-30
  server.restart();
  c = server.client();
  auto open = c->breaches(q);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->breaches_size(), 1);
  EXPECT_EQ(open->breaches(0).kind(), pb::NO_HOMEWORK_DAY);
  EXPECT_EQ(open->breaches(0).date(), "2026-11-27");  // the week's last school day

  ASSERT_TRUE(c->withdraw_assignment("d2").ok());  // Wednesday is now free
  EXPECT_EQ(c->breaches(q)->breaches_size(), 0);
}

TEST(Profiles, ConfiguredWeekendCapsApplyAndCalendarOverridesTheWeekdayRule) {
  app::Config config;
  analytics::PolicyProfile strict = *analytics::ProfileSet().find("national");
  strict.name = "strict";
  strict.day_kind_caps[analytics::DayKind::kWeekend] = {0, 30, 45};
  config.profiles.push_back(strict);
  TestServer server(config);
  auto c = server.client();
  seed_school(*c, "strict");
  pb::AssignmentBatch b;
  *b.add_assignments() = assignment("sat", "c5", "2026-11-21", 40);
  *b.add_assignments() = assignment("sun", "c5", "2026-11-22", 40);
  auto r = c->post_assignments(b);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->warnings_size(), 2);
  auto load = c->class_load("s1", "c5", "2026-11-21", "2026-11-22");
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load->days(0).cap_minutes(), 30);
  EXPECT_EQ(load->days(0).day_kind(), pb::WEEKEND);

  pb::Calendar cal;  // 调休: Saturday 2026-11-21 worked as a school day
  cal.set_school_id("s1");
  auto* d = cal.add_days();
  d->set_date("2026-11-21");
  d->set_day_kind(pb::SCHOOL_DAY);
  ASSERT_TRUE(c->put_calendar(cal).ok());
  load = c->class_load("s1", "c5", "2026-11-21", "2026-11-22");
  EXPECT_EQ(load->days(0).day_kind(), pb::SCHOOL_DAY);
  EXPECT_EQ(load->days(0).cap_minutes(), 60);
  EXPECT_EQ(load->days(0).breaches_size(), 0);  // 40 <= 60 now
  EXPECT_EQ(load->days(1).breaches_size(), 1);  // Sunday still over 30
}

// The server hashes each token and decodes each body on the I/O thread, before the
// store thread takes the request (Api::prepare). Without that step the handlers do
// it themselves; both ways give the same answers, to good requests and bad.
TEST(PreparedRequests, AnswerAsRequestsThatWereNotPrepared) {
  auto script = [](bool prepared) {
    app::Config config;
    config.prepare_requests = prepared;
    TestServer server(config);
    auto c = server.client(Encoding::kJson);
    seed_school(*c);
    std::vector<std::string> answers;
    auto raw = [&](client::Client& via, const std::string& method, const std::string& target, const std::string& body) {
      auto r = via.send_raw(method, target, body, {{"Content-Type", "application/json"}});
      // Breach ids are random (UUIDv7); everything else must match.
      static const std::regex kBreachId("\"breachId\":\"[^\"]*\"");
      answers.push_back(r.ok() ? std::to_string(r->status) + " " +
                                     std::regex_replace(r->body, kBreachId, "\"breachId\":\"\"")
                               : "transport: " + r.error().to_string());
    };
    // Good and rejected items, a timing report that puts the day over the cap, and
    // a single assignment by PUT.
    raw(*c, "POST", "/v1/assignments",
        R"({"assignments": [{"assignmentId": "a1", "schoolId": "s1", "classId": "c5", "teacherId": "t1",
            "subject": "数学", "assignedDate": "2026-11-17", "type": "WRITTEN", "estimatedMinutes": 50,
            "title": "练习"},
           {"assignmentId": "a2", "schoolId": "s1", "classId": "nope", "teacherId": "t1", "subject": "数学",
            "assignedDate": "2026-11-17", "type": "WRITTEN", "estimatedMinutes": 20, "title": "练习"}]})");
    raw(*c, "POST", "/v1/timings",
        R"({"reports": [{"assignmentId": "a1", "students": [{"studentKey": "s01", "minutes": 75}]}]})");
    raw(*c, "PUT", "/v1/assignments/a3",
        R"({"schoolId": "s1", "classId": "c8", "teacherId": "t1", "subject": "语文",
            "assignedDate": "2026-11-18", "type": "WRITTEN", "estimatedMinutes": 30, "title": "阅读"})");
    // A body that does not decode, and one of the wrong shape.
    raw(*c, "POST", "/v1/assignments", "{not json");
    raw(*c, "POST", "/v1/timings", R"({"reports": 7})");
    // No token, a malformed one, a well-formed unknown one, a known id with a wrong
    // secret: each refused. (The last two have their small bodies decoded ahead all
    // the same; the handler never takes them.)
    auto none = server.client_with("", Encoding::kJson);
    auto malformed = server.client_with("not-a-token", Encoding::kJson);
    std::string other_id = server.operator_token();  // hwl_<hex id>_<secret>
    other_id[4] = other_id[4] == '0' ? '1' : '0';
    auto unknown = server.client_with(other_id, Encoding::kJson);
    std::string wrong = server.operator_token();
    wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
    auto wrong_secret = server.client_with(wrong, Encoding::kJson);
    for (auto* via : {none.get(), malformed.get(), unknown.get(), wrong_secret.get()}) {
      raw(*via, "POST", "/v1/assignments", R"({"assignments": []})");
    }
    raw(*c, "GET", "/v1/schools/s1/classes/c5/load?from=2026-11-16&to=2026-11-22", "");
    // In protobuf, through the SDK.
    auto binary = server.client(Encoding::kProtobuf);
    answers.push_back(post_batch(*binary, {assignment("a4", "c2", "2026-11-19", 10)}).ShortDebugString());
    // A body past the 64 KiB that are decoded ahead: the handler decodes it.
    std::string big = R"({"assignments": [)";
    for (int i = 0; i < 200; ++i) {
      big +=
          std::string(i ? "," : "") + R"({"assignmentId": "big)" + std::to_string(i) +
          R"(", "schoolId": "s1", "classId": "c8", "teacherId": "t1", "subject": "英语", "assignedDate": "2026-11-)" +
          std::to_string(10 + i % 10) + R"(", "type": "WRITTEN", "estimatedMinutes": 5, "title": "单词抄写 )" +
          std::string(300, 'x') + R"("})";
    }
    big += "]}";
    EXPECT_GT(big.size(), 64u * 1024);
    raw(*c, "POST", "/v1/assignments", big);
    // How many bodies the handlers took from the I/O threads' decoding.
    long long taken = -1;
    if (auto m = c->send_raw("GET", "/metrics", "", {}); m.ok()) {
      std::smatch match;
      static const std::regex kTaken("hwload_http_prepared_bodies_total (\\d+)");
      if (std::regex_search(m->body, match, kTaken)) taken = std::stoll(match[1]);
    }
    return std::make_pair(answers, taken);
  };
  const auto [prepared, taken_prepared] = script(true);
  const auto [unprepared, taken_unprepared] = script(false);
  // The step ran: the school and its three classes (seed_school), the three small
  // JSON bodies with a good token and the protobuf one were taken from it; the rest
  // were not (refused, undecodable, or too large).
  EXPECT_EQ(taken_prepared, 8);
  EXPECT_EQ(taken_unprepared, 0);
  ASSERT_EQ(prepared.size(), unprepared.size());
  for (size_t i = 0; i < prepared.size(); ++i) EXPECT_EQ(prepared[i], unprepared[i]) << "exchange " << i;
  // The script does what it says: created, rejected, over the cap, refused.
  EXPECT_TRUE(Contains(prepared[0], "CREATED"));
  EXPECT_TRUE(Contains(prepared[0], "REJECTED"));
  EXPECT_EQ(prepared[1].substr(0, 3), "200");
  EXPECT_EQ(prepared[3].substr(0, 3), "400");
  EXPECT_EQ(prepared[4].substr(0, 3), "400");
  for (size_t i = 5; i < 9; ++i) EXPECT_EQ(prepared[i].substr(0, 3), "401") << prepared[i];
  EXPECT_TRUE(Contains(prepared[9], "\"plannedMinutes\":50"));
  EXPECT_TRUE(Contains(prepared[10], "CREATED"));
  EXPECT_EQ(prepared[11].substr(0, 3), "200");
  EXPECT_TRUE(Lacks(prepared[11], "REJECTED"));
}

}  // namespace
}  // namespace hwload::testing
