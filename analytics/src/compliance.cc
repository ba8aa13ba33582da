#include "hwload/analytics/compliance.h"

namespace hwload::analytics {

double ComplianceTotals::share_within_cap() const {
  if (student_days == 0) return 1.0;
  return static_cast<double>(student_days_within_cap) / static_cast<double>(student_days);
}

bool class_day_over_cap(const DayLoadFigures& day) {
  if (!day.has_counted) return false;
  const double load = day.students_reported > 0 ? day.measured_mean_minutes : static_cast<double>(day.planned_minutes);
  return day.cap_minutes == 0 || exceeds(load, day.cap_minutes);
}

void ComplianceTotals::add_class_day(const DayLoadFigures& day) {
  student_days += day.students_reported;
  student_days_within_cap += day.students_reported - day.students_over_cap;
  if (!day.has_counted) return;
  ++class_days;
  if (class_day_over_cap(day)) ++class_days_over_cap;
}

}  // namespace hwload::analytics
