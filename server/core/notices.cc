// The Service's disclosure notices (POLICY.md R6) and the grade leader's weekly
// review (R5). A notice is an immutable snapshot: classes, subjects, content and
// minutes, never a student key, a timing, a score or a ranking.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "core/service.h"
#include "core/validate.h"

namespace hwload::core {
namespace {

using analytics::Date;

std::string daily_subject(Date d) { return "D:" + analytics::format_date(d); }
std::string weekly_subject(const std::string& week, int grade) { return "W:" + week + ":" + std::to_string(grade); }

// What a notice says, without what names a version of it, in a deterministic
// encoding: two snapshots are the same notice when these bytes are equal.
std::string content_of(pb::Notice n) {
  n.clear_notice_id();
  n.clear_version();
  n.clear_published_at();
  n.clear_html_url();
  n.clear_published_by();
  n.clear_latest_version();
  n.clear_latest_notice_id();
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    n.SerializeToCodedStream(&coded);
  }
  return out;
}

// "HH:MM", 00:00-23:59, as minutes after midnight.
std::optional<int> parse_time_of_day(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (const size_t i : {0u, 1u, 3u, 4u}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

Status unknown_notice(const std::string& school_id, const std::string& notice_id) {
  return Status(Code::kNotFound, "unknown notice \"" + notice_id + "\" of school \"" + school_id + "\"",
                {{"notice_id", "must name a published notice of school " + school_id}});
}

}  // namespace

pb::NoticeClass Service::notice_class(const SchoolContext& ctx, const pb::Class& klass, Date from, Date to,
                                      bool with_assignments) {
  pb::NoticeClass out;
  out.set_class_id(klass.class_id());
  out.set_class_name(klass.name());
  out.set_grade(klass.grade());
  const analytics::PolicyProfile& profile = *ctx.profile;
  const bool fixed_day = profile.no_homework_applies(klass.grade()) && ctx.calendar.no_homework_weekday() != 0;
  bool flexible_day_found = false;
  for (Date d = from; d <= to; d = d + 1) {
    pb::NoticeDay& day = *out.add_days();
    const analytics::DayKind kind = ctx.calendar.day_kind(d);
    day.set_date(analytics::format_date(d));
    day.set_day_kind(static_cast<pb::DayKind>(kind));
    day.set_cap_minutes(profile.cap_minutes(klass.grade(), kind));
    int written = 0;
    for (const auto& stored : store_.assignments_on(ctx.school.school_id(), klass.class_id(), d)) {
      if (stored.withdrawn) continue;
      const pb::Assignment& a = stored.assignment;
      if (a.type() == pb::WRITTEN && a.tier() != pb::OPTIONAL) written += a.estimated_minutes();
      if (!with_assignments) continue;
      pb::NoticeAssignment& na = *day.add_assignments();
      na.set_subject(a.subject());
      na.set_title(a.title());
      na.set_content(a.content());
      na.set_type(a.type());
      na.set_tier(a.tier() == pb::OPTIONAL ? pb::OPTIONAL : pb::REQUIRED);
      na.set_estimated_minutes(a.estimated_minutes());
    }
    day.set_written_minutes(written);
    if (analytics::is_fixed_no_homework_day(profile, ctx.calendar, klass.grade(), d) &&
        kind == analytics::DayKind::kSchoolDay) {
      // The class's weekly day without written homework (R3): its cap is nothing.
      day.set_no_homework_day(true);
      day.set_cap_minutes(0);
    } else if (!fixed_day && profile.no_homework_applies(klass.grade()) && to - from == 6 && !flexible_day_found &&
               kind == analytics::DayKind::kSchoolDay && written == 0 && d < today()) {
      // Any one school day of the week (R3, flexible): the week's first day that was
      // kept free. Only days already past: a snapshot must not name a day that can
      // still get homework.
      day.set_no_homework_day(true);
      flexible_day_found = true;
    }
  }
  return out;
}

pb::Notice Service::snapshot(const SchoolContext& ctx, Date from, Date to, int grade, const char* published_by) {
  pb::Notice notice;
  notice.set_school_id(ctx.school.school_id());
  notice.set_school_name(ctx.school.name());
  notice.set_district(ctx.school.district());
  notice.set_published_by(published_by);
  const bool daily = grade == 0;
  if (daily) {
    notice.set_date(analytics::format_date(from));
  } else {
    notice.set_week(analytics::format_iso_week(analytics::iso_week_of(from)));
    notice.set_grade(grade);
  }
  for (const auto& klass : store_.classes(ctx.school.school_id(), grade)) {
    *notice.add_classes() = notice_class(ctx, klass, from, to, daily);
  }
  return notice;
}

PublishedNotice Service::publish_snapshot(pb::Notice notice, const std::string& subject) {
  auto latest = store_.latest_notice(notice.school_id(), subject);
  if (latest && content_of(*latest) == content_of(notice)) {
    latest->set_latest_version(latest->version());
    latest->set_latest_notice_id(latest->notice_id());
    return {std::move(*latest), false};
  }
  notice.set_notice_id(ids_.next());
  notice.set_version(latest ? latest->version() + 1 : 1);
  notice.set_published_at(now());
  notice.set_html_url(options_.public_url + "/notices/" + notice.school_id() + "/" + notice.notice_id());
  store_.insert_notice(notice, subject);
  notice.set_latest_version(notice.version());
  notice.set_latest_notice_id(notice.notice_id());
  return {std::move(notice), true};
}

StatusOr<PublishedNotice> Service::publish_notice(const std::string& school_id, const pb::PublishNoticeRequest& req) {
  const bool daily = !req.date().empty();
  if (daily == !req.week().empty()) {
    return Status::invalid("date", "give either date (a daily notice), or week and grade (a weekly notice)");
  }
  Date from, to;
  std::string subject;
  if (daily) {
    HWLOAD_RETURN_IF_ERROR(check_date("date", req.date()));
    if (req.grade() != 0) return Status::invalid("grade", "is only for a weekly notice (with week)");
    from = to = *analytics::parse_date(req.date());
    subject = daily_subject(from);
  } else {
    const auto week = analytics::parse_iso_week(req.week());
    if (!week) {
      return Status::invalid("week", "must be an ISO week like 2026-W47 (got \"" + req.week().substr(0, 20) + "\")");
    }
    if (req.grade() < 1 || req.grade() > 9) return Status::invalid("grade", "must be between 1 and 9");
    from = analytics::monday_of(*week);
    to = from + 6;
    subject = weekly_subject(analytics::format_iso_week(*week), req.grade());
  }
  store::Transaction tx(store_.db());
  auto ctx = load_school(school_id);
  if (!ctx.is_ok()) return ctx.status();
  pb::Notice notice = daily ? snapshot(*ctx, from, from, 0, "api") : snapshot(*ctx, from, to, req.grade(), "api");
  if (notice.classes().empty()) {
    return daily ? Status::invalid("school_id", "school " + school_id + " has no registered classes to disclose")
                 : Status::invalid("grade", "grade " + std::to_string(req.grade()) + " of school " + school_id +
                                                " has no registered classes to disclose");
  }
  PublishedNotice out = publish_snapshot(std::move(notice), subject);
  if (out.created) tx.commit();
  return out;
}

StatusOr<pb::Notice> Service::get_notice(const std::string& school_id, const std::string& notice_id) {
  auto stored = store_.notice(school_id, notice_id);
  if (!stored) return unknown_notice(school_id, notice_id);
  const auto latest = store_.latest_notice_version(school_id, stored->subject);
  stored->notice.set_latest_version(latest ? latest->first : stored->notice.version());
  stored->notice.set_latest_notice_id(latest ? latest->second : stored->notice.notice_id());
  return std::move(stored->notice);
}

StatusOr<pb::NoticeList> Service::list_notices(const std::string& school_id, int limit, int64_t before) {
  if (limit < 1 || limit > options_.max_list) {
    return Status::invalid("limit", "must be between 1 and " + std::to_string(options_.max_list));
  }
  if (before < 0) return Status::invalid("before", "must be a next_before from an earlier page");
  if (!store_.school(school_id)) return load_school(school_id).status();
  pb::NoticeList out;
  const auto headers = store_.notice_headers(school_id, before, limit + 1);
  for (size_t i = 0; i < headers.size() && i < static_cast<size_t>(limit); ++i) {
    const store::NoticeHeader& h = headers[i];
    pb::Notice& n = *out.add_notices();
    n.set_notice_id(h.notice_id);
    n.set_school_id(school_id);
    // The subject says what the notice is of: "D:<date>" or "W:<week>:<grade>".
    if (h.subject.rfind("D:", 0) == 0) {
      n.set_date(h.subject.substr(2));
    } else if (const auto colon = h.subject.rfind(':'); h.subject.rfind("W:", 0) == 0 && colon > 2) {
      n.set_week(h.subject.substr(2, colon - 2));
      n.set_grade(std::atoi(h.subject.c_str() + colon + 1));
    }
    n.set_version(h.version);
    n.set_published_at(h.published_at);
    n.set_published_by(h.published_by);
    n.set_html_url(options_.public_url + "/notices/" + school_id + "/" + h.notice_id);
    n.set_latest_version(h.latest_version);
    n.set_latest_notice_id(h.latest_notice_id);
  }
  if (headers.size() > static_cast<size_t>(limit)) out.set_next_before(headers[static_cast<size_t>(limit) - 1].seq);
  return out;
}

StatusOr<pb::NoticeSchedule> Service::put_notice_schedule(const std::string& school_id, pb::NoticeSchedule schedule) {
  if (schedule.school_id().empty()) schedule.set_school_id(school_id);
  if (schedule.school_id() != school_id) return Status::invalid("school_id", "must match the path (" + school_id + ")");
  if (!parse_time_of_day(schedule.publish_time())) {
    return Status::invalid("publish_time", "must be a local time HH:MM, 00:00 to 23:59 (got \"" +
                                               schedule.publish_time().substr(0, 20) + "\")");
  }
  if (!schedule.has_enabled()) schedule.set_enabled(true);
  store::Transaction tx(store_.db());
  if (!store_.school(school_id)) return load_school(school_id).status();
  // The days before today are not owed: a new or re-enabled schedule starts today.
  const std::string yesterday = analytics::format_date(today() - 1);
  const auto before = store_.notice_schedule(school_id);
  std::string last = before ? before->last_published_date() : "";
  if (last.empty() || (!before->enabled() && last < yesterday)) last = yesterday;
  schedule.set_last_published_date(last);
  store_.put_notice_schedule(schedule, now());
  tx.commit();
  return schedule;
}

StatusOr<pb::NoticeSchedule> Service::get_notice_schedule(const std::string& school_id) {
  if (!store_.school(school_id)) return load_school(school_id).status();
  auto schedule = store_.notice_schedule(school_id);
  if (!schedule) {
    return Status(Code::kNotFound, "school \"" + school_id + "\" has no notice schedule",
                  {{"school_id", "has no schedule: PUT one first"}});
  }
  return *schedule;
}

int Service::publish_scheduled() {
  const Date today = this->today();
  const int minute_of_day = local_minute_of_day(clock_.now(), options_.utc_offset_minutes);
  int published = 0;
  for (pb::NoticeSchedule schedule : store_.enabled_notice_schedules()) {
    const auto at = parse_time_of_day(schedule.publish_time());
    if (!at) continue;
    const Date last = analytics::parse_date(schedule.last_published_date()).value_or(today - 1);
    const Date first = std::max(last + 1, today - options_.notice_catch_up_days);
    const Date end = minute_of_day >= *at ? today : today - 1;
    for (Date d = first; d <= end; d = d + 1) {
      // One transaction per day: the notice and the schedule's progress together.
      store::Transaction tx(store_.db());
      auto ctx = load_school(schedule.school_id());
      if (!ctx.is_ok()) break;
      if (ctx->calendar.day_kind(d) == analytics::DayKind::kSchoolDay) {
        pb::Notice notice = snapshot(*ctx, d, d, 0, "schedule");
        // A school without classes has nothing to disclose yet.
        if (notice.classes_size() > 0 && publish_snapshot(std::move(notice), daily_subject(d)).created) ++published;
      }
      schedule.set_last_published_date(analytics::format_date(d));
      store_.put_notice_schedule(schedule, now());
      tx.commit();
    }
  }
  return published;
}

std::string Service::current_week() const { return analytics::format_iso_week(analytics::iso_week_of(today())); }

StatusOr<notices::WeekReview> Service::week_review(const std::string& school_id, int grade, const std::string& week) {
  auto grade_week = this->grade_week(school_id, grade, week);
  if (!grade_week.is_ok()) return grade_week.status();
  notices::WeekReview out;
  out.school = *store_.school(school_id);
  out.week = std::move(*grade_week);
  const Date monday = analytics::monday_of(*analytics::parse_iso_week(out.week.week()));
  out.previous_week = analytics::format_iso_week(analytics::iso_week_of(monday - 7));
  out.next_week = analytics::format_iso_week(analytics::iso_week_of(monday + 7));
  store::BreachFilter f;
  f.school_id = school_id;
  f.grade = grade;
  f.from = analytics::format_date(monday);
  f.to = analytics::format_date(monday + 6);
  f.state = pb::OPEN;
  out.open_breaches = store_.breaches(f, options_.max_list);
  return out;
}

}  // namespace hwload::core
