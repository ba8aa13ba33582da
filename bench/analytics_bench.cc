// Google Benchmarks of the pure analytics: the per-class-day work Service::reevaluate
// (load and breach rules after a write) and Service::compliance (a district's
// figures) do once the store has handed over the records. No store, no I/O.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hwload/analytics/breaches.h"
#include "hwload/analytics/calendar.h"
#include "hwload/analytics/compliance.h"
#include "hwload/analytics/load.h"
#include "hwload/analytics/policy.h"
#include "synthetic.h"

namespace hwload::bench {
namespace {

using analytics::AssignmentFacts;
using analytics::ClassDay;
using analytics::ComplianceTotals;
using analytics::Date;
using analytics::DayKind;
using analytics::DayLoadFigures;
using analytics::Finding;
using analytics::HomeworkType;
using analytics::PolicyProfile;
using analytics::SchoolCalendar;
using analytics::TimingFacts;

// Monday of ISO week 2026-W48 and of the first week of the autumn term.
const Date kWeekMonday = analytics::date_from_ymd(2026, 11, 23);
const Date kTermMonday = analytics::date_from_ymd(2026, 9, 7);

// One class's records for one date, as store::ClassRecords hands them to the rules:
// the assignments, then every student's minutes for each of them.
struct ClassDayRecords {
  int grade = 0;
  Date date;
  std::vector<AssignmentFacts> assignments;
  std::vector<TimingFacts> timings;
};

// `n_assignments` assignments for `grade`, each reported by all 40 students. Grades
// 1-2 may not be given written homework (cap 0), so theirs are reading and practice
// (not counted); from grade 3 they are written and required. About 2% carry a banned
// practice flag and 3% of reports are marked unfinished.
ClassDayRecords make_class_day(Synth& synth, int grade, Date date, int n_assignments) {
  ClassDayRecords day;
  day.grade = grade;
  day.date = date;
  const int first_subject = synth.uniform(0, static_cast<int>(kSubjects.size()) - 1);
  for (int i = 0; i < n_assignments; ++i) {
    AssignmentFacts a;
    a.assignment_id = synth.uuid();
    a.subject = synth.subject(first_subject + i);
    a.title = "第" + std::to_string(synth.uniform(1, 12)) + "单元练习";
    a.type = grade <= 2 ? (i % 2 == 0 ? HomeworkType::kReading : HomeworkType::kPractice) : HomeworkType::kWritten;
    a.estimated_minutes = synth.estimate_minutes();
    a.flags.requires_parent_grading = synth.chance(0.02);
    day.assignments.push_back(std::move(a));
  }
  day.timings.reserve(static_cast<size_t>(n_assignments * kStudentsPerClass));
  for (const auto& a : day.assignments) {
    for (int seat = 1; seat <= kStudentsPerClass; ++seat) {
      day.timings.push_back(TimingFacts{a.assignment_id, student_key(seat), synth.reported_minutes(a.estimated_minutes),
                                        synth.chance(0.03)});
    }
  }
  return day;
}

const PolicyProfile& profile(const std::string& name) {
  static const analytics::ProfileSet profiles;
  return *profiles.find(name);
}

// A calendar with the 2026 National Day holiday (Oct 1-7) and its two make-up
// school days, so day-kind lookups go through real overrides.
SchoolCalendar term_calendar(int no_homework_weekday) {
  std::map<Date, DayKind> overrides;
  for (int d = 1; d <= 7; ++d) overrides[analytics::date_from_ymd(2026, 10, d)] = DayKind::kHoliday;
  overrides[analytics::date_from_ymd(2026, 9, 27)] = DayKind::kSchoolDay;
  overrides[analytics::date_from_ymd(2026, 10, 10)] = DayKind::kSchoolDay;
  return SchoolCalendar(no_homework_weekday, std::move(overrides));
}

// ---------------------------------------------------------------------------------
// Day load: compute_day_load of one grade-5 class-day (cap 60) with 40 students
// reporting on each of Arg(0) written assignments. Items are student timings.

void BM_DayLoad(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Synth synth(20261123u + static_cast<uint32_t>(n));
  const ClassDayRecords day = make_class_day(synth, 5, kWeekMonday, n);
  const int cap = profile("national").cap_minutes(day.grade, DayKind::kSchoolDay);
  for (auto _ : state) {
    DayLoadFigures figures = analytics::compute_day_load(cap, day.assignments, day.timings);
    benchmark::DoNotOptimize(figures);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(day.timings.size()));
}
BENCHMARK(BM_DayLoad)->ArgName("assignments")->DenseRange(2, 6);

// ---------------------------------------------------------------------------------
// Breach evaluation of one class-day, as Service::reevaluate does it per date: the
// cap from the profile and calendar, the load, then evaluate_class_day. Grade 5,
// national profile; from 4 assignments the plan usually exceeds the 60-minute cap,
// so findings (with their detail strings) are built. Items are class-days.

void BM_EvaluateClassDay(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Synth synth(20261124u + static_cast<uint32_t>(n));
  const ClassDayRecords records = make_class_day(synth, 5, kWeekMonday, n);
  const PolicyProfile& national = profile("national");
  const SchoolCalendar calendar = term_calendar(0);
  size_t findings_seen = 0;
  for (auto _ : state) {
    ClassDay day;
    day.grade = records.grade;
    day.date = records.date;
    day.day_kind = calendar.day_kind(records.date);
    day.assignments = records.assignments;
    day.load = analytics::compute_day_load(national.cap_minutes(day.grade, day.day_kind), records.assignments,
                                           records.timings);
    std::vector<Finding> findings = analytics::evaluate_class_day(national, calendar, day);
    findings_seen = findings.size();
    benchmark::DoNotOptimize(findings);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["findings"] = static_cast<double>(findings_seen);
}
BENCHMARK(BM_EvaluateClassDay)->ArgName("assignments")->DenseRange(2, 6, 2);

// ---------------------------------------------------------------------------------
// A class's week, as Service::reevaluate does it for a grade-4 class of the hengyang
// profile (flexible no-homework week: calendar weekday 0) after the week is over:
// each of the 7 days gets its load, the class-day rules and the no-homework-week
// rule; then REPEATED over every window a changed date takes part in, with three
// prior weeks of breach history. Arg(0) assignments on each school day: 3 is a
// compliant class, 6 one over the cap every day (so REPEATED fires). Items are
// class-days.

void BM_EvaluateClassWeek(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Synth synth(20261125u + static_cast<uint32_t>(n));
  const PolicyProfile& hengyang = profile("hengyang");
  const SchoolCalendar calendar = term_calendar(0);
  constexpr int kGrade = 4;
  std::map<Date, ClassDayRecords> week;
  for (int i = 0; i < 7; ++i) {
    const Date d = kWeekMonday + i;
    const bool school_day = calendar.day_kind(d) == DayKind::kSchoolDay;
    week.emplace(d, make_class_day(synth, kGrade, d, school_day ? n : 0));
  }
  std::set<Date> history;  // breach dates of the three weeks before, as the store has them
  for (int i = 1; i <= 21; ++i) {
    const Date d = kWeekMonday - i;
    if (calendar.day_kind(d) == DayKind::kSchoolDay && synth.chance(n >= 5 ? 0.8 : 0.1)) history.insert(d);
  }
  const Date today = kWeekMonday + 7;
  auto has_counted = [&](Date d) {
    const auto& on = week.at(d).assignments;
    return std::any_of(on.begin(), on.end(), analytics::is_counted);
  };

  size_t findings_seen = 0, repeated_seen = 0;
  for (auto _ : state) {
    std::set<Date> breach_dates = history;
    findings_seen = 0;
    for (const auto& [d, records] : week) {
      ClassDay day;
      day.grade = kGrade;
      day.date = d;
      day.day_kind = calendar.day_kind(d);
      day.assignments = records.assignments;
      day.load =
          analytics::compute_day_load(hengyang.cap_minutes(kGrade, day.day_kind), records.assignments, records.timings);
      std::vector<Finding> findings = analytics::evaluate_class_day(hengyang, calendar, day);
      auto no_homework = analytics::evaluate_no_homework_week(hengyang, calendar, kGrade, analytics::iso_week_of(d),
                                                              today, has_counted);
      if (no_homework && no_homework->date == d) findings.push_back(no_homework->finding);
      for (const auto& f : findings) {
        if (f.severity >= analytics::Severity::kBreach) breach_dates.insert(d);
      }
      findings_seen += findings.size();
      benchmark::DoNotOptimize(findings);
    }
    const int window = hengyang.repeated_window_days;
    const auto repeated = analytics::repeated_dates(breach_dates, hengyang.repeated_count, window, kWeekMonday,
                                                    kWeekMonday + 6 + (window - 1));
    repeated_seen = repeated.size();
    benchmark::DoNotOptimize(repeated);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * 7);
  state.counters["findings"] = static_cast<double>(findings_seen);
  state.counters["repeated"] = static_cast<double>(repeated_seen);
}
BENCHMARK(BM_EvaluateClassWeek)->ArgName("assignments")->Arg(3)->Arg(6);

// ---------------------------------------------------------------------------------
// REPEATED alone: repeated_dates over Arg(0) days of a class's breach history (a
// week, a month, a term) with breaches on ~40% of school days. Items are days.

void BM_RepeatedDates(benchmark::State& state) {
  const int days = static_cast<int>(state.range(0));
  Synth synth(20261126u);
  const SchoolCalendar calendar = term_calendar(0);
  std::set<Date> breach_dates;
  for (int i = 0; i < days + 6; ++i) {
    const Date d = kTermMonday - 6 + i;
    if (calendar.day_kind(d) == DayKind::kSchoolDay && synth.chance(0.4)) breach_dates.insert(d);
  }
  for (auto _ : state) {
    auto repeated = analytics::repeated_dates(breach_dates, 3, 7, kTermMonday, kTermMonday + (days - 1));
    benchmark::DoNotOptimize(repeated);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * days);
}
BENCHMARK(BM_RepeatedDates)->ArgName("days")->Arg(7)->Arg(28)->Arg(140);

// ---------------------------------------------------------------------------------
// Compliance as Service::compliance computes it once the records are loaded: for
// each class and each school day, the cap from the profile and calendar, the day
// load, and ComplianceTotals::add_class_day. Classes are grades 1-9 in turn with 2-6
// assignments a day. Args: classes, school days (5: a week; 20: a month; 100: a
// term). To keep memory bounded the records are a pool of up to 500 classes x 5
// days (~400k timings, well beyond the caches), reused week after week. Items are
// class-days; `timings` is student timings per second.

struct CompliancePool {
  static constexpr int kClasses = 500;
  static constexpr int kDays = 5;
  std::vector<ClassDayRecords> class_days;  // [class * kDays + day]
  size_t timings = 0;
};

const CompliancePool& compliance_pool() {
  static const CompliancePool pool = [] {
    CompliancePool p;
    Synth synth(20260907u);
    p.class_days.reserve(CompliancePool::kClasses * CompliancePool::kDays);
    for (int c = 0; c < CompliancePool::kClasses; ++c) {
      const int grade = 1 + c % 9;
      for (int d = 0; d < CompliancePool::kDays; ++d) {
        p.class_days.push_back(make_class_day(synth, grade, kTermMonday + d, synth.uniform(2, 6)));
        p.timings += p.class_days.back().timings.size();
      }
    }
    return p;
  }();
  return pool;
}

void BM_Compliance(benchmark::State& state) {
  const int classes = static_cast<int>(state.range(0));
  const int school_days = static_cast<int>(state.range(1));
  const CompliancePool& pool = compliance_pool();
  const PolicyProfile& national = profile("national");
  const SchoolCalendar calendar = term_calendar(0);
  std::vector<Date> dates;
  for (Date d = kTermMonday; static_cast<int>(dates.size()) < school_days; d = d + 1) {
    if (calendar.day_kind(d) == DayKind::kSchoolDay) dates.push_back(d);
  }
  int64_t timings_per_iteration = 0;
  for (int c = 0; c < classes; ++c) {
    for (int d = 0; d < school_days; ++d) {
      const size_t k = static_cast<size_t>((c % CompliancePool::kClasses) * CompliancePool::kDays +
                                           d % CompliancePool::kDays);
      timings_per_iteration += static_cast<int64_t>(pool.class_days[k].timings.size());
    }
  }

  double share = 0;
  for (auto _ : state) {
    ComplianceTotals totals;
    for (int c = 0; c < classes; ++c) {
      const size_t first = static_cast<size_t>(c % CompliancePool::kClasses) * CompliancePool::kDays;
      for (int d = 0; d < school_days; ++d) {
        const ClassDayRecords& records = pool.class_days[first + static_cast<size_t>(d % CompliancePool::kDays)];
        const Date date = dates[static_cast<size_t>(d)];
        const int cap = national.cap_minutes(records.grade, calendar.day_kind(date));
        totals.add_class_day(analytics::compute_day_load(cap, records.assignments, records.timings));
      }
    }
    share = totals.share_within_cap();
    benchmark::DoNotOptimize(totals);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * classes * school_days);
  state.counters["timings"] =
      benchmark::Counter(static_cast<double>(state.iterations() * timings_per_iteration), benchmark::Counter::kIsRate);
  state.counters["share_within_cap"] = share;
}
// A county's week, then a range up to a county's term.
BENCHMARK(BM_Compliance)->ArgNames({"classes", "days"})->Args({500, 5})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Compliance)
    ->ArgNames({"classes", "days"})
    ->ArgsProduct({{50, 500}, {20, 100}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hwload::bench
