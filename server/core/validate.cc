#include "core/validate.h"

#include <set>
#include <string>

#include "core/webhook_url.h"
#include "hwload/analytics/calendar.h"

namespace hwload::core {
namespace {

std::string s(std::string_view v) { return std::string(v); }

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

Status check_range(std::string_view field, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    return Status::invalid(s(field), "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " +
                                         std::to_string(value) + ")");
  }
  return {};
}

}  // namespace

Status check_id(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::invalid(s(field), "is required");
  if (value.size() > 64) return Status::invalid(s(field), "must be at most 64 characters");
  for (char c : value) {
    if (!id_char(c)) return Status::invalid(s(field), "may contain only letters, digits and . _ : -");
  }
  // "." and ".." would be read as path segments by every URL built from the id.
  if (value.find_first_not_of('.') == std::string_view::npos) {
    return Status::invalid(s(field), "must not consist of dots only");
  }
  return {};
}

Status check_date(std::string_view field, std::string_view value) {
  if (value.empty()) return Status::invalid(s(field), "is required (YYYY-MM-DD)");
  if (!analytics::parse_date(value)) {
    return Status::invalid(s(field), "must be a valid date YYYY-MM-DD (got \"" + s(value.substr(0, 40)) + "\")");
  }
  return {};
}

Status check_text(std::string_view field, std::string_view value, size_t max_bytes, bool required) {
  if (required && value.empty()) return Status::invalid(s(field), "is required");
  if (value.size() > max_bytes) {
    return Status::invalid(s(field), "must be at most " + std::to_string(max_bytes) + " bytes of UTF-8");
  }
  for (unsigned char c : value) {
    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
      return Status::invalid(s(field), "must not contain control characters");
    }
  }
  return {};
}

Status validate_school(const pb::School& school) {
  HWLOAD_RETURN_IF_ERROR(check_id("school_id", school.school_id()));
  HWLOAD_RETURN_IF_ERROR(check_text("name", school.name(), 200, true));
  HWLOAD_RETURN_IF_ERROR(check_text("district", school.district(), 100, true));
  HWLOAD_RETURN_IF_ERROR(check_text("profile", school.profile(), 64, true));
  return {};
}

Status validate_class(const pb::Class& c) {
  HWLOAD_RETURN_IF_ERROR(check_id("school_id", c.school_id()));
  HWLOAD_RETURN_IF_ERROR(check_id("class_id", c.class_id()));
  HWLOAD_RETURN_IF_ERROR(check_range("grade", c.grade(), 1, 9));
  HWLOAD_RETURN_IF_ERROR(check_text("name", c.name(), 100, false));
  HWLOAD_RETURN_IF_ERROR(check_range("student_count", c.student_count(), 0, 200));
  return {};
}

Status validate_calendar(const pb::Calendar& c) {
  HWLOAD_RETURN_IF_ERROR(check_id("school_id", c.school_id()));
  HWLOAD_RETURN_IF_ERROR(check_range("no_homework_weekday", c.no_homework_weekday(), 0, 7));
  if (c.days_size() > 3000) return Status::invalid("days", "must hold at most 3000 dates");
  std::set<std::string> seen;
  for (int i = 0; i < c.days_size(); ++i) {
    const std::string f = "days[" + std::to_string(i) + "]";
    const auto& d = c.days(i);
    HWLOAD_RETURN_IF_ERROR(check_date(f + ".date", d.date()));
    if (d.day_kind() == pb::DAY_KIND_UNSPECIFIED || !pb::DayKind_IsValid(d.day_kind())) {
      return Status::invalid(f + ".day_kind", "must be SCHOOL_DAY, WEEKEND, HOLIDAY or VACATION");
    }
    if (!seen.insert(d.date()).second) return Status::invalid(f + ".date", "repeats " + d.date());
  }
  return {};
}

Status validate_assignment(const pb::Assignment& a) {
  HWLOAD_RETURN_IF_ERROR(check_id("assignment_id", a.assignment_id()));
  HWLOAD_RETURN_IF_ERROR(check_id("school_id", a.school_id()));
  HWLOAD_RETURN_IF_ERROR(check_id("class_id", a.class_id()));
  HWLOAD_RETURN_IF_ERROR(check_id("teacher_id", a.teacher_id()));
  HWLOAD_RETURN_IF_ERROR(check_text("subject", a.subject(), 64, true));
  HWLOAD_RETURN_IF_ERROR(check_date("assigned_date", a.assigned_date()));
  if (a.type() == pb::HOMEWORK_TYPE_UNSPECIFIED || !pb::HomeworkType_IsValid(a.type())) {
    return Status::invalid("type", "must be one of WRITTEN, READING, PRACTICE, PHYSICAL, ARTS, INQUIRY, LABOR, OTHER");
  }
  if (!pb::Tier_IsValid(a.tier())) return Status::invalid("tier", "must be REQUIRED or OPTIONAL");
  HWLOAD_RETURN_IF_ERROR(check_range("estimated_minutes", a.estimated_minutes(), 0, 600));
  HWLOAD_RETURN_IF_ERROR(check_text("title", a.title(), 400, false));
  HWLOAD_RETURN_IF_ERROR(check_text("content", a.content(), 8000, false));
  return {};
}

Status validate_timing_report(const pb::TimingReport& r) {
  HWLOAD_RETURN_IF_ERROR(check_id("assignment_id", r.assignment_id()));
  if (r.students_size() == 0) return Status::invalid("students", "must list at least one student");
  if (r.students_size() > 200) return Status::invalid("students", "must list at most 200 students");
  std::set<std::string_view> seen;
  const auto check_student = [&seen](const pb::StudentTiming& st) -> Status {
    HWLOAD_RETURN_IF_ERROR(check_id("student_key", st.student_key()));
    if (st.student_key().size() > 32) return Status::invalid("student_key", "must be at most 32 characters");
    HWLOAD_RETURN_IF_ERROR(check_range("minutes", st.minutes(), 0, 600));
    if (!seen.insert(st.student_key()).second) {
      return Status::invalid("student_key", "repeats \"" + st.student_key() + "\" within one report");
    }
    return {};
  };
  for (int i = 0; i < r.students_size(); ++i) {
    // A report holds up to 200 students: the index goes into the field's path only
    // for an error.
    if (Status st = check_student(r.students(i)); !st.is_ok()) {
      return st.with_field_prefix("students[" + std::to_string(i) + "].");
    }
  }
  return {};
}

Status validate_subscription(const pb::Subscription& sub) {
  HWLOAD_RETURN_IF_ERROR(check_id("subscription_id", sub.subscription_id()));
  HWLOAD_RETURN_IF_ERROR(check_text("district", sub.district(), 100, true));
  HWLOAD_RETURN_IF_ERROR(check_text("url", sub.url(), 2000, true));
  WebhookUrl parsed;
  if (sub.url().find_first_of(" \t\r\n") != std::string::npos || !parse_webhook_url(sub.url(), parsed)) {
    return Status::invalid("url", "must be an http:// or https:// URL with a host and an optional port");
  }
  if (sub.secret().size() < 16) return Status::invalid("secret", "must be at least 16 bytes");
  HWLOAD_RETURN_IF_ERROR(check_text("secret", sub.secret(), 256, true));
  if (!pb::PayloadFormat_IsValid(sub.format())) return Status::invalid("format", "must be JSON or PROTOBUF");
  return {};
}

void normalize(pb::Assignment& a) {
  if (a.tier() == pb::TIER_UNSPECIFIED) a.set_tier(pb::REQUIRED);
}

}  // namespace hwload::core
