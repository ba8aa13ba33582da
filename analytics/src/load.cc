#include "hwload/analytics/load.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace hwload::analytics {

std::string BannedFlags::describe() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ",";
    out += name;
  };
  add(requires_parent_grading, "requires_parent_grading");
  add(assigned_to_parents, "assigned_to_parents");
  add(requires_self_grading, "requires_self_grading");
  add(punitive, "punitive");
  add(repetitive, "repetitive");
  return out;
}

bool exceeds(double minutes, int cap_minutes) { return minutes > cap_minutes + kMinutesEpsilon; }

int ceil_minutes(double minutes) { return static_cast<int>(std::ceil(minutes - kMinutesEpsilon)); }

bool is_counted(const AssignmentFacts& a) { return a.type == HomeworkType::kWritten && !a.optional && !a.withdrawn; }

int nearest_rank_p90(std::span<const int> sorted) {
  if (sorted.empty()) return 0;
  // rank = ceil(0.9 * n), computed in integers to avoid floating error.
  const size_t n = sorted.size();
  const size_t rank = (9 * n + 9) / 10;
  return sorted[rank - 1];
}

DayLoadFigures compute_day_load(int cap_minutes, std::span<const AssignmentFacts> assignments,
                                std::span<const TimingFacts> timings) {
  DayLoadFigures out;
  out.cap_minutes = cap_minutes;

  std::unordered_map<std::string_view, const AssignmentFacts*> counted;
  std::map<std::string, SubjectLoad> subjects;
  for (const auto& a : assignments) {
    if (!is_counted(a)) continue;
    counted.emplace(a.assignment_id, &a);
    out.planned_minutes += a.estimated_minutes;
    out.has_counted = true;
    SubjectLoad& s = subjects[a.subject];
    s.subject = a.subject;
    s.planned_minutes += a.estimated_minutes;
  }

  struct Sum {
    long long minutes = 0;
    int n = 0;
  };
  struct Student {
    int total = 0;
    bool unfinished = false;
  };
  std::map<std::string_view, Sum> per_assignment;  // ordered: a deterministic sum
  // Unordered: the totals are sorted below, and the rest are counts.
  std::unordered_map<std::string_view, Student> per_student;
  per_student.reserve(timings.size());
  for (const auto& t : timings) {
    if (!counted.contains(t.assignment_id)) continue;
    Sum& s = per_assignment[t.assignment_id];
    s.minutes += t.minutes;
    s.n += 1;
    Student& st = per_student[t.student_key];
    st.total += t.minutes;
    st.unfinished = st.unfinished || t.unfinished;
  }

  for (const auto& [id, sum] : per_assignment) {
    const double mean = static_cast<double>(sum.minutes) / sum.n;
    out.measured_mean_minutes += mean;
    subjects[counted.at(id)->subject].measured_mean_minutes += mean;
  }

  out.student_totals.reserve(per_student.size());
  for (const auto& [_, st] : per_student) {
    out.student_totals.push_back(st.total);
    if (st.total > cap_minutes) ++out.students_over_cap;
    if (st.unfinished) ++out.students_unfinished;
  }
  std::sort(out.student_totals.begin(), out.student_totals.end());
  out.students_reported = static_cast<int>(per_student.size());
  out.measured_p90_minutes = nearest_rank_p90(out.student_totals);
  for (auto& [_, s] : subjects) out.subjects.push_back(std::move(s));
  return out;
}

}  // namespace hwload::analytics
