// hwload: the teachers' and admins' command line, built on the client SDK.
// Exit status: 0 done; 1 the server refused or could not be reached; 2 usage;
// 3 an import finished with rejected rows (the good rows were stored).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <google/protobuf/util/json_util.h>

#include "cli/importer.h"
#include "cli/table.h"
#include "hwload/analytics/calendar.h"
#include "hwload/client/client.h"

namespace {

namespace pb = ::hwload::v1;
namespace an = ::hwload::analytics;
using hwload::cli::Table;
using hwload::client::Client;

const char* kWeekdays[] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

an::Date today_in_china() {
  const auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
      8 * 3600;
  return an::Date{static_cast<int32_t>(secs / 86400)};
}

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string kind_short(pb::DayKind k) {
  switch (k) {
    case pb::SCHOOL_DAY:
      return "school";
    case pb::WEEKEND:
      return "weekend";
    case pb::HOLIDAY:
      return "holiday";
    case pb::VACATION:
      return "vacation";
    default:
      return "?";
  }
}

int fail(const hwload::client::ApiError& e) {
  std::cerr << "hwload: " << e.to_string() << "\n";
  for (const auto& d : e.error.details()) std::cerr << "  " << d.field() << ": " << d.rule() << "\n";
  if (e.http_status == 401) {
    std::cerr << "hwload: give a token with --token or HWLOAD_TOKEN (issued by `hwload-server token create`)\n";
  }
  return 1;
}

void print_json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  std::cout << out;
}

std::string breach_list(const pb::DayLoad& d) {
  std::string out;
  for (const auto& b : d.breaches()) out += (out.empty() ? "" : ",") + pb::BreachKind_Name(b.kind());
  return out;
}

void print_batch(const pb::BatchResult& r) {
  for (const auto& item : r.items()) {
    std::cout << item.id() << "  " << pb::ItemStatus_Name(item.status());
    if (item.status() == pb::REJECTED) std::cout << "  " << item.error().code() << ": " << item.error().message();
    std::cout << "\n";
  }
  for (const auto& w : r.warnings()) {
    std::cout << "warning: " << w.date() << " " << w.class_id() << " " << pb::BreachKind_Name(w.code()) << ": "
              << w.message() << "\n";
  }
}

void print_class_load(const pb::ClassLoad& cl) {
  std::cout << (cl.class_name().empty() ? cl.class_id() : cl.class_name()) << " (" << cl.class_id() << ", grade "
            << cl.grade() << ")\n";
  Table t({"date", "day", "kind", "cap", "planned", "mean", "p90", "reported", "over cap", "unfinished", "breaches"});
  for (const auto& d : cl.days()) {
    const auto date = an::parse_date(d.date());
    std::string kind = kind_short(d.day_kind());
    if (d.no_homework_day()) kind += " (no-homework day)";
    t.add({d.date(), date ? kWeekdays[an::iso_weekday(*date)] : "", kind, std::to_string(d.cap_minutes()),
           std::to_string(d.planned_minutes()), d.students_reported() ? fixed1(d.measured_mean_minutes()) : "-",
           d.students_reported() ? std::to_string(d.measured_p90_minutes()) : "-",
           std::to_string(d.students_reported()), std::to_string(d.students_over_cap()),
           std::to_string(d.students_unfinished()), breach_list(d)});
  }
  std::cout << t.render({false, false, false, true, true, true, true, true, true, true, false});
}

void print_grade_week(const pb::GradeWeek& gw) {
  std::cout << "grade " << gw.grade() << ", " << gw.week() << "  (cell: planned / measured mean minutes; "
            << "! over the cap, x no-homework day broken, - nothing counted)\n";
  std::vector<std::string> header = {"class"};
  if (gw.classes_size() > 0) {
    for (const auto& d : gw.classes(0).days()) {
      const auto date = an::parse_date(d.date());
      header.push_back(std::string(date ? kWeekdays[an::iso_weekday(*date)] : "") + " " + d.date().substr(5));
    }
  }
  Table t(header);
  for (const auto& cl : gw.classes()) {
    std::vector<std::string> row = {cl.class_name().empty() ? cl.class_id() : cl.class_name()};
    for (const auto& d : cl.days()) {
      std::string cell;
      if (d.planned_minutes() == 0 && d.students_reported() == 0) {
        cell = "-";
      } else {
        cell = std::to_string(d.planned_minutes());
        cell += d.students_reported() ? " / " + fixed1(d.measured_mean_minutes()) : " / -";
      }
      bool over = false, nhd = false;
      for (const auto& b : d.breaches()) {
        over |=
            b.kind() == pb::PLANNED_OVER_CAP || b.kind() == pb::MEASURED_OVER_CAP || b.kind() == pb::WRITTEN_FORBIDDEN;
        nhd |= b.kind() == pb::NO_HOMEWORK_DAY;
      }
      if (over) cell += " !";
      if (nhd) cell += " x";
      row.push_back(cell);
    }
    t.add(row);
  }
  if (gw.classes_size() > 0) {
    std::vector<std::string> caps = {"cap"};
    for (const auto& d : gw.classes(0).days()) {
      caps.push_back(d.no_homework_day() ? "0 (no-hw day)" : std::to_string(d.cap_minutes()));
    }
    t.add(caps);
  }
  std::vector<bool> right(header.size(), true);
  right[0] = false;
  std::cout << t.render(right);
  for (const auto& cl : gw.classes()) {
    for (const auto& d : cl.days()) {
      for (const auto& b : d.breaches()) {
        std::cout << "  " << d.date() << " " << cl.class_id() << " " << pb::BreachKind_Name(b.kind()) << " ("
                  << pb::Severity_Name(b.severity()) << "): " << b.detail() << "\n";
      }
    }
  }
}

void print_breaches(const pb::BreachList& list) {
  Table t({"date", "class", "kind", "severity", "state", "load", "cap", "breach id", "detail"});
  for (const auto& b : list.breaches()) {
    t.add({b.date(), b.class_id(), pb::BreachKind_Name(b.kind()), pb::Severity_Name(b.severity()),
           pb::BreachState_Name(b.state()) + (b.acknowledged_by().empty() ? "" : " (ack)"),
           std::to_string(b.load_minutes()), std::to_string(b.cap_minutes()), b.breach_id(), b.detail()});
  }
  std::cout << t.render({false, false, false, false, false, true, true, false, false});
  std::cout << list.breaches_size() << " breach(es)\n";
}

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int report_import(const hwload::cli::ImportReport& rep) {
  for (const auto& w : rep.warnings) std::cout << "warning: " << w << "\n";
  for (const auto& p : rep.problems) std::cerr << p << "\n";
  if (!rep.fatal.empty()) {
    std::cerr << "hwload: " << rep.fatal << "\n";
    return rep.rows == 0 ? 2 : 1;
  }
  std::cout << rep.summary() << "\n";
  return rep.rejected > 0 ? 3 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hwload: log homework, import timings and review load against the caps"};
  app.require_subcommand(1);
  std::string server = std::getenv("HWLOAD_SERVER") ? std::getenv("HWLOAD_SERVER") : "http://127.0.0.1:8080";
  bool json = false, json_wire = false;
  app.add_option("--server", server,
                 "server URL, http:// or https:// (env HWLOAD_SERVER; default http://127.0.0.1:8080)");
  std::string token;
  app.add_option("--token", token, "access token (env HWLOAD_TOKEN); prefer the environment: flags show in ps")
      ->envname("HWLOAD_TOKEN");
  std::string ca_file;
  app.add_option("--ca-file", ca_file, "PEM CAs to trust for https, beside the system's (env HWLOAD_CA_FILE)")
      ->envname("HWLOAD_CA_FILE")
      ->check(CLI::ExistingFile);
  app.add_flag("--json", json, "print the server's answer as JSON");
  app.add_flag("--wire-json", json_wire, "talk JSON to the server instead of protobuf");

  // school / class / calendar
  auto* school = app.add_subcommand("school", "register or show a school");
  school->require_subcommand(1);
  auto* school_put = school->add_subcommand("put", "create or update a school");
  pb::School s;
  std::string sid;
  school_put->add_option("school_id", sid)->required();
  school_put->add_option("--name", *s.mutable_name())->required();
  school_put->add_option("--district", *s.mutable_district())->required();
  std::string profile = "national";
  school_put->add_option("--profile", profile,
                         "policy profile: national, xinyang, luoyang, hengyang, zhejiang, fushun");
  auto* school_get = school->add_subcommand("get", "show a school");
  school_get->add_option("school_id", sid)->required();

  auto* klass = app.add_subcommand("class", "register or list classes");
  klass->require_subcommand(1);
  auto* class_put = klass->add_subcommand("put", "create or update a class");
  std::string cid, cname;
  int grade = 0, students = 0;
  class_put->add_option("school_id", sid)->required();
  class_put->add_option("class_id", cid)->required();
  class_put->add_option("--grade", grade, "1-9")->required();
  class_put->add_option("--name", cname, "e.g. 三年级2班");
  class_put->add_option("--students", students, "number of students");
  auto* class_list = klass->add_subcommand("list", "list a school's classes");
  class_list->add_option("school_id", sid)->required();
  class_list->add_option("--grade", grade);

  auto* calendar = app.add_subcommand("calendar", "set or show a school calendar");
  calendar->require_subcommand(1);
  auto* cal_put = calendar->add_subcommand("put", "replace a school's calendar");
  int weekday = 0;
  std::vector<std::string> cal_days;
  cal_put->add_option("school_id", sid)->required();
  cal_put->add_option("--no-homework-weekday", weekday, "ISO weekday 1-7 of the no-written-homework day; 0 none fixed");
  cal_put->add_option("--day", cal_days, "DATE=KIND override, e.g. 2026-10-01=HOLIDAY or 2026-09-27=SCHOOL_DAY");
  auto* cal_get = calendar->add_subcommand("get", "show a school's calendar");
  cal_get->add_option("school_id", sid)->required();

  // assignments
  auto* assign = app.add_subcommand("assign", "post one assignment (prints the result and any warning)");
  pb::Assignment a;
  std::string type = "WRITTEN", tier = "REQUIRED";
  bool check = false;
  assign->add_option("--id", *a.mutable_assignment_id(), "assignment id (default: a new UUID)");
  assign->add_option("--school", *a.mutable_school_id())->required();
  assign->add_option("--class", *a.mutable_class_id())->required();
  assign->add_option("--teacher", *a.mutable_teacher_id())->required();
  assign->add_option("--subject", *a.mutable_subject(), "e.g. 数学")->required();
  assign->add_option("--date", *a.mutable_assigned_date(), "YYYY-MM-DD, the evening it is done")->required();
  int est = 0;
  assign->add_option("--minutes", est, "estimated minutes 0-600")->required();
  assign->add_option("--type", type, "WRITTEN/书面, READING/阅读, PRACTICE, PHYSICAL, ARTS, INQUIRY, LABOR, OTHER");
  assign->add_option("--tier", tier, "REQUIRED/必做 or OPTIONAL/选做");
  assign->add_option("--title", *a.mutable_title());
  assign->add_option("--content", *a.mutable_content());
  bool f1 = false, f2 = false, f3 = false, f4 = false, f5 = false;
  assign->add_flag("--parent-grading", f1, "parents are asked to grade it (banned)");
  assign->add_flag("--to-parents", f2, "assigned to parents (banned)");
  assign->add_flag("--self-grading", f3, "students grade their own work (banned)");
  assign->add_flag("--punitive", f4, "punitive homework (banned)");
  assign->add_flag("--repetitive", f5, "repetitive, mechanical homework (banned)");
  assign->add_flag("--check", check, "validate only: say what would happen, store nothing");

  auto* withdraw = app.add_subcommand("withdraw", "withdraw an assignment (kept in history; resolves its breaches)");
  std::string aid;
  withdraw->add_option("assignment_id", aid)->required();

  auto* time_cmd = app.add_subcommand("time", "report students' minutes for one assignment");
  std::vector<std::string> timing_args;
  time_cmd->add_option("assignment_id", aid)->required();
  time_cmd->add_option("timings", timing_args, "STUDENT=MINUTES, or STUDENT=MINUTES:unfinished")->required();

  auto* import = app.add_subcommand("import", "import a CSV file (UTF-8, header row)");
  import->require_subcommand(1);
  std::string file;
  auto* import_a = import->add_subcommand("assignments", "assignments CSV");
  import_a->add_option("file", file)->required()->check(CLI::ExistingFile);
  import_a->add_flag("--check", check, "validate only");
  auto* import_t = import->add_subcommand("timings", "timings CSV: assignment_id,student_key,minutes,unfinished");
  import_t->add_option("file", file)->required()->check(CLI::ExistingFile);

  // reading
  auto* load = app.add_subcommand("load", "a class's day loads");
  std::string from, to, week, district, state, after, note, by;
  load->add_option("--school", sid)->required();
  load->add_option("--class", cid)->required();
  load->add_option("--from", from, "first date (default: this week's Monday)");
  load->add_option("--to", to, "last date (default: from + 6 days)");

  auto* week_cmd = app.add_subcommand("week", "a grade's week: classes x days");
  week_cmd->add_option("--school", sid)->required();
  week_cmd->add_option("--grade", grade)->required();
  week_cmd->add_option("--week", week, "ISO week, e.g. 2026-W47 (default: this week)");
  bool week_csv = false;
  week_cmd->add_flag("--csv", week_csv, "print the review page's CSV (UTF-8 with BOM, Chinese headers) for Excel");

  auto* breaches = app.add_subcommand("breaches", "list breaches");
  int limit = 0;
  breaches->add_option("--school", sid);
  breaches->add_option("--district", district);
  breaches->add_option("--class", cid);
  breaches->add_option("--grade", grade);
  breaches->add_option("--from", from);
  breaches->add_option("--to", to);
  breaches->add_option("--state", state, "OPEN or RESOLVED");
  breaches->add_option("--limit", limit, "at most this many (default 1000, the server's maximum 10000)");

  auto* ack = app.add_subcommand("ack", "acknowledge a breach");
  std::string bid;
  ack->add_option("breach_id", bid)->required();
  ack->add_option("--by", by, "who acknowledges")->required();
  ack->add_option("--note", note);

  auto* compliance = app.add_subcommand("compliance", "share of student-days within the cap");
  compliance->add_option("--district", district);
  compliance->add_option("--school", sid);
  compliance->add_option("--grade", grade);
  compliance->add_option("--from", from)->required();
  compliance->add_option("--to", to)->required();

  auto* alerts = app.add_subcommand("alerts", "the bureau's alert feed, oldest first");
  alerts->add_option("--after", after, "cursor from a previous page");
  alerts->add_option("--limit", limit);
  alerts->add_option("--district", district);
  auto* tail = alerts->add_subcommand("tail", "follow the feed: print alerts as they are written (Ctrl-C stops)");
  double interval = 2.0, tail_seconds = 0;
  tail->add_option("--interval", interval, "seconds between polls (default 2)")->check(CLI::Range(0.05, 3600.0));
  tail->add_option("--seconds", tail_seconds, "stop after this many seconds (default: never)");
  tail->add_option("--after", after, "start after this cursor (default: the first alert)");
  tail->add_option("--district", district);

  auto* audit = app.add_subcommand("audit", "the audit log of changes: who, what, when, from where (oldest first)");
  std::string audit_school;
  int64_t audit_after = 0;
  audit->add_option("--school", audit_school, "only this school's changes");
  audit->add_option("--district", district, "only this district's changes");
  audit->add_option("--after", audit_after, "continue after this seq (the `next after` a page printed)");
  audit->add_option("--limit", limit, "at most this many entries (default 100)");

  auto* subs = app.add_subcommand("subscriptions", "a bureau's webhooks for its district's alerts");
  subs->require_subcommand(1);
  auto* subs_put = subs->add_subcommand("put", "create or replace a subscription");
  std::string sub_id, url, secret, format = "JSON";
  subs_put->add_option("subscription_id", sub_id)->required();
  subs_put->add_option("--district", district)->required();
  subs_put->add_option("--url", url, "http://HOST[:PORT]/PATH the alerts are POSTed to")->required();
  subs_put->add_option("--secret", secret, "HMAC-SHA256 key, at least 16 bytes (env HWLOAD_WEBHOOK_SECRET)")
      ->envname("HWLOAD_WEBHOOK_SECRET")
      ->required();
  subs_put->add_option("--format", format, "JSON or PROTOBUF");
  auto* subs_list = subs->add_subcommand("list", "list subscriptions (secrets are never shown)");
  subs_list->add_option("--district", district);

  auto* notice = app.add_subcommand("notice", "disclosure notices (作业公示): publish, list, show, schedule");
  notice->require_subcommand(1);
  auto* notice_publish = notice->add_subcommand(
      "publish", "publish a school's daily notice (--date) or a grade's weekly notice (--week and --grade)");
  std::string notice_date, publish_at;
  notice_publish->add_option("--school", sid)->required();
  auto* date_opt = notice_publish->add_option("--date", notice_date, "the day, YYYY-MM-DD");
  auto* week_opt = notice_publish->add_option("--week", week, "ISO week, e.g. 2026-W47");
  notice_publish->add_option("--grade", grade, "the grade of a weekly notice");
  date_opt->excludes(week_opt);
  auto* notice_list = notice->add_subcommand("list", "a school's notices, newest first");
  notice_list->add_option("--school", sid)->required();
  auto* notice_get = notice->add_subcommand("get", "show one notice");
  std::string notice_id;
  notice_get->add_option("--school", sid)->required();
  notice_get->add_option("notice_id", notice_id)->required();
  auto* notice_schedule = notice->add_subcommand(
      "schedule", "publish the daily notice automatically on school days (no option: show the schedule)");
  bool schedule_off = false;
  notice_schedule->add_option("--school", sid)->required();
  auto* at_opt = notice_schedule->add_option("--at", publish_at, "local time HH:MM, e.g. 17:30");
  notice_schedule->add_flag("--off", schedule_off, "stop publishing automatically")->excludes(at_opt);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error is exit status 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  hwload::client::ClientOptions options;
  options.base_url = server;
  options.token = token;
  options.ca_file = ca_file;
  options.encoding = json_wire ? hwload::client::Encoding::kJson : hwload::client::Encoding::kProtobuf;
  Client client(options);

  if (school_put->parsed()) {
    s.set_school_id(sid);
    s.set_profile(profile);
    auto r = client.put_school(s);
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else
      std::cout << "school " << r->school_id() << " (" << r->name() << ", " << r->district() << ", profile "
                << r->profile() << ") saved\n";
    return 0;
  }
  if (school_get->parsed()) {
    auto r = client.get_school(sid);
    if (!r) return fail(r.error());
    print_json(*r);
    return 0;
  }
  if (class_put->parsed()) {
    pb::Class c;
    c.set_school_id(sid);
    c.set_class_id(cid);
    c.set_grade(grade);
    c.set_name(cname);
    c.set_student_count(students);
    auto r = client.put_class(c);
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else
      std::cout << "class " << r->class_id() << " (" << r->name() << ", grade " << r->grade() << ", "
                << r->student_count() << " students) saved\n";
    return 0;
  }
  if (class_list->parsed()) {
    auto r = client.list_classes(sid, grade);
    if (!r) return fail(r.error());
    if (json) {
      print_json(*r);
      return 0;
    }
    Table t({"class", "name", "grade", "students"});
    for (const auto& c : r->classes())
      t.add({c.class_id(), c.name(), std::to_string(c.grade()), std::to_string(c.student_count())});
    std::cout << t.render({false, false, true, true});
    return 0;
  }
  if (cal_put->parsed()) {
    pb::Calendar c;
    c.set_school_id(sid);
    c.set_no_homework_weekday(weekday);
    for (const auto& d : cal_days) {
      const auto eq = d.find('=');
      pb::DayKind kind{};
      if (eq == std::string::npos || !pb::DayKind_Parse(d.substr(eq + 1), &kind)) {
        std::cerr << "hwload: --day " << d << ": expected DATE=SCHOOL_DAY|WEEKEND|HOLIDAY|VACATION\n";
        return 2;
      }
      auto* day = c.add_days();
      day->set_date(d.substr(0, eq));
      day->set_day_kind(kind);
    }
    auto r = client.put_calendar(c);
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else
      std::cout << "calendar of " << sid << " saved: no-homework weekday " << r->no_homework_weekday() << ", "
                << r->days_size() << " date override(s)\n";
    return 0;
  }
  if (cal_get->parsed()) {
    auto r = client.get_calendar(sid);
    if (!r) return fail(r.error());
    print_json(*r);
    return 0;
  }
  if (assign->parsed()) {
    const auto t = hwload::client::parse_homework_type(type);
    const auto ti = hwload::client::parse_tier(tier);
    if (!t) {
      std::cerr << "hwload: --type " << type << ": unknown homework type\n";
      return 2;
    }
    if (!ti) {
      std::cerr << "hwload: --tier " << tier << ": must be REQUIRED or OPTIONAL\n";
      return 2;
    }
    if (a.assignment_id().empty()) a.set_assignment_id(hwload::client::new_uuid());
    a.set_type(*t);
    a.set_tier(*ti);
    a.set_estimated_minutes(est);
    a.set_requires_parent_grading(f1);
    a.set_assigned_to_parents(f2);
    a.set_requires_self_grading(f3);
    a.set_punitive(f4);
    a.set_repetitive(f5);
    pb::AssignmentBatch b;
    b.set_validate_only(check);
    *b.add_assignments() = a;
    auto r = client.post_assignments(b);
    if (!r) return fail(r.error());
    if (json) {
      print_json(*r);
    } else {
      print_batch(*r);
      if (check) std::cout << "check only: nothing was stored\n";
    }
    return r->items_size() == 1 && r->items(0).status() == pb::REJECTED ? 1 : 0;
  }
  if (withdraw->parsed()) {
    auto r = client.withdraw_assignment(aid);
    if (!r) return fail(r.error());
    std::cout << "assignment " << aid << " withdrawn\n";
    return 0;
  }
  if (time_cmd->parsed()) {
    pb::TimingBatch b;
    auto* rep = b.add_reports();
    rep->set_assignment_id(aid);
    for (const auto& arg : timing_args) {
      const auto eq = arg.find('=');
      auto* st = rep->add_students();
      std::string val = eq == std::string::npos ? "" : arg.substr(eq + 1);
      if (val.size() > 11 && val.substr(val.size() - 11) == ":unfinished") {
        st->set_unfinished(true);
        val = val.substr(0, val.size() - 11);
      }
      char* end = nullptr;
      const long m = std::strtol(val.c_str(), &end, 10);
      if (eq == std::string::npos || val.empty() || *end != '\0') {
        std::cerr << "hwload: " << arg << ": expected STUDENT=MINUTES[:unfinished]\n";
        return 2;
      }
      st->set_student_key(arg.substr(0, eq));
      st->set_minutes(static_cast<int>(m));
    }
    auto r = client.post_timings(b);
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else
      print_batch(*r);
    return r->items(0).status() == pb::REJECTED ? 1 : 0;
  }
  if (import_a->parsed() || import_t->parsed()) {
    bool ok = false;
    const std::string text = read_file(file, ok);
    if (!ok) {
      std::cerr << "hwload: cannot read " << file << "\n";
      return 2;
    }
    const int code = report_import(import_a->parsed() ? hwload::cli::import_assignments(client, text, check)
                                                      : hwload::cli::import_timings(client, text));
    if (check && import_a->parsed()) std::cout << "check only: nothing was stored\n";
    return code;
  }
  if (load->parsed()) {
    if (from.empty()) from = an::format_date(an::monday_of(an::iso_week_of(today_in_china())));
    if (to.empty()) {
      const auto f = an::parse_date(from);
      to = f ? an::format_date(*f + 6) : from;
    }
    auto r = client.class_load(sid, cid, from, to);
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else
      print_class_load(*r);
    return 0;
  }
  if (week_cmd->parsed()) {
    if (week.empty()) week = an::format_iso_week(an::iso_week_of(today_in_china()));
    if (week_csv) {
      auto raw = client.send_raw("GET",
                                 "/ui/schools/" + Client::escape(sid) + "/grades/" + std::to_string(grade) + "/weeks/" +
                                     Client::escape(week) + ".csv",
                                 "", {});
      if (!raw) return fail(raw.error());
      if (raw->status != 200) {
        std::cerr << "hwload: HTTP " << raw->status << " for the week's CSV\n";
        return 1;
      }
      std::cout << raw->body;
      return 0;
    }
    auto r = client.grade_week(sid, grade, week);
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else
      print_grade_week(*r);
    return 0;
  }
  if (breaches->parsed()) {
    hwload::client::BreachQuery q;
    q.school_id = sid;
    q.district = district;
    q.class_id = cid;
    q.grade = grade;
    q.from = from;
    q.to = to;
    q.state = state;
    q.limit = limit;
    auto r = client.breaches(q);
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else
      print_breaches(*r);
    if (r->breaches_size() == (limit ? limit : 1000)) {
      std::cerr << "hwload: the list stopped at " << r->breaches_size()
                << "; narrow it (--from/--to) or raise --limit\n";
    }
    return 0;
  }
  if (ack->parsed()) {
    pb::AcknowledgeRequest req;
    req.set_note(note);
    req.set_acknowledged_by(by);
    auto r = client.acknowledge(bid, req);
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else
      std::cout << "breach " << r->breach_id() << " acknowledged by " << r->acknowledged_by() << " at "
                << r->acknowledged_at() << "\n";
    return 0;
  }
  if (compliance->parsed()) {
    hwload::client::ComplianceQuery q;
    q.district = district;
    q.school_id = sid;
    q.grade = grade;
    q.from = from;
    q.to = to;
    auto r = client.compliance(q);
    if (!r) return fail(r.error());
    if (json) {
      print_json(*r);
      return 0;
    }
    std::cout << "scope " << r->scope() << ", " << r->from() << " to " << r->to() << "\n"
              << "student-days within the cap: " << r->student_days_within_cap() << " of " << r->student_days() << " ("
              << fixed1(100.0 * r->share_within_cap()) << "%)\n"
              << "class-days over the cap: " << r->class_days_over_cap() << " of " << r->class_days() << "\n";
    const std::map<std::string, int32_t> by_kind(r->breaches_by_kind().begin(), r->breaches_by_kind().end());
    for (const auto& [k, n] : by_kind) std::cout << "open " << k << ": " << n << "\n";
    return 0;
  }
  if (tail->parsed()) {
    // Follows the feed from `after` (default: from the start), printing one line per
    // alert as it arrives; the cursor is kept between polls.
    const auto stop_at =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long long>(tail_seconds * 1000));
    std::string cursor = after;
    for (;;) {
      auto r = client.alerts(cursor, 100, district);
      if (!r) return fail(r.error());
      for (const auto& al : r->alerts()) {
        const auto& b = al.breach();
        std::cout << al.seq() << "  " << al.created_at() << "  " << al.event() << "  " << b.school_id() << "  "
                  << b.class_id() << "  " << b.date() << "  " << pb::BreachKind_Name(b.kind()) << "  "
                  << pb::Severity_Name(b.severity()) << "  " << b.detail() << std::endl;
      }
      cursor = r->next_cursor();
      if (r->alerts_size() == 100) continue;  // more waiting: no pause
      if (tail_seconds > 0 && std::chrono::steady_clock::now() >= stop_at) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long long>(interval * 1000)));
    }
  }
  if (alerts->parsed()) {
    auto r = client.alerts(after, limit ? limit : 100, district);
    if (!r) return fail(r.error());
    if (json) {
      print_json(*r);
      return 0;
    }
    Table t({"seq", "created", "school", "class", "date", "kind", "severity", "state", "event"});
    for (const auto& al : r->alerts()) {
      const auto& b = al.breach();
      t.add({std::to_string(al.seq()), al.created_at(), b.school_id(), b.class_id(), b.date(),
             pb::BreachKind_Name(b.kind()), pb::Severity_Name(b.severity()), pb::BreachState_Name(b.state()),
             al.event()});
    }
    std::cout << t.render({true});
    std::cout << "next cursor: " << r->next_cursor() << "\n";
    return 0;
  }
  if (audit->parsed()) {
    auto r = client.audit(audit_school, district, audit_after, limit ? limit : 100);
    if (!r) return fail(r.error());
    if (json) {
      print_json(*r);
      return 0;
    }
    Table t({"seq", "at", "role", "token", "from", "request", "what", "status"});
    for (const auto& e : r->entries()) {
      t.add({std::to_string(e.seq()), e.at(), e.role(), e.token_id(), e.remote(), e.method() + " " + e.route(),
             e.target(), e.status() ? std::to_string(e.status()) : "-"});
    }
    std::cout << t.render({true});
    if (r->next_after()) std::cout << "next after: " << r->next_after() << "\n";
    return 0;
  }
  if (subs_put->parsed()) {
    pb::Subscription sub;
    sub.set_subscription_id(sub_id);
    sub.set_district(district);
    sub.set_url(url);
    sub.set_secret(secret);
    pb::PayloadFormat f{};
    if (!pb::PayloadFormat_Parse(format, &f) || f == pb::PAYLOAD_FORMAT_UNSPECIFIED) {
      std::cerr << "hwload: --format " << format << ": must be JSON or PROTOBUF\n";
      return 2;
    }
    sub.set_format(f);
    auto r = client.put_subscription(sub);
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else
      std::cout << "subscription " << r->subscription_id() << " saved: " << r->district() << " -> " << r->url() << " ("
                << pb::PayloadFormat_Name(r->format()) << ")\n";
    return 0;
  }
  if (notice_publish->parsed()) {
    pb::PublishNoticeRequest req;
    if (notice_date.empty() && week.empty()) {
      std::cerr << "hwload: notice publish: give --date, or --week and --grade\n";
      return 2;
    }
    req.set_date(notice_date);
    req.set_week(week);
    req.set_grade(grade);
    auto r = client.publish_notice(sid, req);
    if (!r) return fail(r.error());
    if (json) {
      print_json(*r);
      return 0;
    }
    const std::string what = r->date().empty() ? "weekly notice " + r->week() + " grade " + std::to_string(r->grade())
                                               : "daily notice " + r->date();
    std::cout << what << " version " << r->version() << " (" << r->notice_id() << "), published " << r->published_at()
              << "\n"
              << "page: " << (r->html_url().rfind("http", 0) == 0 ? "" : server) << r->html_url() << "\n";
    return 0;
  }
  if (notice_list->parsed()) {
    auto r = client.list_notices(sid);
    if (!r) return fail(r.error());
    if (json) {
      print_json(*r);
      return 0;
    }
    Table t({"notice", "of", "version", "published", "by", "latest"});
    for (const auto& n : r->notices()) {
      t.add({n.notice_id(), n.date().empty() ? n.week() + " grade " + std::to_string(n.grade()) : n.date(),
             std::to_string(n.version()), n.published_at(), n.published_by(),
             n.latest_version() == n.version() ? "yes" : "no (v" + std::to_string(n.latest_version()) + ")"});
    }
    std::cout << t.render();
    return 0;
  }
  if (notice_get->parsed()) {
    auto r = client.get_notice(sid, notice_id);
    if (!r) return fail(r.error());
    if (json) {
      print_json(*r);
      return 0;
    }
    std::cout << (r->date().empty() ? "weekly notice " + r->week() : "daily notice " + r->date()) << ", version "
              << r->version() << " of " << r->latest_version() << ", published " << r->published_at() << "\n";
    Table t({"class", "date", "written", "cap", "marks", "assignments"});
    for (const auto& c : r->classes()) {
      for (const auto& d : c.days()) {
        std::string marks;
        if (d.no_homework_day()) marks += "no-homework day ";
        if (d.day_kind() != pb::SCHOOL_DAY) marks += kind_short(d.day_kind());
        t.add({c.class_name().empty() ? c.class_id() : c.class_name(), d.date(), std::to_string(d.written_minutes()),
               std::to_string(d.cap_minutes()), marks, std::to_string(d.assignments_size())});
      }
    }
    std::cout << t.render({false, false, true, true});
    std::cout << "page: " << (r->html_url().rfind("http", 0) == 0 ? "" : server) << r->html_url() << "\n";
    return 0;
  }
  if (notice_schedule->parsed()) {
    hwload::client::Result<pb::NoticeSchedule> r = hwload::client::ApiError{};
    if (publish_at.empty() && !schedule_off) {
      r = client.get_notice_schedule(sid);
    } else {
      auto current = client.get_notice_schedule(sid);
      pb::NoticeSchedule sched;
      sched.set_school_id(sid);
      sched.set_publish_time(!publish_at.empty() ? publish_at : current ? current->publish_time() : "17:30");
      sched.set_enabled(!schedule_off);
      r = client.put_notice_schedule(sched);
    }
    if (!r) return fail(r.error());
    if (json)
      print_json(*r);
    else if (r->enabled())
      std::cout << "school " << r->school_id() << " publishes its daily notice at " << r->publish_time()
                << " on school days (last: " << r->last_published_date() << ")\n";
    else
      std::cout << "school " << r->school_id() << " does not publish automatically (time kept: " << r->publish_time()
                << ")\n";
    return 0;
  }
  if (subs_list->parsed()) {
    auto r = client.list_subscriptions(district);
    if (!r) return fail(r.error());
    if (json) {
      print_json(*r);
      return 0;
    }
    Table t({"subscription", "district", "url", "format"});
    for (const auto& sub : r->subscriptions()) {
      t.add({sub.subscription_id(), sub.district(), sub.url(), pb::PayloadFormat_Name(sub.format())});
    }
    std::cout << t.render();
    return 0;
  }
  return 2;
}
