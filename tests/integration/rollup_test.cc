// The class-day rollups (issue 6): kept at write time, in the change's transaction,
// so reads never scan raw timings. After every kind of change, the rollups kept
// step by step must equal the ones rebuilt from the raw records, and the reads
// must come from them.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "core/service.h"
#include "store/store.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

namespace pb = ::hwload::v1;
using google::protobuf::util::MessageDifferencer;

class CountingIds final : public core::IdGenerator {
 public:
  std::string next() override { return "id-" + std::to_string(++n_); }

 private:
  int n_ = 0;
};

// A written assignment (support's), or another type of it.
pb::Assignment typed(pb::Assignment a, pb::HomeworkType type) {
  a.set_type(type);
  return a;
}

// `students` students' minutes spread over base..base+8, a few of them unfinished.
pb::TimingReport class_report(const std::string& id, int base, int students = 40) {
  std::vector<int> minutes;
  for (int s = 1; s <= students; ++s) minutes.push_back(base + s % 9);
  pb::TimingReport r = report(id, minutes);
  for (int s = 12; s < students; s += 13) r.mutable_students(s)->set_unfinished(true);
  return r;
}

class RollupTest : public ::testing::Test {
 protected:
  // Monday 2026-11-16 to Sunday 2026-11-29: two ISO weeks.
  static constexpr const char* kFrom = "2026-11-16";
  static constexpr const char* kTo = "2026-11-29";

  void SetUp() override {
    store_ = store::Store::open((dir_.path() / "r.db").string());
    service_ = std::make_unique<core::Service>(*store_, profiles_, clock_, ids_);
    ASSERT_EQ(service_->refresh_rollups(), 0);  // a new store: nothing to rebuild
    pb::School school;
    school.set_school_id("s1");
    school.set_name("一中");
    school.set_district("d1");
    school.set_profile("national");
    ASSERT_TRUE(service_->put_school("s1", school).is_ok());
    for (auto [id, grade] : {std::pair{"c4", 4}, std::pair{"c1", 1}, std::pair{"c8", 8}}) {
      pb::Class k;
      k.set_grade(grade);
      k.set_student_count(40);
      ASSERT_TRUE(service_->put_class("s1", id, k).is_ok());
    }
  }

  static void expect_all_stored(const StatusOr<pb::BatchResult>& r) {
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    for (const auto& item : r->items()) ASSERT_NE(item.status(), pb::REJECTED) << item.error().message();
  }

  void post(std::vector<pb::Assignment> as) {
    pb::AssignmentBatch b;
    for (auto& a : as) *b.add_assignments() = std::move(a);
    expect_all_stored(service_->post_assignments(b));
  }

  void time(std::vector<pb::TimingReport> rs) {
    pb::TimingBatch b;
    for (auto& r : rs) *b.add_reports() = std::move(r);
    expect_all_stored(service_->post_timings(b));
  }

  struct Reads {
    std::vector<pb::ClassLoad> loads;
    pb::Compliance compliance, grade8;  // the district's, and its grade 8's
  };
  // The district's compliance over the whole range the tests write in.
  static core::ComplianceQuery term_in_d1() {
    core::ComplianceQuery q;
    q.district = "d1";
    q.from = kFrom;
    q.to = kTo;
    return q;
  }

  Reads read() {
    Reads out;
    for (const char* c : {"c4", "c1", "c8"}) {
      auto l = service_->class_load("s1", c, kFrom, kTo);
      EXPECT_TRUE(l.is_ok()) << l.status().message();
      if (l.is_ok()) out.loads.push_back(*l);
    }
    core::ComplianceQuery q = term_in_d1();
    auto c = service_->compliance(q);
    EXPECT_TRUE(c.is_ok()) << c.status().message();
    if (c.is_ok()) out.compliance = *c;
    q.grade = 8;
    auto g = service_->compliance(q);
    EXPECT_TRUE(g.is_ok()) << g.status().message();
    if (g.is_ok()) out.grade8 = *g;
    return out;
  }

  // Each day of `load` against the figures computed from the raw records, as reads
  // did before the rollups: the class's records of the range, compute_day_load, and
  // the cap of the school's profile for the class's grade and the day's kind.
  void expect_figures_from_raw_records(const pb::ClassLoad& load) {
    const auto school = service_->get_school("s1");
    ASSERT_TRUE(school.is_ok());
    const auto* profile = profiles_.find(school->profile());
    ASSERT_NE(profile, nullptr);
    const auto calendar = service_->get_calendar("s1");
    ASSERT_TRUE(calendar.is_ok());
    const auto records = store_->class_records("s1", load.class_id(), *analytics::parse_date(kFrom),
                                               *analytics::parse_date(kTo));
    for (const auto& day : load.days()) {
      SCOPED_TRACE(load.class_id() + " " + day.date());
      const analytics::Date d = *analytics::parse_date(day.date());
      auto kind = analytics::iso_weekday(d) >= 6 ? analytics::DayKind::kWeekend : analytics::DayKind::kSchoolDay;
      for (const auto& o : calendar->days()) {
        if (o.date() == day.date()) kind = static_cast<analytics::DayKind>(o.day_kind());
      }
      EXPECT_EQ(day.day_kind(), static_cast<pb::DayKind>(kind));
      const int cap = profile->cap_minutes(load.grade(), kind);
      EXPECT_EQ(day.cap_minutes(), cap);
      const auto f = analytics::compute_day_load(cap, records.assignments_on(d), records.timings_on(d));
      EXPECT_EQ(day.planned_minutes(), f.planned_minutes);
      EXPECT_DOUBLE_EQ(day.measured_mean_minutes(), f.measured_mean_minutes);
      EXPECT_EQ(day.measured_p90_minutes(), f.measured_p90_minutes);
      EXPECT_EQ(day.students_reported(), f.students_reported);
      EXPECT_EQ(day.students_over_cap(), f.students_over_cap);
      EXPECT_EQ(day.students_unfinished(), f.students_unfinished);
      ASSERT_EQ(day.subjects_size(), static_cast<int>(f.subjects.size()));
      for (int i = 0; i < day.subjects_size(); ++i) {
        EXPECT_EQ(day.subjects(i).subject(), f.subjects[static_cast<size_t>(i)].subject);
        EXPECT_EQ(day.subjects(i).planned_minutes(), f.subjects[static_cast<size_t>(i)].planned_minutes);
      }
    }
  }

  // Each class-day's row lists exactly the class-day's assignments in the raw table
  // (their rowids), and no row is left without one. Everything the store reads of a
  // class-day's records goes through that list.
  void expect_members_are_the_raw_assignments() {
    using Days = std::map<std::string, std::set<int64_t>>;
    auto read_days = [&](const char* sql, bool listed) {
      Days out;
      auto& s = store_->db().prepare(sql);
      while (s.step()) {
        auto& members = out[s.text(0)];
        if (!listed) {
          members.insert(s.int64(1));
          continue;
        }
        std::istringstream in(s.text(1));
        for (int64_t m; in >> m;) EXPECT_TRUE(members.insert(m).second) << "listed twice: " << m;
      }
      return out;
    };
    const Days raw = read_days(
        "SELECT school_id || ' ' || class_id || ' ' || assigned_date, rowid FROM assignments", false);
    const Days kept = read_days("SELECT school_id || ' ' || class_id || ' ' || date, members FROM day_loads", true);
    EXPECT_EQ(kept, raw);
  }

  // What the rollups kept step by step say must be what the raw records say, and
  // what rebuilding the rollups from them says.
  void expect_rollups_current(const std::string& after) {
    SCOPED_TRACE("after " + after);
    expect_members_are_the_raw_assignments();
    const Reads kept = read();
    for (const auto& load : kept.loads) expect_figures_from_raw_records(load);
    store_->put_meta("rollups", "stale");
    ASSERT_GT(service_->refresh_rollups(), 0);
    const Reads rebuilt = read();
    ASSERT_EQ(kept.loads.size(), rebuilt.loads.size());
    for (size_t i = 0; i < kept.loads.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(kept.loads[i], rebuilt.loads[i]))
          << "kept:\n" << kept.loads[i].DebugString() << "rebuilt:\n" << rebuilt.loads[i].DebugString();
    }
    EXPECT_TRUE(MessageDifferencer::Equals(kept.compliance, rebuilt.compliance))
        << "kept:\n" << kept.compliance.DebugString() << "rebuilt:\n" << rebuilt.compliance.DebugString();
    EXPECT_TRUE(MessageDifferencer::Equals(kept.grade8, rebuilt.grade8))
        << "kept:\n" << kept.grade8.DebugString() << "rebuilt:\n" << rebuilt.grade8.DebugString();
  }

  static const pb::DayLoad& day(const pb::ClassLoad& l, const std::string& date) {
    for (const auto& d : l.days()) {
      if (d.date() == date) return d;
    }
    static const pb::DayLoad kNone;
    ADD_FAILURE() << "no day " << date;
    return kNone;
  }

  TempDir dir_;
  analytics::ProfileSet profiles_;
  ManualClock clock_{std::chrono::sys_days{std::chrono::year{2026} / 11 / 30} + std::chrono::hours(2)};
  CountingIds ids_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<core::Service> service_;
};

TEST_F(RollupTest, StayEqualToARebuildFromRawRecordsThroughEveryKindOfChange) {
  post({assignment("a1", "c4", "2026-11-17", 30), assignment("a2", "c4", "2026-11-17", 45, "语文"),
        assignment("a3", "c4", "2026-11-18", 20, "英语"), typed(assignment("a4", "c4", "2026-11-18", 15), pb::READING),
        assignment("b1", "c1", "2026-11-17", 10), assignment("e1", "c8", "2026-11-21", 50)});
  expect_rollups_current("assignments");

  time({class_report("a1", 25), class_report("a2", 40), class_report("a3", 18), class_report("a4", 15),
        class_report("e1", 60, 30)});
  expect_rollups_current("timings");

  time({class_report("a2", 10, 20)});  // some students report again, lower
  expect_rollups_current("timings reported again");

  auto moved = assignment("a2", "c4", "2026-11-19", 35, "语文");
  ASSERT_TRUE(service_->put_assignment("a2", moved).is_ok());
  expect_rollups_current("an assignment moved to another date");

  ASSERT_TRUE(service_->put_assignment("a3", typed(assignment("a3", "c4", "2026-11-18", 20, "英语"), pb::READING))
                  .is_ok());
  expect_rollups_current("an assignment with timings no longer written homework");
  ASSERT_TRUE(service_->put_assignment("a3", assignment("a3", "c4", "2026-11-18", 20, "英语")).is_ok());
  expect_rollups_current("and written homework again");
  time({class_report("a3", 19, 41 - 13)});
  expect_rollups_current("timings after it counts again");

  ASSERT_TRUE(service_->withdraw_assignment("a3").is_ok());
  expect_rollups_current("a withdrawal");  // 2026-11-18 keeps only withdrawn and uncounted work

  auto other_class = assignment("a1", "c8", "2026-11-17", 30);
  ASSERT_TRUE(service_->put_assignment("a1", other_class).is_ok());
  expect_rollups_current("an assignment moved to another class");

  pb::Calendar cal;
  auto* holiday = cal.add_days();
  holiday->set_date("2026-11-17");
  holiday->set_day_kind(pb::HOLIDAY);
  ASSERT_TRUE(service_->put_calendar("s1", cal).is_ok());
  expect_rollups_current("a calendar change");

  pb::Class k;
  k.set_grade(8);
  k.set_student_count(40);
  ASSERT_TRUE(service_->put_class("s1", "c4", k).is_ok());
  expect_rollups_current("a change of grade");

  pb::School school = *service_->get_school("s1");
  school.set_profile("hengyang");
  ASSERT_TRUE(service_->put_school("s1", school).is_ok());
  expect_rollups_current("a change of the school's profile");
}

// A change of records redoes REPEATED only when one of its dates gains or loses a
// BREACH-severity breach. Through escalation, changes that leave every date's answer
// as it was, and de-escalation, the breaches kept step by step must equal what a
// re-evaluation of everything makes of them.
TEST_F(RollupTest, RepeatedKeptStepByStepEqualsARebuildThroughEscalationAndBack) {
  // The dates c1 has an open REPEATED breach on.
  const auto repeated_on = [this] {
    std::vector<std::string> out;
    auto l = service_->class_load("s1", "c1", kFrom, kTo);
    EXPECT_TRUE(l.is_ok());
    if (!l.is_ok()) return out;
    for (const auto& d : l->days()) {
      for (const auto& b : d.breaches()) {
        if (b.kind() == pb::REPEATED) out.push_back(d.date() + " " + b.detail());
      }
    }
    return out;
  };
  // Grade 1 may not be given written homework: each date given some has a BREACH.
  post({assignment("w16", "c1", "2026-11-16", 10), assignment("w18", "c1", "2026-11-18", 10)});
  expect_rollups_current("two BREACH dates");
  EXPECT_TRUE(repeated_on().empty());

  post({assignment("w20", "c1", "2026-11-20", 10)});
  expect_rollups_current("a third within seven days");
  EXPECT_EQ(repeated_on(),
            (std::vector<std::string>{"2026-11-20 breaches on 3 distinct dates within 7 days (2026-11-16, 2026-11-18, "
                                      "2026-11-20)"}));

  post({assignment("w17", "c1", "2026-11-17", 10)});
  expect_rollups_current("a fourth, between them");
  EXPECT_EQ(repeated_on().size(), 2u);  // 11-18 joins 11-20, whose list now has four dates

  // Dates that keep their answer: reading is not written homework, a second written
  // one changes 11-20's figures but not that it has a breach, and so do timings.
  post({typed(assignment("r19", "c1", "2026-11-19", 20), pb::READING), assignment("w20b", "c1", "2026-11-20", 5)});
  time({class_report("w20", 12)});
  expect_rollups_current("changes that leave every date's answer as it was");
  EXPECT_EQ(repeated_on().size(), 2u);

  ASSERT_TRUE(service_->withdraw_assignment("w16").is_ok());
  expect_rollups_current("a withdrawal that takes a date away");
  EXPECT_EQ(repeated_on(),
            (std::vector<std::string>{"2026-11-20 breaches on 3 distinct dates within 7 days (2026-11-17, 2026-11-18, "
                                      "2026-11-20)"}));

  auto moved = assignment("w17", "c1", "2026-11-27", 10);
  ASSERT_TRUE(service_->put_assignment("w17", moved).is_ok());
  expect_rollups_current("an assignment moved out of the window");
  EXPECT_TRUE(repeated_on().empty());
}

// Where the no-homework day is the week's choice (hengyang, no fixed weekday), the
// week's last school day is re-evaluated with every date of the week: a change on
// Monday can give Friday a NO_HOMEWORK_DAY breach, and REPEATED must follow that
// date too, though the change was not on it.
TEST_F(RollupTest, RepeatedFollowsABreachTheFlexibleNoHomeworkWeekGivesItsLastSchoolDay) {
  pb::School school = *service_->get_school("s1");
  school.set_profile("hengyang");
  ASSERT_TRUE(service_->put_school("s1", school).is_ok());
  const auto punitive = [](pb::Assignment a) {
    a.set_punitive(true);
    return a;
  };
  const auto c4_breaches_on = [this](const std::string& date) {
    std::vector<std::string> out;
    auto l = service_->class_load("s1", "c4", kFrom, kTo);
    EXPECT_TRUE(l.is_ok());
    if (l.is_ok()) {
      for (const auto& b : day(*l, date).breaches()) out.push_back(pb::BreachKind_Name(b.kind()));
    }
    return out;
  };
  // Grade 4, written homework Tuesday to Friday of the week of 2026-11-16 (over by
  // the clock's 2026-11-30), two of them punitive: two BREACH dates.
  post({assignment("t17", "c4", "2026-11-17", 20), punitive(assignment("w18", "c4", "2026-11-18", 20)),
        punitive(assignment("h19", "c4", "2026-11-19", 20)), assignment("f20", "c4", "2026-11-20", 20)});
  expect_rollups_current("a week with Monday free");
  EXPECT_TRUE(c4_breaches_on("2026-11-20").empty());

  // Monday too: no school day of the week was free. Friday gets NO_HOMEWORK_DAY, the
  // third BREACH date within seven days, and so REPEATED.
  post({assignment("m16", "c4", "2026-11-16", 20)});
  expect_rollups_current("Monday's homework, which takes the week's free day");
  EXPECT_EQ(c4_breaches_on("2026-11-20"), (std::vector<std::string>{"NO_HOMEWORK_DAY", "REPEATED"}));

  ASSERT_TRUE(service_->withdraw_assignment("m16").is_ok());
  expect_rollups_current("Monday free again");
  EXPECT_TRUE(c4_breaches_on("2026-11-20").empty());
}

TEST_F(RollupTest, ReadsComeFromTheRollupsNotFromRawTimings) {
  post({assignment("a1", "c4", "2026-11-17", 30), assignment("a2", "c4", "2026-11-17", 45)});
  time({class_report("a1", 25), class_report("a2", 40)});
  const Reads before = read();
  EXPECT_EQ(day(before.loads[0], "2026-11-17").students_reported(), 40);
  EXPECT_EQ(before.compliance.student_days(), 40);

  // Take the raw timings away behind the service's back: the reads do not change.
  store_->db().exec("DELETE FROM timings");
  const Reads after = read();
  EXPECT_TRUE(MessageDifferencer::Equals(before.loads[0], after.loads[0]));
  EXPECT_TRUE(MessageDifferencer::Equals(before.compliance, after.compliance));
}

TEST_F(RollupTest, AStoreWithoutRollupsGetsThemAtStartUp) {
  post({assignment("a1", "c4", "2026-11-17", 30), assignment("b1", "c1", "2026-11-18", 10)});
  time({class_report("a1", 65)});
  const Reads before = read();
  // A store whose rollups were never computed: each class-day's row lists its
  // assignments but holds no figures (as migration 8 leaves a class-day that had no
  // rollup), and meta has no record of them.
  store_->clear_day_loads();
  store_->db().exec("DELETE FROM meta");
  EXPECT_EQ(day(read().loads[0], "2026-11-17").students_reported(), 0);

  EXPECT_EQ(service_->refresh_rollups(), 3);  // every class of the one school
  const Reads after = read();
  for (size_t i = 0; i < before.loads.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(before.loads[i], after.loads[i])) << after.loads[i].DebugString();
  }
  EXPECT_TRUE(MessageDifferencer::Equals(before.compliance, after.compliance));
  EXPECT_EQ(service_->refresh_rollups(), 0);  // once is enough
}

TEST_F(RollupTest, ComplianceOverASchoolWhoseProfileIsGoneIsAnErrorNotAnEmptySchool) {
  analytics::PolicyProfile custom = *profiles_.find("national");
  custom.name = "custom";
  profiles_.put(custom);
  pb::School school = *service_->get_school("s1");
  school.set_profile("custom");
  ASSERT_TRUE(service_->put_school("s1", school).is_ok());
  post({assignment("a1", "c4", "2026-11-17", 30)});
  time({class_report("a1", 25)});

  // Restarted with a configuration that no longer has the profile.
  analytics::ProfileSet without;
  core::Service restarted(*store_, without, clock_, ids_);
  restarted.refresh_rollups();
  const core::ComplianceQuery q = term_in_d1();
  auto c = restarted.compliance(q);
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("custom"), std::string::npos) << c.status().message();
}

TEST_F(RollupTest, ChangedProfilesAtARestartRebuildTheRollupsWithTheNewCaps) {
  post({assignment("a1", "c4", "2026-11-17", 50)});
  time({class_report("a1", 50)});
  EXPECT_EQ(day(read().loads[0], "2026-11-17").cap_minutes(), 60);
  EXPECT_EQ(read().compliance.student_days_within_cap(), 40);

  // The operator lowers grades 3-6's cap to 45 in the configuration and restarts.
  analytics::ProfileSet changed;
  analytics::PolicyProfile national = *changed.find("national");
  national.school_day_caps = {0, 45, 90};
  changed.put(national);
  core::Service restarted(*store_, changed, clock_, ids_);
  EXPECT_EQ(restarted.refresh_rollups(), 3);
  auto load = restarted.class_load("s1", "c4", kFrom, kTo);
  ASSERT_TRUE(load.is_ok());
  EXPECT_EQ(day(*load, "2026-11-17").cap_minutes(), 45);
  const core::ComplianceQuery q = term_in_d1();
  auto c = restarted.compliance(q);
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->student_days(), 40);
  EXPECT_LT(c->student_days_within_cap(), 40);  // minutes of 50-58 against a cap of 45
  EXPECT_EQ(c->class_days_over_cap(), 1);
  EXPECT_EQ(c->breaches_by_kind().at("MEASURED_OVER_CAP"), 1);
}

}  // namespace
}  // namespace hwload::testing
