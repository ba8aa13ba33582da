// Compliance figures (PRODUCT.md "compliance"): the share of student-days within
// the cap, the figure the Ministry of Education publishes nationally.
#pragma once

#include <map>
#include <span>
#include <string>

#include "hwload/analytics/load.h"

namespace hwload::analytics {

// Whether a class-day counts as over its cap for compliance: its load is the
// measured mean where students reported, else the plan; it is over when that load
// exceeds the cap (any counted homework where the cap is 0). False without counted
// homework.
bool class_day_over_cap(const DayLoadFigures& day);

struct ComplianceTotals {
  long long student_days = 0;
  long long student_days_within_cap = 0;
  long long class_days = 0;           // class-days with counted homework
  long long class_days_over_cap = 0;  // of those, load over the cap
  std::map<std::string, int> breaches_by_kind;

  // 1.0 when no student-day was reported (nothing is known to be over).
  double share_within_cap() const;

  // Adds one class-day. Its load is the measured mean where students reported, else
  // the plan; it is over when that load exceeds the cap (any counted homework where
  // the cap is 0).
  void add_class_day(const DayLoadFigures& day);
};

}  // namespace hwload::analytics
