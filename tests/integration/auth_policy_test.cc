// The authorization policy (server/auth/policy.h) as a pure function: every role
// against every action, in scope and out of it.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "auth/policy.h"

namespace hwload::auth {
namespace {

using A = Action;

const std::vector<Action> kAllActions = {A::kPutSchool,          A::kReadSchool,     A::kPutClass,
                                         A::kReadClasses,        A::kPutCalendar,    A::kReadCalendar,
                                         A::kWriteAssignment,    A::kReadAssignment, A::kReadClassLoad,
                                         A::kReadGradeWeek,      A::kReadBreaches,   A::kReadCompliance,
                                         A::kAcknowledge,        A::kReadAlerts,     A::kWriteSubscription,
                                         A::kReadSubscriptions,  A::kPublishNotice,  A::kWriteNoticeSchedule,
                                         A::kReadNoticeSchedule, A::kReadAudit,      A::kReadMetrics};

Principal teacher() {
  Principal p;
  p.role = Role::kTeacher;
  p.school_id = "s1";
  p.classes = {"c5a", "c5b"};
  return p;
}
Principal grade_leader() {
  Principal p;
  p.role = Role::kGradeLeader;
  p.school_id = "s1";
  p.grade = 5;
  return p;
}
Principal school_admin() {
  Principal p;
  p.role = Role::kSchoolAdmin;
  p.school_id = "s1";
  return p;
}
Principal bureau() {
  Principal p;
  p.role = Role::kBureau;
  p.district = "d1";
  return p;
}
Principal operator_() {
  Principal p;
  p.role = Role::kOperator;
  return p;
}

// Class c5a, grade 5, of school s1 in district d1: inside every principal above.
const Target kInside{"d1", "s1", 5, "c5a"};

// What each role may do inside its scope (PRODUCT.md's "who" column, issue 5).
const std::map<Role, std::set<Action>> kAllowed = {
    {Role::kTeacher,
     {A::kReadSchool, A::kReadClasses, A::kReadCalendar, A::kWriteAssignment, A::kReadAssignment, A::kReadClassLoad}},
    {Role::kGradeLeader,
     {A::kReadSchool, A::kReadClasses, A::kReadCalendar, A::kReadAssignment, A::kReadClassLoad, A::kReadGradeWeek,
      A::kReadBreaches, A::kReadCompliance, A::kAcknowledge, A::kReadNoticeSchedule}},
    {Role::kSchoolAdmin,
     {A::kPutSchool, A::kReadSchool, A::kPutClass, A::kReadClasses, A::kPutCalendar, A::kReadCalendar,
      A::kReadAssignment, A::kReadClassLoad, A::kReadGradeWeek, A::kReadBreaches, A::kReadCompliance, A::kPublishNotice,
      A::kWriteNoticeSchedule, A::kReadNoticeSchedule, A::kReadAudit}},
    {Role::kBureau,
     {A::kPutSchool, A::kReadSchool, A::kReadClasses, A::kReadCalendar, A::kReadAssignment, A::kReadClassLoad,
      A::kReadGradeWeek, A::kReadBreaches, A::kReadCompliance, A::kAcknowledge, A::kReadAlerts, A::kWriteSubscription,
      A::kReadSubscriptions, A::kReadNoticeSchedule, A::kReadAudit}},
};

TEST(AuthPolicy, InsideItsScopeEachRoleHasExactlyItsActions) {
  for (const Principal& p : {teacher(), grade_leader(), school_admin(), bureau(), operator_()}) {
    for (const Action a : kAllActions) {
      const bool allowed = p.role == Role::kOperator || kAllowed.at(p.role).count(a) > 0;
      EXPECT_EQ(authorize(p, a, kInside), allowed ? Decision::kAllow : Decision::kForbidden)
          << role_name(p.role) << " action " << static_cast<int>(a);
    }
  }
}

TEST(AuthPolicy, OutsideItsScopeEverythingIsAsIfItDidNotExist) {
  const std::vector<std::pair<Principal, Target>> outside = {
      {teacher(), {"d1", "s1", 5, "c5c"}},       // another class of its school
      {teacher(), {"d1", "s2", 5, "c5a"}},       // a class of the same name elsewhere
      {grade_leader(), {"d1", "s1", 6, "c6a"}},  // another grade
      {grade_leader(), {"d1", "s2", 5, ""}},     // another school
      {school_admin(), {"d1", "s2", 0, ""}},     // another school of the district
      {bureau(), {"d2", "s9", 0, ""}},           // another district
      {bureau(), {"", "", 0, ""}},               // no district at all (e.g. every alert)
  };
  for (const auto& [p, t] : outside) {
    for (const Action a : kAllActions) {
      EXPECT_EQ(authorize(p, a, t), Decision::kNotFound)
          << role_name(p.role) << " action " << static_cast<int>(a) << " on " << t.school_id << "/" << t.class_id;
    }
  }
}

TEST(AuthPolicy, WholeSchoolAndWholeGradeTargetsAreInsideTheirHolders) {
  // A teacher may list its school's classes; a grade leader reads its grade's week.
  EXPECT_EQ(authorize(teacher(), A::kReadClasses, {"d1", "s1", 0, ""}), Decision::kAllow);
  EXPECT_EQ(authorize(teacher(), A::kReadGradeWeek, {"d1", "s1", 5, ""}), Decision::kForbidden);
  EXPECT_EQ(authorize(grade_leader(), A::kReadGradeWeek, {"d1", "s1", 5, ""}), Decision::kAllow);
  EXPECT_EQ(authorize(grade_leader(), A::kReadBreaches, {"d1", "s1", 0, ""}), Decision::kAllow);
  EXPECT_EQ(authorize(operator_(), A::kReadAlerts, {"", "", 0, ""}), Decision::kAllow);
}

TEST(AuthPolicy, RoleNamesRoundTrip) {
  for (const Role r : {Role::kTeacher, Role::kGradeLeader, Role::kSchoolAdmin, Role::kBureau, Role::kOperator}) {
    EXPECT_EQ(parse_role(role_name(r)), r);
  }
  EXPECT_FALSE(parse_role("root"));
  EXPECT_FALSE(parse_role("Teacher"));
}

}  // namespace
}  // namespace hwload::auth
