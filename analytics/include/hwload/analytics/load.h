// The day load of one class on one date, exactly as PRODUCT.md "How load and
// breaches are computed" defines it.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace hwload::analytics {

enum class HomeworkType { kWritten = 1, kReading, kPractice, kPhysical, kArts, kInquiry, kLabor, kOther };

// The banned practices of POLICY.md R4 a record can carry.
struct BannedFlags {
  bool requires_parent_grading = false;
  bool assigned_to_parents = false;
  bool requires_self_grading = false;
  bool punitive = false;
  bool repetitive = false;
  bool any() const {
    return requires_parent_grading || assigned_to_parents || requires_self_grading || punitive || repetitive;
  }
  // Names of the flags set, comma separated (e.g. "requires_parent_grading,punitive").
  std::string describe() const;
};

struct AssignmentFacts {
  std::string assignment_id;
  std::string subject;
  std::string title;
  HomeworkType type = HomeworkType::kWritten;
  bool optional = false;  // tier OPTIONAL
  bool withdrawn = false;
  int estimated_minutes = 0;
  BannedFlags flags;
};

// Counted toward the cap: WRITTEN, REQUIRED, not withdrawn (R1).
bool is_counted(const AssignmentFacts& a);

struct TimingFacts {
  std::string assignment_id;
  std::string student_key;
  int minutes = 0;
  bool unfinished = false;
};

struct SubjectLoad {
  std::string subject;
  int planned_minutes = 0;
  double measured_mean_minutes = 0;
};

struct DayLoadFigures {
  int cap_minutes = 0;
  int planned_minutes = 0;
  double measured_mean_minutes = 0;
  int measured_p90_minutes = 0;
  int students_reported = 0;
  int students_over_cap = 0;
  int students_unfinished = 0;
  bool has_counted = false;           // at least one counted assignment
  std::vector<SubjectLoad> subjects;  // by subject, in byte order of the name
  std::vector<int> student_totals;    // per reporting student, ascending
};

// `assignments` are the class's records for the date (withdrawn ones are ignored);
// `timings` hold at most one figure per (assignment, student). Timings of assignments
// not in `assignments` or not counted are ignored.
DayLoadFigures compute_day_load(int cap_minutes, std::span<const AssignmentFacts> assignments,
                                std::span<const TimingFacts> timings);

// Means are sums of per-assignment means (fractions with small denominators), so a
// mean exactly at the cap may carry floating-point error: comparisons with a cap
// and rounding up to whole minutes allow for it.
inline constexpr double kMinutesEpsilon = 1e-9;
bool exceeds(double minutes, int cap_minutes);
int ceil_minutes(double minutes);

// Nearest rank: the smallest value v of `sorted` such that at least 90% of the values
// are <= v. 0 for an empty input. Precondition: ascending.
int nearest_rank_p90(std::span<const int> sorted);

}  // namespace hwload::analytics
