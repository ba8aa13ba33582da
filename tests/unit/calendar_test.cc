// Unit tests for civil dates, ISO weeks and the school calendar (POLICY.md R2, R3).
#include "hwload/analytics/calendar.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hwload::analytics {
namespace {

// Days since 1970-01-01 of 2026-11-23 (a Monday), computed independently.
constexpr int32_t kMonday20261123 = 20780;

Date D(int y, int m, int d) { return date_from_ymd(y, m, d); }

TEST(CalendarDate, DateFromYmdCountsDaysSinceUnixEpoch) {
  EXPECT_EQ(D(1970, 1, 1).days, 0);
  EXPECT_EQ(D(1970, 1, 2).days, 1);
  EXPECT_EQ(D(1969, 12, 31).days, -1);
  EXPECT_EQ(D(2026, 11, 23).days, kMonday20261123);
  EXPECT_EQ(D(2000, 3, 1) - D(2000, 2, 28), 2);  // 2000 is a leap year
  EXPECT_EQ(D(2100, 3, 1) - D(2100, 2, 28), 1);  // 2100 is not
}

TEST(CalendarDate, YmdFromDateInvertsDateFromYmd) {
  const int cases[][3] = {{1900, 1, 1},  {1900, 3, 1},   {1969, 12, 31}, {1970, 1, 1},
                          {2000, 2, 29}, {2026, 11, 23}, {2028, 2, 29},  {2999, 12, 31}};
  for (const auto& c : cases) {
    int y = 0, m = 0, d = 0;
    ymd_from_date(D(c[0], c[1], c[2]), y, m, d);
    EXPECT_EQ(y, c[0]);
    EXPECT_EQ(m, c[1]);
    EXPECT_EQ(d, c[2]);
  }
}

TEST(CalendarDate, DateArithmeticAndOrdering) {
  const Date monday = D(2026, 11, 23);
  EXPECT_EQ(monday + 6, D(2026, 11, 29));
  EXPECT_EQ(monday - 1, D(2026, 11, 22));
  EXPECT_EQ(D(2027, 1, 1) - D(2026, 1, 1), 365);
  EXPECT_LT(monday, monday + 1);
  EXPECT_GT(monday, monday - 1);
}

TEST(CalendarParseDate, AcceptsStrictIsoDate) {
  const auto d = parse_date("2026-11-23");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->days, kMonday20261123);
  EXPECT_EQ(parse_date("1970-01-01"), Date{0});
}

TEST(CalendarParseDate, RejectsMalformedText) {
  const char* bad[] = {"",           "2026",       "2026-1-01",  "2026-01-1",   "26-01-01",    "2026/01/01",
                       "2026.01.01", "20260101",   "2026-0101",  " 2026-01-01", "2026-01-01 ", "2026-01-01T00:00:00Z",
                       "2026-01-0a", "2026-0a-01", "abcd-01-01", "+026-01-01",  "-026-01-01",  "2026--1-01",
                       "2026-01--1", "2026-+1-01", "2026_01_01"};
  for (const char* text : bad) {
    EXPECT_FALSE(parse_date(text).has_value()) << '"' << text << '"';
  }
}

TEST(CalendarParseDate, RejectsDaysThatDoNotExist) {
  const char* bad[] = {"2026-02-29", "2026-02-30", "2026-04-31", "2026-06-31", "2026-09-31", "2026-11-31",
                       "2026-01-32", "2026-01-00", "2026-00-10", "2026-13-01", "2100-02-29", "1900-02-29"};
  for (const char* text : bad) {
    EXPECT_FALSE(parse_date(text).has_value()) << text;
  }
}

TEST(CalendarParseDate, AcceptsLeapDaysOfLeapYears) {
  EXPECT_EQ(parse_date("2028-02-29"), D(2028, 2, 29));
  EXPECT_EQ(parse_date("2000-02-29"), D(2000, 2, 29));
  EXPECT_EQ(parse_date("2024-02-29"), D(2024, 2, 29));
  EXPECT_EQ(parse_date("2026-12-31"), D(2026, 12, 31));
}

TEST(CalendarParseDate, AcceptsOnlyYears1900To2999) {
  EXPECT_EQ(parse_date("1900-01-01"), D(1900, 1, 1));
  EXPECT_EQ(parse_date("2999-12-31"), D(2999, 12, 31));
  EXPECT_FALSE(parse_date("1899-12-31").has_value());
  EXPECT_FALSE(parse_date("3000-01-01").has_value());
  EXPECT_FALSE(parse_date("0000-01-01").has_value());
  EXPECT_FALSE(parse_date("9999-12-31").has_value());
}

TEST(CalendarFormatDate, PadsYearMonthAndDay) {
  EXPECT_EQ(format_date(D(2026, 1, 5)), "2026-01-05");
  EXPECT_EQ(format_date(Date{0}), "1970-01-01");
  EXPECT_EQ(format_date(Date{kMonday20261123}), "2026-11-23");
  EXPECT_EQ(format_date(D(1900, 1, 1)), "1900-01-01");
  // The ends of the four-digit years, and the printf fallback beyond them.
  EXPECT_EQ(format_date(D(0, 1, 1)), "0000-01-01");
  EXPECT_EQ(format_date(D(9, 10, 9)), "0009-10-09");
  EXPECT_EQ(format_date(D(9999, 12, 31)), "9999-12-31");
  EXPECT_EQ(format_date(D(9999, 12, 31) + 1), "10000-01-01");
  EXPECT_EQ(format_date(D(0, 1, 1) - 1), "-001-12-31");
}

TEST(CalendarFormatDate, RoundTripsThroughParseDate) {
  for (const char* text : {"1900-01-01", "1969-12-31", "2000-02-29", "2026-11-23", "2028-02-29", "2999-12-31"}) {
    const auto d = parse_date(text);
    ASSERT_TRUE(d.has_value()) << text;
    EXPECT_EQ(format_date(*d), text);
  }
  // Every day of 2026 through 2028 (includes a leap year) survives format then parse.
  for (Date d = D(2026, 1, 1); d <= D(2028, 12, 31); d = d + 1) {
    EXPECT_EQ(parse_date(format_date(d)), d) << d.days;
  }
}

TEST(CalendarIsoWeekday, KnownDates) {
  EXPECT_EQ(iso_weekday(D(2026, 11, 23)), 1);  // Monday
  EXPECT_EQ(iso_weekday(D(2026, 11, 25)), 3);  // Wednesday
  EXPECT_EQ(iso_weekday(D(2026, 11, 27)), 5);  // Friday
  EXPECT_EQ(iso_weekday(D(2026, 11, 28)), 6);  // Saturday
  EXPECT_EQ(iso_weekday(D(2026, 11, 29)), 7);  // Sunday
  EXPECT_EQ(iso_weekday(D(1970, 1, 1)), 4);    // Thursday
  EXPECT_EQ(iso_weekday(D(1969, 12, 31)), 3);  // before the epoch: Wednesday
  EXPECT_EQ(iso_weekday(D(1969, 12, 28)), 7);  // Sunday
  EXPECT_EQ(iso_weekday(D(1900, 1, 1)), 1);    // Monday
}

TEST(CalendarIsoWeekday, CyclesThroughOneToSeven) {
  for (int i = 0; i < 28; ++i) {
    EXPECT_EQ(iso_weekday(D(2026, 11, 23) + i), i % 7 + 1);
  }
}

TEST(CalendarIsoWeek, WeekOfYearBoundaryDates) {
  EXPECT_EQ(iso_week_of(D(2026, 1, 1)), (IsoWeek{2026, 1}));
  EXPECT_EQ(iso_week_of(D(2025, 12, 29)), (IsoWeek{2026, 1}));  // Monday of 2026-W01
  EXPECT_EQ(iso_week_of(D(2025, 12, 28)), (IsoWeek{2025, 52}));
  EXPECT_EQ(iso_week_of(D(2026, 12, 31)), (IsoWeek{2026, 53}));
  EXPECT_EQ(iso_week_of(D(2027, 1, 1)), (IsoWeek{2026, 53}));
  EXPECT_EQ(iso_week_of(D(2027, 1, 3)), (IsoWeek{2026, 53}));
  EXPECT_EQ(iso_week_of(D(2027, 1, 4)), (IsoWeek{2027, 1}));
  EXPECT_EQ(iso_week_of(D(2020, 12, 31)), (IsoWeek{2020, 53}));
  EXPECT_EQ(iso_week_of(D(2021, 1, 3)), (IsoWeek{2020, 53}));
  EXPECT_EQ(iso_week_of(D(2026, 11, 23)), (IsoWeek{2026, 48}));
  EXPECT_EQ(iso_week_of(D(2026, 11, 29)), (IsoWeek{2026, 48}));
}

TEST(CalendarIsoWeek, MondayOfKnownWeeks) {
  EXPECT_EQ(monday_of(IsoWeek{2026, 1}), D(2025, 12, 29));
  EXPECT_EQ(monday_of(IsoWeek{2026, 48}), D(2026, 11, 23));
  EXPECT_EQ(monday_of(IsoWeek{2026, 53}), D(2026, 12, 28));
  EXPECT_EQ(monday_of(IsoWeek{2020, 53}), D(2020, 12, 28));
  EXPECT_EQ(monday_of(IsoWeek{2027, 1}), D(2027, 1, 4));
}

TEST(CalendarIsoWeek, MondayOfInvertsIsoWeekOf) {
  for (Date d = D(2024, 12, 1); d <= D(2028, 1, 31); d = d + 1) {
    const IsoWeek w = iso_week_of(d);
    const Date monday = monday_of(w);
    EXPECT_EQ(iso_weekday(monday), 1);
    EXPECT_EQ(d - monday, iso_weekday(d) - 1) << format_date(d);
  }
}

TEST(CalendarParseIsoWeek, AcceptsStrictWeeks) {
  EXPECT_EQ(parse_iso_week("2026-W47"), (IsoWeek{2026, 47}));
  EXPECT_EQ(parse_iso_week("2026-W01"), (IsoWeek{2026, 1}));
  EXPECT_EQ(parse_iso_week("2025-W52"), (IsoWeek{2025, 52}));
}

TEST(CalendarParseIsoWeek, AcceptsWeek53OnlyInLongYears) {
  EXPECT_EQ(parse_iso_week("2026-W53"), (IsoWeek{2026, 53}));
  EXPECT_EQ(parse_iso_week("2020-W53"), (IsoWeek{2020, 53}));
  EXPECT_FALSE(parse_iso_week("2025-W53").has_value());  // 2025 has 52 ISO weeks
  EXPECT_FALSE(parse_iso_week("2027-W53").has_value());
  EXPECT_FALSE(parse_iso_week("2026-W54").has_value());
}

TEST(CalendarParseIsoWeek, RejectsMalformedText) {
  const char* bad[] = {"",         "2026-W5",   "2026-W047", "2026W47",   "2026-w47", "2026-47",
                       "2026-W00", "2026-Wab",  "2026-W-1",  "2026-W+1",  "26-W47",   "1899-W52",
                       "3000-W01", " 2026-W47", "2026-W4 ",  "2026-11-23"};
  for (const char* text : bad) {
    EXPECT_FALSE(parse_iso_week(text).has_value()) << '"' << text << '"';
  }
}

TEST(CalendarFormatIsoWeek, PadsAndRoundTrips) {
  EXPECT_EQ(format_iso_week(IsoWeek{2026, 5}), "2026-W05");
  EXPECT_EQ(format_iso_week(IsoWeek{2026, 47}), "2026-W47");
  for (const char* text : {"2026-W01", "2026-W47", "2026-W53", "2020-W53"}) {
    const auto w = parse_iso_week(text);
    ASSERT_TRUE(w.has_value()) << text;
    EXPECT_EQ(format_iso_week(*w), text);
  }
}

TEST(CalendarDayKind, NamesMatchTheWireEnum) {
  EXPECT_EQ(day_kind_name(DayKind::kSchoolDay), "SCHOOL_DAY");
  EXPECT_EQ(day_kind_name(DayKind::kWeekend), "WEEKEND");
  EXPECT_EQ(day_kind_name(DayKind::kHoliday), "HOLIDAY");
  EXPECT_EQ(day_kind_name(DayKind::kVacation), "VACATION");
}

TEST(SchoolCalendar, WeekdayRuleMakesSaturdayAndSundayWeekends) {
  const SchoolCalendar calendar;
  const Date monday = D(2026, 11, 23);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(calendar.day_kind(monday + i), DayKind::kSchoolDay) << i;
  }
  EXPECT_EQ(calendar.day_kind(monday + 5), DayKind::kWeekend);
  EXPECT_EQ(calendar.day_kind(monday + 6), DayKind::kWeekend);
  EXPECT_EQ(calendar.no_homework_weekday(), 0);
  EXPECT_TRUE(calendar.overrides().empty());
}

TEST(SchoolCalendar, OverrideMakesSaturdayASchoolDay) {
  // 调休: Saturday 2026-10-10 is a make-up school day.
  const Date saturday = D(2026, 10, 10);
  ASSERT_EQ(iso_weekday(saturday), 6);
  const SchoolCalendar calendar(0, {{saturday, DayKind::kSchoolDay}});
  EXPECT_EQ(calendar.day_kind(saturday), DayKind::kSchoolDay);
  EXPECT_EQ(calendar.day_kind(saturday + 1), DayKind::kWeekend);  // Sunday keeps the rule
  EXPECT_EQ(calendar.day_kind(saturday - 7), DayKind::kWeekend);  // other Saturdays too
}

TEST(SchoolCalendar, OverrideMakesWeekdayAHoliday) {
  const Date thursday = D(2026, 10, 1);  // 国庆节
  ASSERT_EQ(iso_weekday(thursday), 4);
  const SchoolCalendar calendar(0, {{thursday, DayKind::kHoliday}});
  EXPECT_EQ(calendar.day_kind(thursday), DayKind::kHoliday);
  EXPECT_EQ(calendar.day_kind(thursday - 1), DayKind::kSchoolDay);
  EXPECT_EQ(calendar.day_kind(thursday + 1), DayKind::kSchoolDay);
}

TEST(SchoolCalendar, OverrideMarksVacationDays) {
  const Date wednesday = D(2026, 7, 15);
  const Date saturday = D(2026, 7, 18);
  const SchoolCalendar calendar(3, {{wednesday, DayKind::kVacation}, {saturday, DayKind::kVacation}});
  EXPECT_EQ(calendar.day_kind(wednesday), DayKind::kVacation);
  EXPECT_EQ(calendar.day_kind(saturday), DayKind::kVacation);
  EXPECT_EQ(calendar.day_kind(wednesday + 1), DayKind::kSchoolDay);
  EXPECT_EQ(calendar.no_homework_weekday(), 3);
  EXPECT_EQ(calendar.overrides().size(), 2u);
  EXPECT_EQ(calendar.overrides().at(wednesday), DayKind::kVacation);
}

}  // namespace
}  // namespace hwload::analytics
