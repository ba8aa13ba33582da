// Unit tests for the compliance figures (PRODUCT.md "compliance").
#include "hwload/analytics/compliance.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hwload::analytics {
namespace {

AssignmentFacts Written(std::string id, int minutes) {
  AssignmentFacts a;
  a.assignment_id = std::move(id);
  a.subject = "数学";
  a.estimated_minutes = minutes;
  return a;
}

TimingFacts T(std::string assignment_id, std::string student, int minutes) {
  return TimingFacts{std::move(assignment_id), std::move(student), minutes, false};
}

// A class-day as compute_day_load reports it, without going through it.
DayLoadFigures Day(int cap, int planned, double mean, int reported, int over, bool has_counted = true) {
  DayLoadFigures d;
  d.cap_minutes = cap;
  d.planned_minutes = planned;
  d.measured_mean_minutes = mean;
  d.students_reported = reported;
  d.students_over_cap = over;
  d.has_counted = has_counted;
  return d;
}

TEST(ComplianceTotals, StartsEmptyWithShareOne) {
  const ComplianceTotals totals;
  EXPECT_EQ(totals.student_days, 0);
  EXPECT_EQ(totals.student_days_within_cap, 0);
  EXPECT_EQ(totals.class_days, 0);
  EXPECT_EQ(totals.class_days_over_cap, 0);
  EXPECT_TRUE(totals.breaches_by_kind.empty());
  EXPECT_DOUBLE_EQ(totals.share_within_cap(), 1.0);
}

TEST(ComplianceTotals, ShareIsOneWhenNoStudentDaysWereReported) {
  ComplianceTotals totals;
  totals.add_class_day(Day(60, 80, 0, 0, 0));  // planned over cap, but nobody reported
  EXPECT_EQ(totals.student_days, 0);
  EXPECT_DOUBLE_EQ(totals.share_within_cap(), 1.0);
  EXPECT_EQ(totals.class_days, 1);
  EXPECT_EQ(totals.class_days_over_cap, 1);
}

TEST(ComplianceTotals, StudentDaysAreReportingStudentsAndWithinCapExcludesThoseOver) {
  ComplianceTotals totals;
  totals.add_class_day(Day(60, 50, 55.5, 4, 1));
  EXPECT_EQ(totals.student_days, 4);
  EXPECT_EQ(totals.student_days_within_cap, 3);
  EXPECT_DOUBLE_EQ(totals.share_within_cap(), 0.75);
}

TEST(ComplianceTotals, AccumulatesAcrossClassDays) {
  ComplianceTotals totals;
  totals.add_class_day(Day(60, 50, 40, 30, 0));
  totals.add_class_day(Day(90, 95, 100, 10, 10));
  totals.add_class_day(Day(60, 0, 0, 0, 0, false));
  EXPECT_EQ(totals.student_days, 40);
  EXPECT_EQ(totals.student_days_within_cap, 30);
  EXPECT_DOUBLE_EQ(totals.share_within_cap(), 0.75);
  EXPECT_EQ(totals.class_days, 2);
  EXPECT_EQ(totals.class_days_over_cap, 1);
}

TEST(ComplianceTotals, ClassDaysCountOnlyDaysWithCountedHomework) {
  ComplianceTotals totals;
  totals.add_class_day(Day(60, 0, 0, 0, 0, false));
  totals.add_class_day(Day(0, 0, 0, 0, 0, false));  // cap 0 without counted homework: not a class-day
  EXPECT_EQ(totals.class_days, 0);
  EXPECT_EQ(totals.class_days_over_cap, 0);
  totals.add_class_day(Day(60, 0, 0, 0, 0, true));  // a counted 0-minute assignment
  EXPECT_EQ(totals.class_days, 1);
  EXPECT_EQ(totals.class_days_over_cap, 0);
}

TEST(ComplianceTotals, OverCapUsesMeasuredMeanWhenStudentsReported) {
  ComplianceTotals totals;
  totals.add_class_day(Day(60, 100, 50.0, 3, 0));  // plan over, measurement within: within
  EXPECT_EQ(totals.class_days_over_cap, 0);
  totals.add_class_day(Day(60, 40, 70.0, 3, 2));  // plan within, measurement over: over
  EXPECT_EQ(totals.class_days_over_cap, 1);
  totals.add_class_day(Day(60, 40, 60.5, 3, 1));  // a fraction over counts
  EXPECT_EQ(totals.class_days_over_cap, 2);
  EXPECT_EQ(totals.class_days, 3);
}

TEST(ComplianceTotals, OverCapUsesPlanWhenNoStudentReported) {
  ComplianceTotals totals;
  totals.add_class_day(Day(60, 61, 0, 0, 0));
  EXPECT_EQ(totals.class_days_over_cap, 1);
  totals.add_class_day(Day(60, 59, 999, 0, 0));  // a mean without reporters is not used
  EXPECT_EQ(totals.class_days_over_cap, 1);
  EXPECT_EQ(totals.class_days, 2);
}

TEST(ComplianceTotals, LoadEqualToCapIsWithin) {
  ComplianceTotals totals;
  totals.add_class_day(Day(60, 60, 0, 0, 0));      // planned == cap
  totals.add_class_day(Day(90, 120, 90.0, 5, 0));  // measured == cap
  EXPECT_EQ(totals.class_days, 2);
  EXPECT_EQ(totals.class_days_over_cap, 0);
}

TEST(ComplianceTotals, CapZeroWithCountedHomeworkIsOver) {
  ComplianceTotals totals;
  totals.add_class_day(Day(0, 0, 0, 0, 0));  // a 0-minute counted assignment, nobody reported
  EXPECT_EQ(totals.class_days, 1);
  EXPECT_EQ(totals.class_days_over_cap, 1);
  totals.add_class_day(Day(0, 10, 0.0, 2, 0));  // students reported 0 minutes: still over (R1 forbids)
  EXPECT_EQ(totals.class_days, 2);
  EXPECT_EQ(totals.class_days_over_cap, 2);
  // The students who spent 0 minutes are within the cap of 0.
  EXPECT_EQ(totals.student_days, 2);
  EXPECT_EQ(totals.student_days_within_cap, 2);
}

TEST(ComplianceTotals, FromComputedDayLoadStudentWithinCapWhenTotalAtMostCap) {
  const std::vector<AssignmentFacts> as = {Written("a", 30), Written("b", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 30), T("b", "s1", 30),   // 60: within
                                       T("a", "s2", 31), T("b", "s2", 30),   // 61: over
                                       T("a", "s3", 20), T("b", "s3", 10)};  // 30: within
  ComplianceTotals totals;
  totals.add_class_day(compute_day_load(60, as, ts));
  EXPECT_EQ(totals.student_days, 3);
  EXPECT_EQ(totals.student_days_within_cap, 2);
  EXPECT_DOUBLE_EQ(totals.share_within_cap(), 2.0 / 3.0);
  EXPECT_EQ(totals.class_days, 1);
  EXPECT_EQ(totals.class_days_over_cap, 0);  // mean 27 + 23.33 = 50.33
}

TEST(ComplianceTotals, MeasuredMeanExactlyAtCapWithThirdsIsWithinCap) {
  // The exact measured mean is 65/3 + 69/3 + 46/3 = 60 though the double sum is 60.00000000000001: the
  // class-day is within the cap.
  const std::vector<AssignmentFacts> as = {Written("a", 20), Written("b", 20), Written("c", 20)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 22), T("a", "s2", 22), T("a", "s3", 21),
                                       T("b", "s1", 23), T("b", "s2", 23), T("b", "s3", 23),
                                       T("c", "s1", 15), T("c", "s2", 15), T("c", "s3", 16)};
  ComplianceTotals totals;
  totals.add_class_day(compute_day_load(60, as, ts));
  EXPECT_EQ(totals.student_days, 3);
  EXPECT_EQ(totals.student_days_within_cap, 3);
  EXPECT_EQ(totals.class_days, 1);
  EXPECT_EQ(totals.class_days_over_cap, 0);
}

TEST(ComplianceTotals, BreachesByKindIsAPlainMapUntouchedByClassDays) {
  ComplianceTotals totals;
  totals.breaches_by_kind["PLANNED_OVER_CAP"] += 2;
  totals.breaches_by_kind["BANNED_PRACTICE"] += 1;
  totals.add_class_day(Day(60, 100, 100, 3, 3));
  ASSERT_EQ(totals.breaches_by_kind.size(), 2u);
  EXPECT_EQ(totals.breaches_by_kind.at("PLANNED_OVER_CAP"), 2);
  EXPECT_EQ(totals.breaches_by_kind.at("BANNED_PRACTICE"), 1);
  EXPECT_EQ(totals.breaches_by_kind.begin()->first, "BANNED_PRACTICE");  // ordered by name
}

}  // namespace
}  // namespace hwload::analytics
