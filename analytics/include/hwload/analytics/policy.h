// Policy profiles: the rules of POLICY.md as data. Every number a source document
// leaves open is a field here, never a constant in the evaluation code.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hwload/analytics/calendar.h"

namespace hwload::analytics {

// The three grade bands of R1: grades 1-2, 3-6 and 7-9.
enum class GradeBand { kLower = 0, kMiddle = 1, kUpper = 2 };
// Precondition: 1 <= grade <= 9.
GradeBand grade_band(int grade);

enum class Severity { kWarning = 1, kBreach = 2, kSerious = 3 };

// Caps in minutes per grade band, indexed by GradeBand.
using BandCaps = std::array<int, 3>;

struct PolicyProfile {
  std::string name;
  std::string source;  // where the numbers stand (POLICY.md seed file)

  // R1: caps on a school day.
  BandCaps school_day_caps{0, 60, 90};
  // R2: caps for other kinds of day; a kind missing here uses the school-day caps.
  std::map<DayKind, BandCaps> day_kind_caps;

  // R3: a weekly no-written-homework day for grades [min, max]; the school calendar
  // picks a fixed weekday, or 0 for "any one school day of each ISO week".
  bool no_homework_day = false;
  int no_homework_min_grade = 1;
  int no_homework_max_grade = 6;

  // REPEATED escalation: BREACH-severity breaches on `repeated_count` or more
  // distinct dates within `repeated_window_days` consecutive days.
  int repeated_count = 3;
  int repeated_window_days = 7;

  // Which severities are alerts to the bureau (PRODUCT.md: BREACH and SERIOUS).
  Severity alert_min_severity = Severity::kBreach;

  int cap_minutes(int grade, DayKind kind) const;
  bool no_homework_applies(int grade) const;
};

// The six profiles POLICY.md ships: national, xinyang, luoyang, hengyang, zhejiang, fushun.
std::vector<PolicyProfile> builtin_profiles();

// Profiles by name: the built-in ones, possibly overridden or extended by configuration.
class ProfileSet {
 public:
  ProfileSet();  // the built-in profiles
  void put(PolicyProfile profile);
  const PolicyProfile* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, PolicyProfile> profiles_;
};

}  // namespace hwload::analytics
