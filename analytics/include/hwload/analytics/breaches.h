// Breach rules (PRODUCT.md "breaches"). Each function returns what *should* be open
// for its inputs; the caller diffs that against what is open to open and resolve.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "hwload/analytics/calendar.h"
#include "hwload/analytics/load.h"
#include "hwload/analytics/policy.h"

namespace hwload::analytics {

enum class BreachKind {
  kPlannedOverCap = 1,
  kMeasuredOverCap = 2,
  kWrittenForbidden = 3,
  kNoHomeworkDay = 4,
  kBannedPractice = 5,
  kRepeated = 6,
};

std::string_view breach_kind_name(BreachKind kind);
Severity severity_of(BreachKind kind);

struct Finding {
  BreachKind kind;
  Severity severity;
  int load_minutes = 0;
  int cap_minutes = 0;
  std::string detail;
  bool operator==(const Finding&) const = default;
};

// Everything the single-day rules need about one class on one date.
struct ClassDay {
  int grade = 0;
  Date date;
  DayKind day_kind = DayKind::kSchoolDay;
  std::span<const AssignmentFacts> assignments;  // that class and date, any state
  DayLoadFigures load;                           // compute_day_load of the above
};

// Whether `date` is the class's fixed no-homework weekday (profile scope, calendar).
bool is_fixed_no_homework_day(const PolicyProfile& profile, const SchoolCalendar& calendar, int grade, Date date);

// WRITTEN_FORBIDDEN, PLANNED_OVER_CAP, MEASURED_OVER_CAP, BANNED_PRACTICE and the
// fixed-weekday NO_HOMEWORK_DAY for one class-day.
std::vector<Finding> evaluate_class_day(const PolicyProfile& profile, const SchoolCalendar& calendar,
                                        const ClassDay& day);

// The flexible no-homework week (calendar weekday 0, profile with R3, grade in scope):
// each ISO week needs one school day without counted assignments. Checked only once
// the week is over (`today` after its Sunday); the finding is dated the week's last
// school day, returned with it. `has_counted(date)` tells whether the class had
// counted assignments that date.
struct DatedFinding {
  Date date;
  Finding finding;
};
std::optional<DatedFinding> evaluate_no_homework_week(const PolicyProfile& profile, const SchoolCalendar& calendar,
                                                      int grade, IsoWeek week, Date today,
                                                      const std::function<bool(Date)>& has_counted);

// The last SCHOOL_DAY of `week`, if it has any.
std::optional<Date> last_school_day(const SchoolCalendar& calendar, IsoWeek week);

// REPEATED: the dates D of `breach_dates` (dates with an OPEN BREACH-severity breach)
// such that the window [D - window + 1, D] holds at least `count` of them. Only dates
// within [from, to] are returned.
std::vector<Date> repeated_dates(const std::set<Date>& breach_dates, int count, int window_days, Date from, Date to);

}  // namespace hwload::analytics
