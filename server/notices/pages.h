// Server-rendered pages: the public disclosure notice (作业公示, POLICY.md R6), the
// notice index, and the grade leader's weekly review (R5) with its CSV export.
// Pure functions of the data they are given: no I/O, no clock. Every text that came
// from a client is escaped; no page needs a script.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hwload/v1/hwload.pb.h"

namespace hwload::notices {

namespace pb = ::hwload::v1;

// Who is looking at a /ui/ page: shown at its top, with a logout button when they
// came through a browser session (whose CSRF token every form of the page carries).
struct Viewer {
  std::string label;  // the token's label, e.g. 王老师
  std::string role;   // teacher, grade_leader, ...
  std::string csrf;   // empty: no session (a Bearer client), no logout button
};

// Everything the weekly review page shows, gathered by the service.
struct WeekReview {
  pb::School school;
  pb::GradeWeek week;                     // one ClassLoad per class, Monday to Sunday
  std::vector<pb::Breach> open_breaches;  // the grade's open breaches in the week
  std::string previous_week, next_week;   // ISO weeks, for the links
  Viewer viewer;                          // set by the API for the forms
  bool can_acknowledge = true;            // false: the viewer may not, no form is shown
};

struct PageOptions {
  int utc_offset_minutes = 480;  // published_at is shown in the schools' local time
};

// A notice's page: zh-CN, readable on a phone, one A4 sheet per grade when printed.
// An older version says that a newer one exists and links to it.
std::string render_notice_page(const pb::Notice& notice, const PageOptions& options = {});
// A page of a school's notices, newest first (without their classes), with a link
// to the older ones when `list.next_before` says there are more.
std::string render_notice_index(const pb::School& school, const pb::NoticeList& list, const PageOptions& options = {});
// The weekly review: heatmap of classes x days, subject shares, measured vs planned,
// open breaches with an acknowledge form, links to the neighbouring weeks.
std::string render_week_review(const WeekReview& review);
// The heatmap's table for Excel: UTF-8 with a BOM, Chinese headers, CRLF rows.
std::string render_week_csv(const WeekReview& review);
// A school's start page for grade leaders: each grade's review of `week`, and the
// notices.
std::string render_school_home(const pb::School& school, const std::vector<int>& grades, const std::string& week,
                               const Viewer& viewer = {});
// The start page of a bureau or an operator: the schools they oversee.
std::string render_overview(const std::vector<pb::School>& schools, const Viewer& viewer);
// The login page: a token is pasted in once, and a session cookie carries it on.
// `next` is where to go after logging in; `error` says why the last try failed.
std::string render_login_page(std::string_view next, std::string_view error);
// A small page for an error on an HTML route.
std::string render_error_page(int status, std::string_view message);

// HTML-escapes text for element content and quoted attribute values.
std::string escape_html(std::string_view text);
// One CSV field: quoted when needed, and prefixed with ' when a spreadsheet would
// read it as a formula.
std::string csv_field(std::string_view text);

// Chinese labels.
std::string grade_label(int grade);          // 一年级 ... 九年级
std::string weekday_label(int iso_weekday);  // 星期一 ... 星期日
std::string day_kind_label(pb::DayKind kind);
std::string homework_type_label(pb::HomeworkType type);
std::string breach_kind_label(pb::BreachKind kind);
std::string severity_label(pb::Severity severity);

}  // namespace hwload::notices
