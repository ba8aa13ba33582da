// Unit tests for the day load of one class on one date (PRODUCT.md "How load and breaches are computed").
#include "hwload/analytics/load.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hwload::analytics {
namespace {

AssignmentFacts Written(std::string id, std::string subject, int minutes) {
  AssignmentFacts a;
  a.assignment_id = std::move(id);
  a.subject = std::move(subject);
  a.title = "title of " + a.assignment_id;
  a.type = HomeworkType::kWritten;
  a.estimated_minutes = minutes;
  return a;
}

AssignmentFacts Optional(std::string id, std::string subject, int minutes) {
  AssignmentFacts a = Written(std::move(id), std::move(subject), minutes);
  a.optional = true;
  return a;
}

AssignmentFacts Withdrawn(std::string id, std::string subject, int minutes) {
  AssignmentFacts a = Written(std::move(id), std::move(subject), minutes);
  a.withdrawn = true;
  return a;
}

AssignmentFacts OfType(std::string id, HomeworkType type, int minutes) {
  AssignmentFacts a = Written(std::move(id), "语文", minutes);
  a.type = type;
  return a;
}

TimingFacts T(std::string assignment_id, std::string student, int minutes, bool unfinished = false) {
  return TimingFacts{std::move(assignment_id), std::move(student), minutes, unfinished};
}

const HomeworkType kNonWrittenTypes[] = {HomeworkType::kReading, HomeworkType::kPractice, HomeworkType::kPhysical,
                                         HomeworkType::kArts,    HomeworkType::kInquiry,  HomeworkType::kLabor,
                                         HomeworkType::kOther};

TEST(IsCounted, OnlyWrittenRequiredNotWithdrawn) {
  EXPECT_TRUE(is_counted(Written("a", "语文", 10)));
  EXPECT_FALSE(is_counted(Optional("a", "语文", 10)));
  EXPECT_FALSE(is_counted(Withdrawn("a", "语文", 10)));
  for (HomeworkType type : kNonWrittenTypes) {
    EXPECT_FALSE(is_counted(OfType("a", type, 10))) << static_cast<int>(type);
  }
  EXPECT_TRUE(is_counted(Written("a", "语文", 0)));  // zero minutes still counted
}

TEST(BannedFlags, AnyAndDescribeNameTheFlagsSetInOrder) {
  BannedFlags none;
  EXPECT_FALSE(none.any());
  EXPECT_EQ(none.describe(), "");

  BannedFlags one;
  one.punitive = true;
  EXPECT_TRUE(one.any());
  EXPECT_EQ(one.describe(), "punitive");

  BannedFlags all{true, true, true, true, true};
  EXPECT_TRUE(all.any());
  EXPECT_EQ(all.describe(), "requires_parent_grading,assigned_to_parents,requires_self_grading,punitive,repetitive");

  BannedFlags two;
  two.repetitive = true;
  two.requires_parent_grading = true;
  EXPECT_EQ(two.describe(), "requires_parent_grading,repetitive");
}

TEST(ComputeDayLoad, EmptyDayHasNoLoad) {
  const DayLoadFigures f = compute_day_load(60, {}, {});
  EXPECT_EQ(f.cap_minutes, 60);
  EXPECT_EQ(f.planned_minutes, 0);
  EXPECT_EQ(f.measured_mean_minutes, 0.0);
  EXPECT_EQ(f.measured_p90_minutes, 0);
  EXPECT_EQ(f.students_reported, 0);
  EXPECT_EQ(f.students_over_cap, 0);
  EXPECT_EQ(f.students_unfinished, 0);
  EXPECT_FALSE(f.has_counted);
  EXPECT_TRUE(f.subjects.empty());
  EXPECT_TRUE(f.student_totals.empty());
}

TEST(ComputeDayLoad, CarriesTheCapThrough) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 10)};
  EXPECT_EQ(compute_day_load(90, as, {}).cap_minutes, 90);
  EXPECT_EQ(compute_day_load(0, as, {}).cap_minutes, 0);
}

TEST(ComputeDayLoad, PlannedLoadSumsCountedEstimates) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 20), Written("b", "数学", 30),
                                           Written("c", "英语", 15)};
  const DayLoadFigures f = compute_day_load(60, as, {});
  EXPECT_EQ(f.planned_minutes, 65);
  EXPECT_TRUE(f.has_counted);
}

TEST(ComputeDayLoad, PlannedLoadIgnoresOptionalTier) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 20), Optional("b", "数学", 45)};
  const DayLoadFigures f = compute_day_load(60, as, {});
  EXPECT_EQ(f.planned_minutes, 20);
  ASSERT_EQ(f.subjects.size(), 1u);
  EXPECT_EQ(f.subjects[0].subject, "语文");
}

TEST(ComputeDayLoad, PlannedLoadIgnoresNonWrittenTypes) {
  std::vector<AssignmentFacts> as = {Written("w", "语文", 25)};
  int i = 0;
  for (HomeworkType type : kNonWrittenTypes) as.push_back(OfType("x" + std::to_string(i++), type, 40));
  const DayLoadFigures f = compute_day_load(60, as, {});
  EXPECT_EQ(f.planned_minutes, 25);
  EXPECT_EQ(f.subjects.size(), 1u);
}

TEST(ComputeDayLoad, PlannedLoadIgnoresWithdrawnRecords) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 20), Withdrawn("b", "数学", 50)};
  const DayLoadFigures f = compute_day_load(60, as, {});
  EXPECT_EQ(f.planned_minutes, 20);
  ASSERT_EQ(f.subjects.size(), 1u);
  EXPECT_EQ(f.subjects[0].subject, "语文");
}

TEST(ComputeDayLoad, HasCountedOnlyWithACountedAssignment) {
  const std::vector<AssignmentFacts> uncounted = {Optional("a", "语文", 20), Withdrawn("b", "数学", 20),
                                                  OfType("c", HomeworkType::kReading, 30)};
  const DayLoadFigures f = compute_day_load(60, uncounted, {});
  EXPECT_FALSE(f.has_counted);
  EXPECT_EQ(f.planned_minutes, 0);
  EXPECT_TRUE(f.subjects.empty());

  const std::vector<AssignmentFacts> zero = {Written("a", "语文", 0)};
  const DayLoadFigures g = compute_day_load(60, zero, {});
  EXPECT_TRUE(g.has_counted);
  EXPECT_EQ(g.planned_minutes, 0);
}

TEST(ComputeDayLoad, MeasuredMeanIsTheSumOfPerAssignmentMeans) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30), Written("b", "数学", 20)};
  // a: s1 30, s2 40 -> mean 35. b: s1 20, s2 10, s3 15 -> mean 15. Sum 50.
  // (The mean of student totals 50, 50, 15 would be 38.33: not the definition.)
  const std::vector<TimingFacts> ts = {T("a", "s1", 30), T("a", "s2", 40), T("b", "s1", 20), T("b", "s2", 10),
                                       T("b", "s3", 15)};
  const DayLoadFigures f = compute_day_load(60, as, ts);
  EXPECT_DOUBLE_EQ(f.measured_mean_minutes, 50.0);
  EXPECT_EQ(f.students_reported, 3);
  EXPECT_EQ(f.student_totals, (std::vector<int>{15, 50, 50}));
}

TEST(ComputeDayLoad, MeasuredMeanKeepsFractions) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 10), T("a", "s2", 11)};
  EXPECT_DOUBLE_EQ(compute_day_load(60, as, ts).measured_mean_minutes, 10.5);
}

TEST(ComputeDayLoad, AssignmentWithoutTimingsContributesNothingToMeasuredMean) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 40), Written("b", "数学", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 25), T("a", "s2", 35)};
  const DayLoadFigures f = compute_day_load(60, as, ts);
  EXPECT_DOUBLE_EQ(f.measured_mean_minutes, 30.0);  // not 30 + 30 (b's estimate) and not 30 + 0 averaged
  EXPECT_EQ(f.planned_minutes, 70);
  ASSERT_EQ(f.subjects.size(), 2u);
  EXPECT_EQ(f.subjects[0].subject, "数学");
  EXPECT_DOUBLE_EQ(f.subjects[0].measured_mean_minutes, 0.0);
  EXPECT_EQ(f.subjects[1].subject, "语文");
  EXPECT_DOUBLE_EQ(f.subjects[1].measured_mean_minutes, 30.0);
}

TEST(ComputeDayLoad, TimingsOfUncountedOrUnknownAssignmentsAreIgnored) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30), Optional("opt", "数学", 30),
                                           Withdrawn("gone", "英语", 30), OfType("read", HomeworkType::kReading, 30)};
  const std::vector<TimingFacts> ts = {
      T("a", "s1", 20),           T("opt", "s1", 100, true),  T("opt", "s2", 100, true),
      T("gone", "s3", 100, true), T("read", "s4", 100, true), T("unknown", "s5", 100, true),
  };
  const DayLoadFigures f = compute_day_load(60, as, ts);
  EXPECT_DOUBLE_EQ(f.measured_mean_minutes, 20.0);
  EXPECT_EQ(f.students_reported, 1);
  EXPECT_EQ(f.student_totals, (std::vector<int>{20}));
  EXPECT_EQ(f.students_over_cap, 0);
  EXPECT_EQ(f.students_unfinished, 0);
  EXPECT_EQ(f.measured_p90_minutes, 20);
}

TEST(ComputeDayLoad, StudentsReportedCountsDistinctStudents) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30), Written("b", "数学", 30),
                                           Written("c", "英语", 30)};
  const std::vector<TimingFacts> ts = {T("a", "01", 10), T("b", "01", 10), T("c", "01", 10),
                                       T("a", "02", 10), T("c", "02", 10), T("b", "03", 10)};
  const DayLoadFigures f = compute_day_load(60, as, ts);
  EXPECT_EQ(f.students_reported, 3);
  EXPECT_EQ(f.student_totals.size(), 3u);
}

TEST(ComputeDayLoad, StudentTotalsSumOverCountedAssignmentsAscending) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30), Written("b", "数学", 30),
                                           Optional("o", "数学", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 40), T("b", "s1", 35), T("o", "s1", 30),
                                       T("a", "s2", 5),  T("b", "s2", 7),  T("a", "s3", 20)};
  const DayLoadFigures f = compute_day_load(60, as, ts);
  EXPECT_EQ(f.student_totals, (std::vector<int>{12, 20, 75}));
  EXPECT_EQ(f.students_over_cap, 1);
}

TEST(ComputeDayLoad, StudentsOverCapIsStrictlyAboveTheCap) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 60)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 59), T("a", "s2", 60), T("a", "s3", 61), T("a", "s4", 90)};
  const DayLoadFigures f = compute_day_load(60, as, ts);
  EXPECT_EQ(f.students_over_cap, 2);  // 61 and 90; 60 == cap is within
  EXPECT_EQ(f.students_reported, 4);
}

TEST(ComputeDayLoad, CapZeroMakesAnyPositiveTotalOverCap) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 10)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 0), T("a", "s2", 1), T("a", "s3", 5)};
  const DayLoadFigures f = compute_day_load(0, as, ts);
  EXPECT_EQ(f.students_over_cap, 2);
  EXPECT_EQ(f.students_reported, 3);
}

TEST(ComputeDayLoad, StudentsUnfinishedCountsStudentsWithAnyUnfinishedTiming) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30), Written("b", "数学", 30)};
  const std::vector<TimingFacts> ts = {T("a", "s1", 30, true),  T("b", "s1", 30, true),  // one student, twice
                                       T("a", "s2", 30, false), T("b", "s2", 30, true),
                                       T("a", "s3", 30, false), T("b", "s3", 30, false)};
  const DayLoadFigures f = compute_day_load(60, as, ts);
  EXPECT_EQ(f.students_unfinished, 2);
  EXPECT_EQ(f.students_reported, 3);
}

TEST(ComputeDayLoad, P90IsNearestRankOfStudentTotals) {
  const std::vector<AssignmentFacts> as = {Written("a", "语文", 30)};
  std::vector<TimingFacts> ts;
  // Ten students reporting 10, 20, ..., 100 in scrambled order.
  const int minutes[] = {70, 10, 100, 40, 90, 20, 60, 30, 80, 50};
  for (int i = 0; i < 10; ++i) ts.push_back(T("a", "s" + std::to_string(i), minutes[i]));
  const DayLoadFigures f = compute_day_load(60, as, ts);
  EXPECT_EQ(f.student_totals, (std::vector<int>{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}));
  EXPECT_EQ(f.measured_p90_minutes, 90);
  EXPECT_EQ(f.students_over_cap, 4);
  EXPECT_DOUBLE_EQ(f.measured_mean_minutes, 55.0);
}

TEST(NearestRankP90, EmptyIsZero) { EXPECT_EQ(nearest_rank_p90({}), 0); }

TEST(NearestRankP90, SingleValueIsThatValue) {
  const std::vector<int> v = {42};
  EXPECT_EQ(nearest_rank_p90(v), 42);
}

TEST(NearestRankP90, TenValuesTakeTheNinth) {
  const std::vector<int> v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(nearest_rank_p90(v), 9);
}

TEST(NearestRankP90, ElevenValuesTakeTheTenth) {
  // ceil(0.9 * 11) = 10: 9 values (81.8%) would not be enough.
  const std::vector<int> v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  EXPECT_EQ(nearest_rank_p90(v), 10);
}

TEST(NearestRankP90, TwentyValuesTakeTheEighteenth) {
  std::vector<int> v;
  for (int i = 1; i <= 20; ++i) v.push_back(i * 5);
  EXPECT_EQ(nearest_rank_p90(v), 90);
}

TEST(NearestRankP90, SmallCountsRoundTheRankUp) {
  EXPECT_EQ(nearest_rank_p90(std::vector<int>{3, 7}), 7);                       // ceil(1.8) = 2
  EXPECT_EQ(nearest_rank_p90(std::vector<int>{1, 2, 3, 4, 5}), 5);              // ceil(4.5) = 5
  EXPECT_EQ(nearest_rank_p90(std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9}), 9);  // ceil(8.1) = 9
}

TEST(NearestRankP90, TiesGiveTheSmallestQualifyingValue) {
  const std::vector<int> v = {5, 5, 5, 5, 5, 5, 5, 5, 5, 50};
  EXPECT_EQ(nearest_rank_p90(v), 5);
}

TEST(ComputeDayLoad, SubjectsAreSortedByByteOrderOfTheName) {
  const std::vector<AssignmentFacts> as = {Written("1", "语文", 10), Written("2", "数学", 20),
                                           Written("3", "English", 30), Written("4", "科学", 5),
                                           Written("5", "英语", 15)};
  const DayLoadFigures f = compute_day_load(90, as, {});
  std::vector<std::string> names;
  for (const auto& s : f.subjects) names.push_back(s.subject);
  // UTF-8 bytes: English (45..) < 数学 (e6 95) < 科学 (e7 a7) < 英语 (e8 8b) < 语文 (e8 af).
  EXPECT_EQ(names, (std::vector<std::string>{"English", "数学", "科学", "英语", "语文"}));
}

TEST(ComputeDayLoad, SubjectLoadsSumThatSubjectsCountedAssignments) {
  const std::vector<AssignmentFacts> as = {Written("y1", "语文", 20), Written("m1", "数学", 15),
                                           Written("y2", "语文", 10), Optional("m2", "数学", 40),
                                           Withdrawn("m3", "数学", 40)};
  const std::vector<TimingFacts> ts = {T("y1", "s1", 18), T("y1", "s2", 22),  // mean 20
                                       T("y2", "s1", 9),                      // mean 9
                                       T("m1", "s1", 10), T("m1", "s2", 14),  // mean 12
                                       T("m2", "s1", 40)};                    // optional: ignored
  const DayLoadFigures f = compute_day_load(60, as, ts);
  ASSERT_EQ(f.subjects.size(), 2u);
  EXPECT_EQ(f.subjects[0].subject, "数学");
  EXPECT_EQ(f.subjects[0].planned_minutes, 15);
  EXPECT_DOUBLE_EQ(f.subjects[0].measured_mean_minutes, 12.0);
  EXPECT_EQ(f.subjects[1].subject, "语文");
  EXPECT_EQ(f.subjects[1].planned_minutes, 30);
  EXPECT_DOUBLE_EQ(f.subjects[1].measured_mean_minutes, 29.0);
  EXPECT_EQ(f.planned_minutes, 45);
  EXPECT_DOUBLE_EQ(f.measured_mean_minutes, 41.0);
  EXPECT_EQ(f.student_totals, (std::vector<int>{36, 37}));  // s2: 22 + 14; s1: 18 + 9 + 10
}

}  // namespace
}  // namespace hwload::analytics
