#include "auth/policy.h"

namespace hwload::auth {
namespace {

// Whether the target lies inside the principal's part of the world.
bool in_scope(const Principal& p, const Target& t) {
  switch (p.role) {
    case Role::kOperator:
      return true;
    case Role::kBureau:
      return !t.district.empty() && t.district == p.district;
    case Role::kSchoolAdmin:
      return t.school_id == p.school_id;
    case Role::kGradeLeader:
      return t.school_id == p.school_id && (t.grade == 0 || t.grade == p.grade);
    case Role::kTeacher:
      return t.school_id == p.school_id && (t.class_id.empty() || p.classes.count(t.class_id) > 0);
  }
  return false;
}

// The actions each role has inside its scope.
bool role_may(Role role, Action a) {
  switch (role) {
    case Role::kOperator:
      return true;
    case Role::kBureau:
      return a != Action::kPutClass && a != Action::kPutCalendar && a != Action::kWriteAssignment &&
             a != Action::kPublishNotice && a != Action::kWriteNoticeSchedule && a != Action::kReadMetrics;
    case Role::kSchoolAdmin:
      return a == Action::kPutSchool || a == Action::kReadSchool || a == Action::kPutClass ||
             a == Action::kReadClasses || a == Action::kPutCalendar || a == Action::kReadCalendar ||
             a == Action::kReadAssignment || a == Action::kReadClassLoad || a == Action::kReadGradeWeek ||
             a == Action::kReadBreaches || a == Action::kReadCompliance || a == Action::kPublishNotice ||
             a == Action::kWriteNoticeSchedule || a == Action::kReadNoticeSchedule || a == Action::kReadAudit;
    case Role::kGradeLeader:
      return a == Action::kReadSchool || a == Action::kReadClasses || a == Action::kReadCalendar ||
             a == Action::kReadAssignment || a == Action::kReadClassLoad || a == Action::kReadGradeWeek ||
             a == Action::kReadBreaches || a == Action::kReadCompliance || a == Action::kAcknowledge ||
             a == Action::kReadNoticeSchedule;
    case Role::kTeacher:
      return a == Action::kReadSchool || a == Action::kReadClasses || a == Action::kReadCalendar ||
             a == Action::kWriteAssignment || a == Action::kReadAssignment || a == Action::kReadClassLoad;
  }
  return false;
}

}  // namespace

std::optional<Role> parse_role(std::string_view name) {
  if (name == "teacher") return Role::kTeacher;
  if (name == "grade_leader") return Role::kGradeLeader;
  if (name == "school_admin") return Role::kSchoolAdmin;
  if (name == "bureau") return Role::kBureau;
  if (name == "operator") return Role::kOperator;
  return std::nullopt;
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kTeacher:
      return "teacher";
    case Role::kGradeLeader:
      return "grade_leader";
    case Role::kSchoolAdmin:
      return "school_admin";
    case Role::kBureau:
      return "bureau";
    case Role::kOperator:
      return "operator";
  }
  return "";
}

Decision authorize(const Principal& principal, Action action, const Target& target) {
  if (!in_scope(principal, target)) return Decision::kNotFound;
  return role_may(principal.role, action) ? Decision::kAllow : Decision::kForbidden;
}

}  // namespace hwload::auth
