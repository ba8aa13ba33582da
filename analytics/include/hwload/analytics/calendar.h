// Civil dates, ISO weeks and the school calendar (POLICY.md R2, R3).
// Pure: no clock reads; "today" is always passed in.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hwload::analytics {

// A proleptic Gregorian date, stored as days since 1970-01-01.
struct Date {
  int32_t days = 0;
  auto operator<=>(const Date&) const = default;
  Date operator+(int32_t n) const { return Date{days + n}; }
  Date operator-(int32_t n) const { return Date{days - n}; }
  int32_t operator-(Date other) const { return days - other.days; }
};

Date date_from_ymd(int year, int month, int day);
void ymd_from_date(Date d, int& year, int& month, int& day);

// Strict `YYYY-MM-DD` (years 1900-2999); nullopt for anything else, including 2026-02-30.
std::optional<Date> parse_date(std::string_view text);
std::string format_date(Date d);

// ISO weekday: 1 Monday ... 7 Sunday.
int iso_weekday(Date d);

struct IsoWeek {
  int year = 0;
  int week = 0;
  auto operator<=>(const IsoWeek&) const = default;
};

IsoWeek iso_week_of(Date d);
Date monday_of(IsoWeek w);
// Strict `YYYY-Www` (e.g. 2026-W47); rejects week 53 in years that have none.
std::optional<IsoWeek> parse_iso_week(std::string_view text);
std::string format_iso_week(IsoWeek w);

enum class DayKind { kSchoolDay = 1, kWeekend = 2, kHoliday = 3, kVacation = 4 };
std::string_view day_kind_name(DayKind kind);

// A school's calendar: the weekday rule (Saturday and Sunday are weekends, other
// days school days) unless a per-date override says otherwise (调休 make-up days,
// public holidays, vacations).
class SchoolCalendar {
 public:
  SchoolCalendar() = default;
  SchoolCalendar(int no_homework_weekday, std::map<Date, DayKind> overrides)
      : no_homework_weekday_(no_homework_weekday), overrides_(std::move(overrides)) {}

  DayKind day_kind(Date d) const;
  // ISO weekday chosen as the weekly no-written-homework day; 0 when none is fixed.
  int no_homework_weekday() const { return no_homework_weekday_; }
  const std::map<Date, DayKind>& overrides() const { return overrides_; }

 private:
  int no_homework_weekday_ = 0;
  std::map<Date, DayKind> overrides_;
};

}  // namespace hwload::analytics
