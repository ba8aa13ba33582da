// Who may do what (issue 5; PRODUCT.md's "who" column): a pure function of the
// token's role and scope, the action, and what the request touches. No I/O: the
// caller looks up the target (a school's district, a class's grade) first.
//
// The rule for scope: what lies outside a token's scope is answered as if it did
// not exist (kNotFound), so a token cannot learn which schools, classes or
// breaches exist beyond its own part. Inside its scope, an action its role does
// not have is kForbidden.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace hwload::auth {

enum class Role { kTeacher, kGradeLeader, kSchoolAdmin, kBureau, kOperator };

std::optional<Role> parse_role(std::string_view name);  // "teacher", "grade_leader", ...
std::string_view role_name(Role role);

// A token in force: its role and the part of the world it covers.
struct Principal {
  std::string token_id;
  Role role = Role::kTeacher;
  std::string district;           // bureau
  std::string school_id;          // teacher, grade leader, school admin
  int grade = 0;                  // grade leader
  std::set<std::string> classes;  // teacher
};

enum class Action {
  kPutSchool,
  kReadSchool,
  kPutClass,
  kReadClasses,
  kPutCalendar,
  kReadCalendar,
  kWriteAssignment,  // post, replace, withdraw, and report timings
  kReadAssignment,
  kReadClassLoad,
  kReadGradeWeek,
  kReadBreaches,
  kReadCompliance,
  kAcknowledge,
  kReadAlerts,
  kWriteSubscription,
  kReadSubscriptions,
  kPublishNotice,
  kWriteNoticeSchedule,
  kReadNoticeSchedule,
  kReadAudit,
  kReadMetrics,
};

// What the request touches. Empty fields: not about a particular one (e.g. the
// alert feed of a district has no school).
struct Target {
  std::string district;  // of the school, when there is a school
  std::string school_id;
  int grade = 0;  // of the class, or the grade asked for
  std::string class_id;
};

enum class Decision { kAllow, kForbidden, kNotFound };

Decision authorize(const Principal& principal, Action action, const Target& target);

}  // namespace hwload::auth
