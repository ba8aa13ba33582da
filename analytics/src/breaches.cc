#include "hwload/analytics/breaches.h"

#include <cmath>

namespace hwload::analytics {

std::string_view breach_kind_name(BreachKind kind) {
  switch (kind) {
    case BreachKind::kPlannedOverCap:
      return "PLANNED_OVER_CAP";
    case BreachKind::kMeasuredOverCap:
      return "MEASURED_OVER_CAP";
    case BreachKind::kWrittenForbidden:
      return "WRITTEN_FORBIDDEN";
    case BreachKind::kNoHomeworkDay:
      return "NO_HOMEWORK_DAY";
    case BreachKind::kBannedPractice:
      return "BANNED_PRACTICE";
    case BreachKind::kRepeated:
      return "REPEATED";
  }
  return "UNKNOWN";
}

Severity severity_of(BreachKind kind) {
  switch (kind) {
    case BreachKind::kPlannedOverCap:
      return Severity::kWarning;
    case BreachKind::kRepeated:
      return Severity::kSerious;
    default:
      return Severity::kBreach;
  }
}

bool is_fixed_no_homework_day(const PolicyProfile& profile, const SchoolCalendar& calendar, int grade, Date date) {
  return profile.no_homework_applies(grade) && calendar.no_homework_weekday() != 0 &&
         iso_weekday(date) == calendar.no_homework_weekday();
}

std::vector<Finding> evaluate_class_day(const PolicyProfile& profile, const SchoolCalendar& calendar,
                                        const ClassDay& day) {
  std::vector<Finding> out;
  const DayLoadFigures& load = day.load;
  const int cap = load.cap_minutes;
  auto add = [&](BreachKind kind, int minutes, std::string detail) {
    out.push_back(Finding{kind, severity_of(kind), minutes, cap, std::move(detail)});
  };

  if (cap == 0 && load.has_counted) {
    add(BreachKind::kWrittenForbidden, load.planned_minutes,
        "grade " + std::to_string(day.grade) + " may not be given written homework to take home (cap 0); " +
            std::to_string(load.planned_minutes) + " min planned");
  }
  if (cap > 0 && load.planned_minutes > cap) {
    add(BreachKind::kPlannedOverCap, load.planned_minutes,
        "planned written homework " + std::to_string(load.planned_minutes) + " min exceeds the " + std::to_string(cap) +
            " min cap");
  }
  if (cap > 0 && exceeds(load.measured_mean_minutes, cap)) {
    const int mean_up = ceil_minutes(load.measured_mean_minutes);
    char mean[32];
    std::snprintf(mean, sizeof mean, "%.1f", load.measured_mean_minutes);
    add(BreachKind::kMeasuredOverCap, mean_up,
        std::string("measured mean completion time ") + mean + " min exceeds the " + std::to_string(cap) +
            " min cap (" + std::to_string(load.students_over_cap) + " of " + std::to_string(load.students_reported) +
            " students over)");
  }
  if (load.has_counted && is_fixed_no_homework_day(profile, calendar, day.grade, day.date)) {
    // The day's cap is 0 whatever the grade's cap on other days.
    out.push_back(Finding{BreachKind::kNoHomeworkDay, severity_of(BreachKind::kNoHomeworkDay), load.planned_minutes, 0,
                          "written homework set on the class's weekly no-homework day (ISO weekday " +
                              std::to_string(calendar.no_homework_weekday()) + ")"});
  }
  std::string banned;
  for (const auto& a : day.assignments) {
    if (a.withdrawn || !a.flags.any()) continue;
    if (!banned.empty()) banned += "; ";
    banned += a.subject + " \"" + a.title + "\": " + a.flags.describe();
  }
  if (!banned.empty()) add(BreachKind::kBannedPractice, load.planned_minutes, "banned practice: " + banned);
  return out;
}

std::optional<Date> last_school_day(const SchoolCalendar& calendar, IsoWeek week) {
  const Date monday = monday_of(week);
  for (int i = 6; i >= 0; --i) {
    if (calendar.day_kind(monday + i) == DayKind::kSchoolDay) return monday + i;
  }
  return std::nullopt;
}

std::optional<DatedFinding> evaluate_no_homework_week(const PolicyProfile& profile, const SchoolCalendar& calendar,
                                                      int grade, IsoWeek week, Date today,
                                                      const std::function<bool(Date)>& has_counted) {
  if (!profile.no_homework_applies(grade) || calendar.no_homework_weekday() != 0) return std::nullopt;
  const Date monday = monday_of(week);
  if (today <= monday + 6) return std::nullopt;  // the week is not over yet
  auto last = last_school_day(calendar, week);
  if (!last) return std::nullopt;
  int school_days = 0;
  for (int i = 0; i < 7; ++i) {
    const Date d = monday + i;
    if (calendar.day_kind(d) != DayKind::kSchoolDay) continue;
    ++school_days;
    if (!has_counted(d)) return std::nullopt;
  }
  return DatedFinding{*last, Finding{BreachKind::kNoHomeworkDay, severity_of(BreachKind::kNoHomeworkDay), 0, 0,
                                     "no school day of " + format_iso_week(week) + " was free of written homework (" +
                                         std::to_string(school_days) + " of " + std::to_string(school_days) +
                                         " school days had some)"}};
}

std::vector<Date> repeated_dates(const std::set<Date>& breach_dates, int count, int window_days, Date from, Date to) {
  std::vector<Date> out;
  for (auto it = breach_dates.lower_bound(from); it != breach_dates.end() && *it <= to; ++it) {
    const Date d = *it;
    auto first = breach_dates.lower_bound(d - (window_days - 1));
    const auto n = std::distance(first, std::next(it));
    if (n >= count) out.push_back(d);
  }
  return out;
}

}  // namespace hwload::analytics
