// Unit tests for the breach rules (PRODUCT.md "breaches", POLICY.md R1, R3, R4).
#include "hwload/analytics/breaches.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hwload::analytics {
namespace {

Date D(int y, int m, int d) { return date_from_ymd(y, m, d); }

// ISO week 2026-W48: Monday 2026-11-23 ... Sunday 2026-11-29.
const IsoWeek kWeek48{2026, 48};
const Date kMon = D(2026, 11, 23);
const Date kTue = D(2026, 11, 24);
const Date kWed = D(2026, 11, 25);
const Date kThu = D(2026, 11, 26);
const Date kFri = D(2026, 11, 27);
const Date kSat = D(2026, 11, 28);
const Date kSun = D(2026, 11, 29);
const Date kNextMon = D(2026, 11, 30);

PolicyProfile Profile(const std::string& name) {
  const ProfileSet set;
  const PolicyProfile* p = set.find(name);
  if (p == nullptr) {
    ADD_FAILURE() << "no profile " << name;
    return PolicyProfile{};
  }
  return *p;
}

AssignmentFacts Written(std::string id, std::string subject, int minutes) {
  AssignmentFacts a;
  a.assignment_id = std::move(id);
  a.subject = std::move(subject);
  a.title = "练习" + a.assignment_id;
  a.estimated_minutes = minutes;
  return a;
}

TimingFacts T(std::string assignment_id, std::string student, int minutes) {
  return TimingFacts{std::move(assignment_id), std::move(student), minutes, false};
}

// Evaluates one class-day the way the service does: the cap comes from the profile for the grade and the
// calendar's day kind, the load from compute_day_load.
std::vector<Finding> Evaluate(const PolicyProfile& profile, const SchoolCalendar& calendar, int grade, Date date,
                              const std::vector<AssignmentFacts>& assignments,
                              const std::vector<TimingFacts>& timings = {}) {
  ClassDay day;
  day.grade = grade;
  day.date = date;
  day.day_kind = calendar.day_kind(date);
  day.assignments = assignments;
  day.load = compute_day_load(profile.cap_minutes(grade, day.day_kind), assignments, timings);
  return evaluate_class_day(profile, calendar, day);
}

std::vector<std::string> Kinds(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.emplace_back(breach_kind_name(f.kind));
  return out;
}

using Names = std::vector<std::string>;

std::vector<std::string> Formatted(const std::vector<Date>& dates) {
  std::vector<std::string> out;
  for (Date d : dates) out.push_back(format_date(d));
  return out;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------------------------
// Names and severities.

TEST(BreachKind, NamesMatchTheWireEnum) {
  EXPECT_EQ(breach_kind_name(BreachKind::kPlannedOverCap), "PLANNED_OVER_CAP");
  EXPECT_EQ(breach_kind_name(BreachKind::kMeasuredOverCap), "MEASURED_OVER_CAP");
  EXPECT_EQ(breach_kind_name(BreachKind::kWrittenForbidden), "WRITTEN_FORBIDDEN");
  EXPECT_EQ(breach_kind_name(BreachKind::kNoHomeworkDay), "NO_HOMEWORK_DAY");
  EXPECT_EQ(breach_kind_name(BreachKind::kBannedPractice), "BANNED_PRACTICE");
  EXPECT_EQ(breach_kind_name(BreachKind::kRepeated), "REPEATED");
}

TEST(BreachKind, SeverityOfEachKind) {
  EXPECT_EQ(severity_of(BreachKind::kPlannedOverCap), Severity::kWarning);
  EXPECT_EQ(severity_of(BreachKind::kMeasuredOverCap), Severity::kBreach);
  EXPECT_EQ(severity_of(BreachKind::kWrittenForbidden), Severity::kBreach);
  EXPECT_EQ(severity_of(BreachKind::kNoHomeworkDay), Severity::kBreach);
  EXPECT_EQ(severity_of(BreachKind::kBannedPractice), Severity::kBreach);
  EXPECT_EQ(severity_of(BreachKind::kRepeated), Severity::kSerious);
}

// ---------------------------------------------------------------------------------------------------------------
// evaluate_class_day: nothing to find.

TEST(EvaluateClassDay, NoAssignmentsNoFindings) {
  EXPECT_TRUE(Evaluate(Profile("national"), SchoolCalendar(), 1, kMon, {}).empty());
  EXPECT_TRUE(Evaluate(Profile("national"), SchoolCalendar(), 5, kMon, {}).empty());
}

TEST(EvaluateClassDay, LoadWithinCapNoFindings) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30), Written("b", "数学", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 30), T("b", "s1", 30)};
  EXPECT_TRUE(Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as, ts).empty());
}

// ---------------------------------------------------------------------------------------------------------------
// WRITTEN_FORBIDDEN (R1, grades 1-2).

TEST(EvaluateClassDay, WrittenForbiddenWhenCapZeroAndCountedAssignment) {
  const std::vector<AssignmentFacts> as = {Written("a", "数学", 15)};
  const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 1, kMon, as);
  ASSERT_EQ(Kinds(findings), (Names{"WRITTEN_FORBIDDEN"}));
  EXPECT_EQ(findings[0].severity, Severity::kBreach);
  EXPECT_EQ(findings[0].load_minutes, 15);
  EXPECT_EQ(findings[0].cap_minutes, 0);
  EXPECT_TRUE(Contains(findings[0].detail, "grade 1")) << findings[0].detail;
}

TEST(EvaluateClassDay, WrittenForbiddenEvenForZeroMinuteAssignment) {
  const std::vector<AssignmentFacts> as = {Written("a", "数学", 0)};
  const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 2, kTue, as);
  ASSERT_EQ(Kinds(findings), (Names{"WRITTEN_FORBIDDEN"}));
  EXPECT_EQ(findings[0].load_minutes, 0);
  EXPECT_EQ(findings[0].cap_minutes, 0);
}

TEST(EvaluateClassDay, WrittenForbiddenNotForOptionalOrReadingOrWithdrawn) {
  AssignmentFacts optional = Written("o", "数学", 20);
  optional.optional = true;
  AssignmentFacts reading = Written("r", "语文", 20);
  reading.type = HomeworkType::kReading;
  AssignmentFacts withdrawn = Written("w", "数学", 20);
  withdrawn.withdrawn = true;
  const std::vector<AssignmentFacts> as = {optional, reading, withdrawn};
  EXPECT_TRUE(Evaluate(Profile("national"), SchoolCalendar(), 1, kMon, as).empty());
}

TEST(EvaluateClassDay, CapZeroRaisesNoOverCapFindings) {
  // Grade 2: only WRITTEN_FORBIDDEN, never PLANNED_OVER_CAP or MEASURED_OVER_CAP.
  const std::vector<AssignmentFacts> as = {Written("a", "数学", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 40), T("a", "s2", 50)};
  const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 2, kMon, as, ts);
  EXPECT_EQ(Kinds(findings), (Names{"WRITTEN_FORBIDDEN"}));
}

TEST(EvaluateClassDay, WrittenForbiddenOnAWeekendForGradeOne) {
  const std::vector<AssignmentFacts> as = {Written("a", "数学", 10)};
  const auto findings = Evaluate(Profile("luoyang"), SchoolCalendar(), 1, kSat, as);
  EXPECT_EQ(Kinds(findings), (Names{"WRITTEN_FORBIDDEN"}));
}

// ---------------------------------------------------------------------------------------------------------------
// PLANNED_OVER_CAP (WARNING).

TEST(EvaluateClassDay, PlannedOverCapWhenPlannedExceedsCap) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 40), Written("b", "数学", 25)};
  const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as);
  ASSERT_EQ(Kinds(findings), (Names{"PLANNED_OVER_CAP"}));
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
  EXPECT_EQ(findings[0].load_minutes, 65);
  EXPECT_EQ(findings[0].cap_minutes, 60);
}

TEST(EvaluateClassDay, PlannedOverCapNotAtEquality) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 50), Written("b", "数学", 40)};
  EXPECT_TRUE(Evaluate(Profile("national"), SchoolCalendar(), 8, kMon, as).empty());  // 90 == cap 90
  const std::vector<AssignmentFacts> more = {Written("a", "语文", 50), Written("b", "数学", 41)};
  EXPECT_EQ(Kinds(Evaluate(Profile("national"), SchoolCalendar(), 8, kMon, more)), (Names{"PLANNED_OVER_CAP"}));
}

TEST(EvaluateClassDay, PlannedOverCapIgnoresOptionalAndNonWritten) {
  AssignmentFacts optional = Written("o", "数学", 60);
  optional.optional = true;
  AssignmentFacts physical = Written("p", "体育", 60);
  physical.type = HomeworkType::kPhysical;
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 60), optional, physical};
  EXPECT_TRUE(Evaluate(Profile("national"), SchoolCalendar(), 5, kMon, as).empty());
}

TEST(EvaluateClassDay, PlannedOverCapUsesTheDayKindCap) {
  PolicyProfile p;
  p.name = "weekend30";
  p.day_kind_caps[DayKind::kWeekend] = {0, 30, 45};
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 40)};
  const auto saturday = Evaluate(p, SchoolCalendar(), 4, kSat, as);
  ASSERT_EQ(Kinds(saturday), (Names{"PLANNED_OVER_CAP"}));
  EXPECT_EQ(saturday[0].cap_minutes, 30);
  EXPECT_EQ(saturday[0].load_minutes, 40);
  EXPECT_TRUE(Evaluate(p, SchoolCalendar(), 4, kFri, as).empty());  // school day: cap 60
  // A 调休 Saturday is a school day: the school-day cap applies.
  const SchoolCalendar makeup(0, {{kSat, DayKind::kSchoolDay}});
  EXPECT_TRUE(Evaluate(p, makeup, 4, kSat, as).empty());
}

// ---------------------------------------------------------------------------------------------------------------
// MEASURED_OVER_CAP (BREACH).

TEST(EvaluateClassDay, MeasuredOverCapWhenMeanExceedsCapRoundedUp) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 40), Written("b", "数学", 40)};
  // a: 50, 51 -> 50.5; b: 40 -> 40. Mean 90.5 > 90. Planned 80 is within.
  const std::vector<TimingFacts> ts = {T("a", "s1", 50), T("a", "s2", 51), T("b", "s1", 40)};
  const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 8, kMon, as, ts);
  ASSERT_EQ(Kinds(findings), (Names{"MEASURED_OVER_CAP"}));
  EXPECT_EQ(findings[0].severity, Severity::kBreach);
  EXPECT_EQ(findings[0].load_minutes, 91);
  EXPECT_EQ(findings[0].cap_minutes, 90);
  EXPECT_TRUE(Contains(findings[0].detail, "90.5")) << findings[0].detail;
}

TEST(EvaluateClassDay, MeasuredOverCapNotAtEquality) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30), Written("b", "数学", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 25), T("a", "s2", 35), T("b", "s1", 30)};  // 30 + 30
  EXPECT_TRUE(Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as, ts).empty());
}

TEST(EvaluateClassDay, MeasuredOverCapIntegralMeanKeepsItsValue) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 61), T("a", "s2", 63)};  // mean 62
  const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as, ts);
  ASSERT_EQ(Kinds(findings), (Names{"MEASURED_OVER_CAP"}));
  EXPECT_EQ(findings[0].load_minutes, 62);
  EXPECT_EQ(findings[0].cap_minutes, 60);
}

TEST(EvaluateClassDay, MeasuredMeanExactlyAtCapWithThirdsIsWithinCap) {
  // The exact mean is 65/3 + 69/3 + 46/3 = 60 and every student's total is exactly 60, but the double sum is
  // 60.00000000000001: a class exactly at the cap must not be flagged (nor its load shown as 61).
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 20), Written("b", "数学", 20),
                                           Written("c", "英语", 20)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 22), T("a", "s2", 22), T("a", "s3", 21),   // 65 / 3
                                       T("b", "s1", 23), T("b", "s2", 23), T("b", "s3", 23),   // 69 / 3
                                       T("c", "s1", 15), T("c", "s2", 15), T("c", "s3", 16)};  // 46 / 3
  const DayLoadFigures load = compute_day_load(60, as, ts);
  EXPECT_EQ(load.student_totals, (std::vector<int>{60, 60, 60}));
  EXPECT_EQ(load.students_over_cap, 0);
  EXPECT_DOUBLE_EQ(load.measured_mean_minutes, 60.0);
  const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as, ts);
  EXPECT_TRUE(findings.empty()) << (findings.empty() ? "" : findings[0].detail);
}

// ---------------------------------------------------------------------------------------------------------------
// NO_HOMEWORK_DAY, fixed weekday (R3).

TEST(IsFixedNoHomeworkDay, OnlyTheCalendarWeekdayForGradesInScope) {
  const PolicyProfile hengyang = Profile("hengyang");
  const SchoolCalendar wednesday(3, {});
  EXPECT_TRUE(is_fixed_no_homework_day(hengyang, wednesday, 4, kWed));
  EXPECT_TRUE(is_fixed_no_homework_day(hengyang, wednesday, 1, kWed));
  EXPECT_TRUE(is_fixed_no_homework_day(hengyang, wednesday, 6, kWed + 7));
  EXPECT_FALSE(is_fixed_no_homework_day(hengyang, wednesday, 4, kTue));
  EXPECT_FALSE(is_fixed_no_homework_day(hengyang, wednesday, 4, kThu));
  EXPECT_FALSE(is_fixed_no_homework_day(hengyang, wednesday, 7, kWed));
  EXPECT_FALSE(is_fixed_no_homework_day(hengyang, SchoolCalendar(), 4, kWed));
  EXPECT_FALSE(is_fixed_no_homework_day(Profile("national"), wednesday, 4, kWed));
}

TEST(EvaluateClassDay, NoHomeworkDayOnFixedWeekdayWithCountedHomework) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 20)};
  const auto findings = Evaluate(Profile("hengyang"), SchoolCalendar(3, {}), 4, kWed, as);
  ASSERT_EQ(Kinds(findings), (Names{"NO_HOMEWORK_DAY"}));
  EXPECT_EQ(findings[0].severity, Severity::kBreach);
  EXPECT_EQ(findings[0].load_minutes, 20);
  EXPECT_EQ(findings[0].cap_minutes, 0);
}

TEST(EvaluateClassDay, NoHomeworkDayNotOnOtherWeekdays) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 20)};
  const SchoolCalendar calendar(3, {});
  for (Date d : {kMon, kTue, kThu, kFri}) {
    EXPECT_TRUE(Evaluate(Profile("hengyang"), calendar, 4, d, as).empty()) << format_date(d);
  }
}

TEST(EvaluateClassDay, NoHomeworkDayNotForGradeSeven) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 20)};
  EXPECT_TRUE(Evaluate(Profile("hengyang"), SchoolCalendar(3, {}), 7, kWed, as).empty());
}

TEST(EvaluateClassDay, NoHomeworkDayNotForProfileWithoutR3) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 20)};
  for (const char* name : {"national", "xinyang", "luoyang", "zhejiang", "fushun"}) {
    EXPECT_TRUE(Evaluate(Profile(name), SchoolCalendar(3, {}), 4, kWed, as).empty()) << name;
  }
}

TEST(EvaluateClassDay, NoHomeworkDayNotForUncountedHomework) {
  AssignmentFacts reading = Written("r", "语文", 20);
  reading.type = HomeworkType::kReading;
  AssignmentFacts optional = Written("o", "数学", 20);
  optional.optional = true;
  const std::vector<AssignmentFacts> as = {reading, optional};
  EXPECT_TRUE(Evaluate(Profile("hengyang"), SchoolCalendar(3, {}), 4, kWed, as).empty());
}

TEST(EvaluateClassDay, NoHomeworkDayAndWrittenForbiddenBothForGradeOne) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 10)};
  const auto findings = Evaluate(Profile("hengyang"), SchoolCalendar(3, {}), 1, kWed, as);
  EXPECT_EQ(Kinds(findings), (Names{"WRITTEN_FORBIDDEN", "NO_HOMEWORK_DAY"}));
}

// ---------------------------------------------------------------------------------------------------------------
// BANNED_PRACTICE (R4).

struct FlagCase {
  const char* name;
  bool BannedFlags::*flag;
};

const FlagCase kFlags[] = {
    {"requires_parent_grading", &BannedFlags::requires_parent_grading},
    {"assigned_to_parents", &BannedFlags::assigned_to_parents},
    {"requires_self_grading", &BannedFlags::requires_self_grading},
    {"punitive", &BannedFlags::punitive},
    {"repetitive", &BannedFlags::repetitive},
};

TEST(EvaluateClassDay, BannedPracticeForEachFlagSeparately) {
  for (const auto& c : kFlags) {
    AssignmentFacts a = Written("a", "语文", 20);
    a.flags.*c.flag = true;
    const std::vector<AssignmentFacts> as = {a};
    const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as);
    ASSERT_EQ(Kinds(findings), (Names{"BANNED_PRACTICE"})) << c.name;
    EXPECT_EQ(findings[0].severity, Severity::kBreach) << c.name;
    EXPECT_EQ(findings[0].detail, std::string("banned practice: 语文 \"练习a\": ") + c.name);
  }
}

TEST(EvaluateClassDay, BannedPracticeOnNonWrittenAssignment) {
  for (const auto& c : kFlags) {
    AssignmentFacts a = Written("p", "家务", 30);
    a.type = HomeworkType::kLabor;
    a.flags.*c.flag = true;
    const std::vector<AssignmentFacts> as = {a};
    // Grade 1: the labour homework is allowed, its banned flag is not.
    const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 1, kMon, as);
    ASSERT_EQ(Kinds(findings), (Names{"BANNED_PRACTICE"})) << c.name;
    EXPECT_TRUE(Contains(findings[0].detail, c.name)) << findings[0].detail;
  }
  AssignmentFacts reading = Written("r", "语文", 30);
  reading.type = HomeworkType::kReading;
  reading.flags.requires_parent_grading = true;
  const std::vector<AssignmentFacts> as = {reading};
  EXPECT_EQ(Kinds(Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as)), (Names{"BANNED_PRACTICE"}));
}

TEST(EvaluateClassDay, BannedPracticeOnOptionalAssignment) {
  for (const auto& c : kFlags) {
    AssignmentFacts a = Written("o", "数学", 30);
    a.optional = true;
    a.flags.*c.flag = true;
    const std::vector<AssignmentFacts> as = {a};
    EXPECT_EQ(Kinds(Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as)), (Names{"BANNED_PRACTICE"}))
        << c.name;
  }
}

TEST(EvaluateClassDay, BannedPracticeNotOnWithdrawnAssignment) {
  for (const auto& c : kFlags) {
    AssignmentFacts a = Written("w", "数学", 30);
    a.withdrawn = true;
    a.flags.*c.flag = true;
    const std::vector<AssignmentFacts> as = {a};
    EXPECT_TRUE(Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as).empty()) << c.name;
  }
}

TEST(EvaluateClassDay, BannedPracticeIsOneFindingNamingEveryFlaggedRecord) {
  AssignmentFacts a = Written("a", "语文", 20);
  a.flags.punitive = true;
  a.flags.repetitive = true;
  AssignmentFacts b = Written("b", "数学", 10);
  b.flags.requires_parent_grading = true;
  AssignmentFacts clean = Written("c", "英语", 10);
  const std::vector<AssignmentFacts> as = {a, clean, b};
  const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 4, kMon, as);
  ASSERT_EQ(Kinds(findings), (Names{"BANNED_PRACTICE"}));
  EXPECT_EQ(findings[0].detail,
            "banned practice: 语文 \"练习a\": punitive,repetitive; 数学 \"练习b\": requires_parent_grading");
  EXPECT_EQ(findings[0].load_minutes, 40);  // the day's planned minutes
  EXPECT_EQ(findings[0].cap_minutes, 60);
}

TEST(EvaluateClassDay, SeveralRulesFireTogether) {
  AssignmentFacts a = Written("a", "语文", 40);
  a.flags.assigned_to_parents = true;
  const std::vector<AssignmentFacts> as = {a, Written("b", "数学", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 45), T("b", "s1", 30)};
  const auto findings = Evaluate(Profile("national"), SchoolCalendar(), 5, kMon, as, ts);
  EXPECT_EQ(Kinds(findings), (Names{"PLANNED_OVER_CAP", "MEASURED_OVER_CAP", "BANNED_PRACTICE"}));
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].load_minutes, 70);
  EXPECT_EQ(findings[1].load_minutes, 75);
  EXPECT_EQ(findings[1].severity, Severity::kBreach);
  EXPECT_EQ(findings[0].severity, Severity::kWarning);
}

// ---------------------------------------------------------------------------------------------------------------
// last_school_day and the flexible no-homework week (calendar weekday 0).

TEST(LastSchoolDay, FridayByTheWeekdayRule) { EXPECT_EQ(last_school_day(SchoolCalendar(), kWeek48), kFri); }

TEST(LastSchoolDay, RespectsOverrides) {
  EXPECT_EQ(last_school_day(SchoolCalendar(0, {{kFri, DayKind::kHoliday}}), kWeek48), kThu);
  EXPECT_EQ(last_school_day(SchoolCalendar(0, {{kSat, DayKind::kSchoolDay}}), kWeek48), kSat);
  EXPECT_EQ(last_school_day(SchoolCalendar(0, {{kSun, DayKind::kSchoolDay}}), kWeek48), kSun);
  std::map<Date, DayKind> vacation;
  for (int i = 0; i < 5; ++i) vacation[kMon + i] = DayKind::kVacation;
  EXPECT_EQ(last_school_day(SchoolCalendar(0, vacation), kWeek48), std::nullopt);
}

std::function<bool(Date)> CountedOn(std::set<Date> dates) {
  return [dates = std::move(dates)](Date d) { return dates.contains(d); };
}

const std::set<Date> kEveryDay = {kMon, kTue, kWed, kThu, kFri, kSat, kSun};
const std::set<Date> kEverySchoolDay = {kMon, kTue, kWed, kThu, kFri};

TEST(EvaluateNoHomeworkWeek, NotCheckedBeforeTheWeekIsOver) {
  const PolicyProfile hengyang = Profile("hengyang");
  for (Date today : {kMon, kWed, kFri, kSat, kSun}) {
    EXPECT_FALSE(evaluate_no_homework_week(hengyang, SchoolCalendar(), 4, kWeek48, today, CountedOn(kEveryDay)))
        << format_date(today);
  }
  EXPECT_TRUE(evaluate_no_homework_week(hengyang, SchoolCalendar(), 4, kWeek48, kNextMon, CountedOn(kEveryDay)));
}

TEST(EvaluateNoHomeworkWeek, BreachDatedLastSchoolDayWhenEverySchoolDayHadWork) {
  const auto result = evaluate_no_homework_week(Profile("hengyang"), SchoolCalendar(), 4, kWeek48, kNextMon,
                                                CountedOn(kEverySchoolDay));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->date, kFri);
  EXPECT_EQ(result->finding.kind, BreachKind::kNoHomeworkDay);
  EXPECT_EQ(result->finding.severity, Severity::kBreach);
  EXPECT_EQ(result->finding.load_minutes, 0);
  EXPECT_EQ(result->finding.cap_minutes, 0);
  EXPECT_TRUE(Contains(result->finding.detail, "2026-W48")) << result->finding.detail;
  // Checked later still (e.g. a re-evaluation weeks afterwards).
  EXPECT_TRUE(evaluate_no_homework_week(Profile("hengyang"), SchoolCalendar(), 4, kWeek48, kNextMon + 30,
                                        CountedOn(kEverySchoolDay)));
}

TEST(EvaluateNoHomeworkWeek, NoneWhenOneSchoolDayWasFree) {
  for (Date free : {kMon, kWed, kFri}) {
    std::set<Date> counted = kEverySchoolDay;
    counted.erase(free);
    EXPECT_FALSE(
        evaluate_no_homework_week(Profile("hengyang"), SchoolCalendar(), 3, kWeek48, kNextMon, CountedOn(counted)))
        << format_date(free);
  }
}

TEST(EvaluateNoHomeworkWeek, FreeWeekendDoesNotCount) {
  // Homework every school day, none at the weekend: still a breach.
  const auto result = evaluate_no_homework_week(Profile("hengyang"), SchoolCalendar(), 3, kWeek48, kNextMon,
                                                CountedOn(kEverySchoolDay));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->date, kFri);
}

TEST(EvaluateNoHomeworkWeek, LastSchoolDayRespectsOverrides) {
  // Friday is a holiday: the breach is dated Thursday, and the free holiday does not satisfy the rule.
  const SchoolCalendar calendar(0, {{kFri, DayKind::kHoliday}});
  const auto result = evaluate_no_homework_week(Profile("hengyang"), calendar, 2, kWeek48, kNextMon,
                                                CountedOn({kMon, kTue, kWed, kThu}));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->date, kThu);
  EXPECT_EQ(result->finding.kind, BreachKind::kNoHomeworkDay);
}

TEST(EvaluateNoHomeworkWeek, MakeUpSaturdayIsASchoolDayOfTheWeek) {
  const SchoolCalendar calendar(0, {{kSat, DayKind::kSchoolDay}});
  // Saturday is the last school day.
  const auto result = evaluate_no_homework_week(Profile("hengyang"), calendar, 4, kWeek48, kNextMon,
                                                CountedOn({kMon, kTue, kWed, kThu, kFri, kSat}));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->date, kSat);
  // A free make-up Saturday satisfies the rule.
  EXPECT_FALSE(
      evaluate_no_homework_week(Profile("hengyang"), calendar, 4, kWeek48, kNextMon, CountedOn(kEverySchoolDay)));
}

TEST(EvaluateNoHomeworkWeek, NoneForAWeekWithoutSchoolDays) {
  std::map<Date, DayKind> vacation;
  for (int i = 0; i < 5; ++i) vacation[kMon + i] = DayKind::kVacation;
  EXPECT_FALSE(evaluate_no_homework_week(Profile("hengyang"), SchoolCalendar(0, vacation), 4, kWeek48, kNextMon,
                                         CountedOn(kEveryDay)));
}

TEST(EvaluateNoHomeworkWeek, NoneForGradeSeven) {
  EXPECT_FALSE(
      evaluate_no_homework_week(Profile("hengyang"), SchoolCalendar(), 7, kWeek48, kNextMon, CountedOn(kEveryDay)));
  EXPECT_TRUE(
      evaluate_no_homework_week(Profile("hengyang"), SchoolCalendar(), 6, kWeek48, kNextMon, CountedOn(kEveryDay)));
}

TEST(EvaluateNoHomeworkWeek, NoneForProfileWithoutR3) {
  for (const char* name : {"national", "xinyang", "luoyang", "zhejiang", "fushun"}) {
    EXPECT_FALSE(evaluate_no_homework_week(Profile(name), SchoolCalendar(), 4, kWeek48, kNextMon, CountedOn(kEveryDay)))
        << name;
  }
}

TEST(EvaluateNoHomeworkWeek, NoneWhenTheCalendarFixesAWeekday) {
  EXPECT_FALSE(evaluate_no_homework_week(Profile("hengyang"), SchoolCalendar(3, {}), 4, kWeek48, kNextMon,
                                         CountedOn(kEveryDay)));
}

TEST(EvaluateNoHomeworkWeek, WeekAcrossTheYearBoundary) {
  // 2026-W53 runs Monday 2026-12-28 to Sunday 2027-01-03; 2027-01-01 (Friday) is a holiday.
  const IsoWeek w53{2026, 53};
  const SchoolCalendar calendar(0, {{D(2027, 1, 1), DayKind::kHoliday}});
  const std::set<Date> counted = {D(2026, 12, 28), D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)};
  EXPECT_FALSE(evaluate_no_homework_week(Profile("hengyang"), calendar, 4, w53, D(2027, 1, 3), CountedOn(counted)));
  const auto result =
      evaluate_no_homework_week(Profile("hengyang"), calendar, 4, w53, D(2027, 1, 4), CountedOn(counted));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->date, D(2026, 12, 31));
}

// ---------------------------------------------------------------------------------------------------------------
// REPEATED: repeated_dates.

Date Nov(int day) { return D(2026, 11, day); }

TEST(RepeatedDates, ThreeWithinSevenDaysMarksTheThird) {
  EXPECT_EQ(Formatted(repeated_dates({Nov(1), Nov(3), Nov(7)}, 3, 7, Nov(1), Nov(30))), (Names{"2026-11-07"}));
}

TEST(RepeatedDates, ThreeSpreadOverEightDaysIsNotRepeated) {
  EXPECT_TRUE(repeated_dates({Nov(1), Nov(3), Nov(8)}, 3, 7, Nov(1), Nov(30)).empty());
}

TEST(RepeatedDates, EveryDateCompletingAWindowIsReturned) {
  EXPECT_EQ(Formatted(repeated_dates({Nov(1), Nov(2), Nov(3), Nov(4)}, 3, 7, Nov(1), Nov(30))),
            (Names{"2026-11-03", "2026-11-04"}));
}

TEST(RepeatedDates, FewerThanCountDatesNeverRepeat) {
  EXPECT_TRUE(repeated_dates({}, 3, 7, Nov(1), Nov(30)).empty());
  EXPECT_TRUE(repeated_dates({Nov(1), Nov(2)}, 3, 7, Nov(1), Nov(30)).empty());
}

TEST(RepeatedDates, OnlyDatesWithinFromToAreReturned) {
  const std::set<Date> dates = {Nov(1), Nov(2), Nov(3), Nov(4)};
  EXPECT_EQ(Formatted(repeated_dates(dates, 3, 7, Nov(4), Nov(30))), (Names{"2026-11-04"}));
  EXPECT_EQ(Formatted(repeated_dates(dates, 3, 7, Nov(1), Nov(3))), (Names{"2026-11-03"}));
  EXPECT_TRUE(repeated_dates(dates, 3, 7, Nov(5), Nov(30)).empty());
}

TEST(RepeatedDates, WindowCountsDatesBeforeFrom) {
  // Nov 1 and 2 are before `from` but still inside Nov 3's window.
  EXPECT_EQ(Formatted(repeated_dates({Nov(1), Nov(2), Nov(3)}, 3, 7, Nov(3), Nov(3))), (Names{"2026-11-03"}));
}

TEST(RepeatedDates, ProfileWithCountTwoAndWindowThree) {
  PolicyProfile p;
  p.repeated_count = 2;
  p.repeated_window_days = 3;
  auto run = [&](const std::set<Date>& dates) {
    return Formatted(repeated_dates(dates, p.repeated_count, p.repeated_window_days, Nov(1), Nov(30)));
  };
  EXPECT_EQ(run({Nov(1), Nov(3)}), (Names{"2026-11-03"}));  // window [1, 3]
  EXPECT_TRUE(run({Nov(1), Nov(4)}).empty());               // window [2, 4] holds one
  EXPECT_EQ(run({Nov(1), Nov(2), Nov(5)}), (Names{"2026-11-02"}));
  EXPECT_EQ(run({Nov(10), Nov(11), Nov(12)}), (Names{"2026-11-11", "2026-11-12"}));
}

TEST(RepeatedDates, BuiltinProfilesUseThreeInSeven) {
  const PolicyProfile p = Profile("hengyang");
  EXPECT_EQ(
      Formatted(repeated_dates({Nov(1), Nov(3), Nov(7)}, p.repeated_count, p.repeated_window_days, Nov(1), Nov(30))),
      (Names{"2026-11-07"}));
}

}  // namespace
}  // namespace hwload::analytics
