#include "hwload/analytics/calendar.h"

#include <cstdio>

namespace hwload::analytics {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days algorithms.
int32_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool parse_digits(std::string_view s, int& out) {
  out = 0;
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

int iso_weeks_in_year(int year) {
  // A year has 53 ISO weeks when Dec 28 falls in week 53.
  const Date dec28 = date_from_ymd(year, 12, 28);
  const int wd = iso_weekday(dec28);
  const Date thursday = dec28 + (4 - wd);
  const Date jan1 = date_from_ymd(year, 1, 1);
  return (thursday - jan1) / 7 + 1;
}

}  // namespace

Date date_from_ymd(int year, int month, int day) {
  return Date{days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day))};
}

void ymd_from_date(Date date, int& year, int& month, int& day) {
  int32_t z = date.days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = y + (month <= 2);
}

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  if (!parse_digits(text.substr(0, 4), y) || !parse_digits(text.substr(5, 2), m) ||
      !parse_digits(text.substr(8, 2), d)) {
    return std::nullopt;
  }
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
    return std::nullopt;
  }
  return date_from_ymd(y, m, d);
}

std::string format_date(Date date) {
  int y = 0, m = 0, d = 0;
  ymd_from_date(date, y, m, d);
  if (y >= 0 && y <= 9999) {  // every date a school keeps: digits by hand (no printf on the write path)
    std::string out = "0000-00-00";
    for (int i = 3; i >= 0; --i, y /= 10) out[static_cast<size_t>(i)] = static_cast<char>('0' + y % 10);
    out[5] = static_cast<char>('0' + m / 10);
    out[6] = static_cast<char>('0' + m % 10);
    out[8] = static_cast<char>('0' + d / 10);
    out[9] = static_cast<char>('0' + d % 10);
    return out;
  }
  char buf[40];  // room for any int, so the compiler need not prove the range
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

int iso_weekday(Date d) {
  // 1970-01-01 was a Thursday (ISO 4).
  const int r = ((d.days % 7) + 7) % 7;  // 0 = Thursday
  return (r + 3) % 7 + 1;
}

IsoWeek iso_week_of(Date d) {
  const Date thursday = d + (4 - iso_weekday(d));
  int y = 0, m = 0, day = 0;
  ymd_from_date(thursday, y, m, day);
  const Date jan1 = date_from_ymd(y, 1, 1);
  return IsoWeek{y, (thursday - jan1) / 7 + 1};
}

Date monday_of(IsoWeek w) {
  const Date jan4 = date_from_ymd(w.year, 1, 4);
  const Date week1_monday = jan4 - (iso_weekday(jan4) - 1);
  return week1_monday + (w.week - 1) * 7;
}

std::optional<IsoWeek> parse_iso_week(std::string_view text) {
  if (text.size() != 8 || text[4] != '-' || text[5] != 'W') return std::nullopt;
  int y = 0, w = 0;
  if (!parse_digits(text.substr(0, 4), y) || !parse_digits(text.substr(6, 2), w)) {
    return std::nullopt;
  }
  if (y < 1900 || y > 2999 || w < 1 || w > iso_weeks_in_year(y)) return std::nullopt;
  return IsoWeek{y, w};
}

std::string format_iso_week(IsoWeek w) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-W%02d", w.year, w.week);
  return buf;
}

std::string_view day_kind_name(DayKind kind) {
  switch (kind) {
    case DayKind::kSchoolDay:
      return "SCHOOL_DAY";
    case DayKind::kWeekend:
      return "WEEKEND";
    case DayKind::kHoliday:
      return "HOLIDAY";
    case DayKind::kVacation:
      return "VACATION";
  }
  return "SCHOOL_DAY";
}

DayKind SchoolCalendar::day_kind(Date d) const {
  if (auto it = overrides_.find(d); it != overrides_.end()) return it->second;
  return iso_weekday(d) >= 6 ? DayKind::kWeekend : DayKind::kSchoolDay;
}

}  // namespace hwload::analytics
