// Unit tests for policy profiles (POLICY.md R1, R2, R3 and the six shipped profiles).
#include "hwload/analytics/policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hwload::analytics {
namespace {

const std::vector<std::string> kBuiltinNames = {"national", "xinyang", "luoyang", "hengyang", "zhejiang", "fushun"};

// R1 caps for grades 1..9 (index 0 unused).
constexpr int kCapByGrade[10] = {-1, 0, 0, 60, 60, 60, 60, 90, 90, 90};

const DayKind kAllKinds[] = {DayKind::kSchoolDay, DayKind::kWeekend, DayKind::kHoliday, DayKind::kVacation};

PolicyProfile Builtin(const std::string& name) {
  for (const auto& p : builtin_profiles()) {
    if (p.name == name) return p;
  }
  ADD_FAILURE() << "no builtin profile " << name;
  return PolicyProfile{};
}

TEST(GradeBand, MapsGradesToTheThreeBandsOfR1) {
  EXPECT_EQ(grade_band(1), GradeBand::kLower);
  EXPECT_EQ(grade_band(2), GradeBand::kLower);
  for (int g = 3; g <= 6; ++g) EXPECT_EQ(grade_band(g), GradeBand::kMiddle) << g;
  for (int g = 7; g <= 9; ++g) EXPECT_EQ(grade_band(g), GradeBand::kUpper) << g;
}

TEST(BuiltinProfiles, AreTheSixProfilesOfPolicyMdInOrder) {
  const auto profiles = builtin_profiles();
  ASSERT_EQ(profiles.size(), 6u);
  for (size_t i = 0; i < profiles.size(); ++i) {
    EXPECT_EQ(profiles[i].name, kBuiltinNames[i]);
    EXPECT_FALSE(profiles[i].source.empty()) << profiles[i].name;
  }
}

TEST(BuiltinProfiles, AllCapSchoolDaysAt0_60_90) {
  for (const auto& p : builtin_profiles()) {
    EXPECT_EQ(p.school_day_caps, (BandCaps{0, 60, 90})) << p.name;
  }
}

TEST(BuiltinProfiles, EachGradeMapsToItsBandCap) {
  for (const auto& p : builtin_profiles()) {
    for (int g = 1; g <= 9; ++g) {
      EXPECT_EQ(p.cap_minutes(g, DayKind::kSchoolDay), kCapByGrade[g]) << p.name << " grade " << g;
    }
  }
}

TEST(BuiltinProfiles, EveryDayKindHasTheR1CapsInEveryProfile) {
  for (const auto& p : builtin_profiles()) {
    for (DayKind kind : kAllKinds) {
      for (int g = 1; g <= 9; ++g) {
        EXPECT_EQ(p.cap_minutes(g, kind), kCapByGrade[g]) << p.name << " " << day_kind_name(kind) << " " << g;
      }
    }
  }
}

TEST(BuiltinProfiles, UseDefaultRepeatedEscalationAndAlertSeverity) {
  for (const auto& p : builtin_profiles()) {
    EXPECT_EQ(p.repeated_count, 3) << p.name;
    EXPECT_EQ(p.repeated_window_days, 7) << p.name;
    EXPECT_EQ(p.alert_min_severity, Severity::kBreach) << p.name;
  }
}

TEST(BuiltinProfiles, LuoyangStatesWeekendHolidayAndVacationCapsExplicitly) {
  const PolicyProfile p = Builtin("luoyang");
  ASSERT_EQ(p.day_kind_caps.size(), 3u);
  ASSERT_TRUE(p.day_kind_caps.contains(DayKind::kWeekend));
  ASSERT_TRUE(p.day_kind_caps.contains(DayKind::kHoliday));
  ASSERT_TRUE(p.day_kind_caps.contains(DayKind::kVacation));
  EXPECT_FALSE(p.day_kind_caps.contains(DayKind::kSchoolDay));
  EXPECT_EQ(p.day_kind_caps.at(DayKind::kWeekend), (BandCaps{0, 60, 90}));
  EXPECT_EQ(p.day_kind_caps.at(DayKind::kHoliday), (BandCaps{0, 60, 90}));
  EXPECT_EQ(p.day_kind_caps.at(DayKind::kVacation), (BandCaps{0, 60, 90}));
}

TEST(BuiltinProfiles, OnlyLuoyangHasDayKindCaps) {
  for (const auto& p : builtin_profiles()) {
    if (p.name == "luoyang") continue;
    EXPECT_TRUE(p.day_kind_caps.empty()) << p.name;
  }
}

TEST(BuiltinProfiles, HengyangHasNoHomeworkDayForGrades1To6Only) {
  const PolicyProfile p = Builtin("hengyang");
  EXPECT_TRUE(p.no_homework_day);
  EXPECT_EQ(p.no_homework_min_grade, 1);
  EXPECT_EQ(p.no_homework_max_grade, 6);
  for (int g = 1; g <= 6; ++g) EXPECT_TRUE(p.no_homework_applies(g)) << g;
  for (int g = 7; g <= 9; ++g) EXPECT_FALSE(p.no_homework_applies(g)) << g;
}

TEST(BuiltinProfiles, OnlyHengyangHasANoHomeworkDay) {
  for (const auto& p : builtin_profiles()) {
    if (p.name == "hengyang") continue;
    EXPECT_FALSE(p.no_homework_day) << p.name;
    for (int g = 1; g <= 9; ++g) EXPECT_FALSE(p.no_homework_applies(g)) << p.name << " grade " << g;
  }
}

TEST(PolicyProfile, DefaultsAreTheR1Caps) {
  const PolicyProfile p;
  EXPECT_EQ(p.school_day_caps, (BandCaps{0, 60, 90}));
  EXPECT_TRUE(p.day_kind_caps.empty());
  EXPECT_FALSE(p.no_homework_day);
}

TEST(PolicyProfile, DayKindsWithoutCapsFallBackToSchoolDayCaps) {
  PolicyProfile p;
  p.school_day_caps = {10, 45, 75};
  for (DayKind kind : kAllKinds) {
    EXPECT_EQ(p.cap_minutes(1, kind), 10) << day_kind_name(kind);
    EXPECT_EQ(p.cap_minutes(2, kind), 10) << day_kind_name(kind);
    EXPECT_EQ(p.cap_minutes(4, kind), 45) << day_kind_name(kind);
    EXPECT_EQ(p.cap_minutes(9, kind), 75) << day_kind_name(kind);
  }
}

TEST(PolicyProfile, DayKindCapsOverrideSchoolDayCapsForThatKindOnly) {
  PolicyProfile p;
  p.day_kind_caps[DayKind::kWeekend] = {0, 30, 45};
  p.day_kind_caps[DayKind::kVacation] = {5, 20, 40};
  EXPECT_EQ(p.cap_minutes(1, DayKind::kWeekend), 0);
  EXPECT_EQ(p.cap_minutes(5, DayKind::kWeekend), 30);
  EXPECT_EQ(p.cap_minutes(8, DayKind::kWeekend), 45);
  EXPECT_EQ(p.cap_minutes(2, DayKind::kVacation), 5);
  EXPECT_EQ(p.cap_minutes(3, DayKind::kVacation), 20);
  EXPECT_EQ(p.cap_minutes(7, DayKind::kVacation), 40);
  // Holiday has no caps of its own: school-day caps.
  EXPECT_EQ(p.cap_minutes(5, DayKind::kHoliday), 60);
  EXPECT_EQ(p.cap_minutes(8, DayKind::kHoliday), 90);
  EXPECT_EQ(p.cap_minutes(5, DayKind::kSchoolDay), 60);
}

TEST(PolicyProfile, NoHomeworkAppliesOnlyWhenEnabledAndGradeInRange) {
  PolicyProfile p;
  p.no_homework_min_grade = 3;
  p.no_homework_max_grade = 4;
  EXPECT_FALSE(p.no_homework_applies(3));  // not enabled
  p.no_homework_day = true;
  EXPECT_FALSE(p.no_homework_applies(2));
  EXPECT_TRUE(p.no_homework_applies(3));
  EXPECT_TRUE(p.no_homework_applies(4));
  EXPECT_FALSE(p.no_homework_applies(5));
}

TEST(ProfileSet, HoldsTheBuiltinProfilesByName) {
  const ProfileSet set;
  EXPECT_EQ(set.names(),
            (std::vector<std::string>{"fushun", "hengyang", "luoyang", "national", "xinyang", "zhejiang"}));
  for (const auto& name : kBuiltinNames) {
    const PolicyProfile* p = set.find(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->name, name);
  }
  EXPECT_TRUE(set.find("hengyang")->no_homework_day);
  EXPECT_EQ(set.find("luoyang")->day_kind_caps.size(), 3u);
}

TEST(ProfileSet, FindReturnsNullForUnknownNames) {
  const ProfileSet set;
  EXPECT_EQ(set.find("beijing"), nullptr);
  EXPECT_EQ(set.find(""), nullptr);
  EXPECT_EQ(set.find("Hengyang"), nullptr);  // names are case-sensitive
  EXPECT_EQ(set.find("national "), nullptr);
}

TEST(ProfileSet, PutOverridesABuiltinProfile) {
  ProfileSet set;
  PolicyProfile custom;
  custom.name = "national";
  custom.school_day_caps = {0, 50, 80};
  set.put(custom);
  const PolicyProfile* p = set.find("national");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->school_day_caps, (BandCaps{0, 50, 80}));
  EXPECT_EQ(p->cap_minutes(4, DayKind::kSchoolDay), 50);
  EXPECT_EQ(p->cap_minutes(8, DayKind::kWeekend), 80);
  EXPECT_EQ(set.names().size(), 6u);
  // Other profiles are untouched.
  EXPECT_EQ(set.find("xinyang")->school_day_caps, (BandCaps{0, 60, 90}));
}

TEST(ProfileSet, PutAddsANewProfile) {
  ProfileSet set;
  PolicyProfile custom;
  custom.name = "changsha";
  custom.no_homework_day = true;
  set.put(custom);
  ASSERT_NE(set.find("changsha"), nullptr);
  EXPECT_TRUE(set.find("changsha")->no_homework_applies(2));
  EXPECT_EQ(set.names().size(), 7u);
  EXPECT_EQ(set.names().front(), "changsha");
}

}  // namespace
}  // namespace hwload::analytics
