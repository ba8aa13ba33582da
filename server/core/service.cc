#include "core/service.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/validate.h"
#include "hwload/analytics/compliance.h"
#include "hwload/uuid.h"

namespace hwload::core {
namespace {

using analytics::Date;
using analytics::DayKind;
using analytics::Finding;
using Touched = std::map<std::pair<std::string, std::string>, std::set<Date>>;

pb::ItemResult rejected(const std::string& id, const Status& st) {
  pb::ItemResult r;
  r.set_id(id);
  r.set_status(pb::REJECTED);
  pb::Error* e = r.mutable_error();
  e->set_code(code_name(st.code()));
  e->set_message(st.message());
  for (const auto& d : st.details()) {
    auto* pd = e->add_details();
    pd->set_field(d.field);
    pd->set_rule(d.rule);
  }
  return r;
}

pb::ItemResult item(const std::string& id, pb::ItemStatus status) {
  pb::ItemResult r;
  r.set_id(id);
  r.set_status(status);
  return r;
}

StatusOr<Date> parse_date_param(const char* field, const std::string& text) {
  HWLOAD_RETURN_IF_ERROR(check_date(field, text));
  return *analytics::parse_date(text);
}

Status check_range_days(const char* field, Date from, Date to, int max_days) {
  if (to < from) return Status::invalid(field, "must not be before from");
  if (to - from + 1 > max_days) {
    return Status::invalid(field, "range must span at most " + std::to_string(max_days) + " days");
  }
  return {};
}

analytics::SchoolCalendar to_calendar(const pb::Calendar& c) {
  std::map<Date, DayKind> overrides;
  for (const auto& d : c.days()) {
    if (auto date = analytics::parse_date(d.date())) overrides[*date] = static_cast<DayKind>(d.day_kind());
  }
  return analytics::SchoolCalendar(c.no_homework_weekday(), std::move(overrides));
}

bool same_figures(const pb::Breach& b, const Finding& f, int grade) {
  return b.load_minutes() == f.load_minutes && b.cap_minutes() == f.cap_minutes && b.detail() == f.detail &&
         b.grade() == grade;
}

constexpr const char* kCursorPrefix = "c1_";

// Applies each item of a batch inside its own savepoint, so a rejected item leaves
// nothing behind; field paths of a rejection are prefixed with `field[i].`. The
// class-dates of the stored items are added to `touched`.
template <typename Item, typename Apply>
pb::BatchResult apply_items(store::Db& db, const std::string& field,
                            const google::protobuf::RepeatedPtrField<Item>& items, Touched& touched, Apply&& apply) {
  pb::BatchResult result;
  for (int i = 0; i < items.size(); ++i) {
    store::Savepoint sp(db);
    Touched item_touched;
    pb::ItemResult r = apply(items.Get(i), item_touched);
    if (r.status() == pb::REJECTED) {
      sp.rollback();
      const std::string prefix = field + "[" + std::to_string(i) + "].";
      for (auto& d : *r.mutable_error()->mutable_details()) d.set_field(prefix + d.field());
      if (r.error().code() == code_name(Code::kInvalidArgument)) {
        r.mutable_error()->set_message(prefix + r.error().message());
      }
    } else {
      sp.release();
      for (auto& [key, dates] : item_touched) touched[key].insert(dates.begin(), dates.end());
    }
    *result.add_items() = std::move(r);
  }
  return result;
}

// What the rollups depend on besides the records: every profile's rules, and the
// rollups' own format. A change of it at a restart means rebuilding them. Bump
// "rollups-vN" whenever what a rollup holds changes: compute_day_load's figures,
// Service::day_load's fields, or the day_loads columns.
std::string rollup_fingerprint(const analytics::ProfileSet& profiles) {
  std::string out = "rollups-v1";
  auto caps = [&out](const analytics::BandCaps& c) {
    for (int v : c) out += "," + std::to_string(v);
  };
  for (const auto& name : profiles.names()) {
    const auto& p = *profiles.find(name);
    out += ";" + name + ":";
    caps(p.school_day_caps);
    for (const auto& [kind, c] : p.day_kind_caps) {
      out += "/" + std::to_string(static_cast<int>(kind));
      caps(c);
    }
    out += "/" + std::to_string(p.no_homework_day) + "," + std::to_string(p.no_homework_min_grade) + "," +
           std::to_string(p.no_homework_max_grade) + "," + std::to_string(p.repeated_count) + "," +
           std::to_string(p.repeated_window_days) + "," + std::to_string(static_cast<int>(p.alert_min_severity));
  }
  return out;
}

}  // namespace

Status unknown_school(const std::string& school_id) {
  return Status(Code::kNotFound, "unknown school \"" + school_id + "\"",
                {{"school_id", "must name a registered school (got \"" + school_id + "\")"}});
}
Status unknown_class(const std::string& school_id, const std::string& class_id) {
  return Status(Code::kNotFound, "unknown class \"" + class_id + "\" in school \"" + school_id + "\"",
                {{"class_id", "must name a registered class of school " + school_id + " (got \"" + class_id + "\")"}});
}
Status unknown_assignment(const std::string& assignment_id) {
  return Status(Code::kNotFound, "unknown assignment \"" + assignment_id + "\"",
                {{"assignment_id", "must name a posted assignment (got \"" + assignment_id + "\")"}});
}
Status unknown_breach(const std::string& breach_id) {
  return Status(Code::kNotFound, "unknown breach \"" + breach_id + "\"",
                {{"breach_id", "must name a breach (got \"" + breach_id + "\")"}});
}

TimeOrderedIdGenerator::TimeOrderedIdGenerator(const Clock& clock) : clock_(clock) {
  std::random_device rd;
  std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
  rng_.seed(seq);
}

std::string TimeOrderedIdGenerator::next() {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  const uint64_t rand_hi = rng_();
  return format_uuid_v7(static_cast<uint64_t>(ms), rand_hi, rng_());
}

Service::Service(store::Store& store, const analytics::ProfileSet& profiles, const Clock& clock, IdGenerator& ids,
                 ServiceOptions options)
    : store_(store), profiles_(profiles), clock_(clock), ids_(ids), options_(options) {}

std::string Service::now() const { return format_rfc3339(clock_.now()); }
Date Service::today() const { return local_date(clock_.now(), options_.utc_offset_minutes); }

StatusOr<Service::SchoolContext> Service::load_school(const std::string& school_id) {
  auto school = store_.school(school_id);
  if (!school) return unknown_school(school_id);
  SchoolContext ctx;
  ctx.profile = profiles_.find(school->profile());
  if (!ctx.profile) return Status::internal("school " + school_id + " names unknown profile " + school->profile());
  ctx.school = std::move(*school);
  ctx.calendar = to_calendar(store_.calendar(school_id));
  return ctx;
}

// ---- registry ----------------------------------------------------------------

StatusOr<pb::School> Service::put_school(const std::string& school_id, pb::School school) {
  if (school.school_id().empty()) school.set_school_id(school_id);
  if (school.school_id() != school_id) return Status::invalid("school_id", "must match the path (" + school_id + ")");
  HWLOAD_RETURN_IF_ERROR(validate_school(school));
  if (!profiles_.find(school.profile())) {
    std::string names;
    for (const auto& n : profiles_.names()) names += (names.empty() ? "" : ", ") + n;
    return Status::invalid("profile", "must name a policy profile: one of " + names);
  }
  store::Transaction tx(store_.db());
  const auto before = store_.school(school_id);
  store_.put_school(school, now());
  if (before && before->profile() != school.profile()) {
    auto ctx = load_school(school_id);
    if (!ctx.is_ok()) return ctx.status();
    reevaluate_school(*ctx);
  }
  tx.commit();
  return school;
}

StatusOr<pb::School> Service::get_school(const std::string& school_id) {
  auto s = store_.school(school_id);
  if (!s) return unknown_school(school_id);
  return *s;
}

StatusOr<pb::Class> Service::put_class(const std::string& school_id, const std::string& class_id, pb::Class klass) {
  if (klass.school_id().empty()) klass.set_school_id(school_id);
  if (klass.class_id().empty()) klass.set_class_id(class_id);
  if (klass.school_id() != school_id) return Status::invalid("school_id", "must match the path (" + school_id + ")");
  if (klass.class_id() != class_id) return Status::invalid("class_id", "must match the path (" + class_id + ")");
  HWLOAD_RETURN_IF_ERROR(validate_class(klass));
  if (klass.name().empty()) klass.set_name(class_id);
  store::Transaction tx(store_.db());
  auto ctx = load_school(school_id);
  if (!ctx.is_ok()) return ctx.status();
  const auto before = store_.klass(school_id, class_id);
  store_.put_class(klass, now());
  if (before && before->grade() != klass.grade()) {
    const auto dates = store_.record_dates(school_id, class_id);
    reevaluate(*ctx, klass, std::set<Date>(dates.begin(), dates.end()), Changed::kAnything);
  }
  tx.commit();
  return klass;
}

StatusOr<std::vector<pb::Class>> Service::list_classes(const std::string& school_id, int grade) {
  if (!store_.school(school_id)) return unknown_school(school_id);
  if (grade != 0 && (grade < 1 || grade > 9)) return Status::invalid("grade", "must be between 1 and 9");
  return store_.classes(school_id, grade);
}

StatusOr<pb::Calendar> Service::put_calendar(const std::string& school_id, pb::Calendar calendar) {
  if (calendar.school_id().empty()) calendar.set_school_id(school_id);
  if (calendar.school_id() != school_id) return Status::invalid("school_id", "must match the path (" + school_id + ")");
  HWLOAD_RETURN_IF_ERROR(validate_calendar(calendar));
  store::Transaction tx(store_.db());
  if (!store_.school(school_id)) return unknown_school(school_id);
  store_.put_calendar(calendar);
  auto ctx = load_school(school_id);
  if (!ctx.is_ok()) return ctx.status();
  reevaluate_school(*ctx);
  tx.commit();
  return store_.calendar(school_id);
}

StatusOr<pb::Calendar> Service::get_calendar(const std::string& school_id) {
  if (!store_.school(school_id)) return unknown_school(school_id);
  return store_.calendar(school_id);
}

// ---- assignments and timings --------------------------------------------------

const StatusOr<Service::SchoolContext>& Service::school_of(Lookups& lookups, const std::string& school_id) {
  auto it = lookups.schools.find(school_id);
  if (it == lookups.schools.end()) it = lookups.schools.emplace(school_id, load_school(school_id)).first;
  return it->second;
}

pb::ItemResult Service::apply_assignment(pb::Assignment a, Touched& touched, const ItemGate& gate, Lookups& lookups) {
  const std::string id = a.assignment_id();
  if (Status st = validate_assignment(a); !st.is_ok()) return rejected(id, st);
  normalize(a);
  if (gate) {
    if (Status st = gate(a.school_id(), a.class_id()); !st.is_ok()) return rejected(id, st);
  }
  if (const auto& school = school_of(lookups, a.school_id());
      !school.is_ok() && school.status().code() == Code::kNotFound) {
    return rejected(id, unknown_school(a.school_id()));
  }
  if (!store_.klass(a.school_id(), a.class_id())) {
    return rejected(id, unknown_class(a.school_id(), a.class_id()));
  }
  // A new id, the usual case, is stored by the insert itself, in one look at the
  // index; only an id already taken is read back and compared.
  if (store_.insert_assignment(a, now())) {
    touched[{a.school_id(), a.class_id()}].insert(*analytics::parse_date(a.assigned_date()));
    return item(id, pb::CREATED);
  }
  if (auto existing = store_.assignment(id)) {
    if (gate) {
      // An id already used by a class outside the caller's scope: refused for the
      // same reason, without saying more about that assignment.
      const auto& e = existing->assignment;
      if (Status st = gate(e.school_id(), e.class_id()); !st.is_ok()) return rejected(id, st);
    }
    if (existing->withdrawn) {
      return rejected(id, Status::conflict("assignment_id " + id + " names a withdrawn assignment"));
    }
    if (google::protobuf::util::MessageDifferencer::Equals(existing->assignment, a)) {
      // A retried post gets the warnings the first one did.
      touched[{a.school_id(), a.class_id()}].insert(*analytics::parse_date(a.assigned_date()));
      return item(id, pb::UNCHANGED);
    }
    return rejected(
        id, Status::conflict("assignment_id " + id + " already names a different assignment; edits go through PUT"));
  }
  throw store::StoreError(0, "assignment " + id + " is neither new nor stored");
}

StatusOr<pb::BatchResult> Service::post_assignments(const pb::AssignmentBatch& batch, const ItemGate& gate) {
  if (batch.assignments_size() > options_.max_batch_items) {
    return Status::invalid("assignments", "must hold at most " + std::to_string(options_.max_batch_items) + " items");
  }
  store::Transaction tx(store_.db());
  Touched touched;
  Lookups lookups;
  pb::BatchResult result =
      apply_items(store_.db(), "assignments", batch.assignments(), touched,
                  [&](const pb::Assignment& a, Touched& t) { return apply_assignment(a, t, gate, lookups); });
  for (auto& w : reevaluate_touched(touched, lookups)) *result.add_warnings() = std::move(w);
  if (!batch.validate_only()) tx.commit();
  return result;
}

StatusOr<pb::BatchResult> Service::put_assignment(const std::string& assignment_id, pb::Assignment a) {
  if (a.assignment_id().empty()) a.set_assignment_id(assignment_id);
  if (a.assignment_id() != assignment_id) {
    return Status::invalid("assignment_id", "must match the path (" + assignment_id + ")");
  }
  HWLOAD_RETURN_IF_ERROR(validate_assignment(a));
  normalize(a);
  store::Transaction tx(store_.db());
  if (!store_.school(a.school_id())) return unknown_school(a.school_id());
  if (!store_.klass(a.school_id(), a.class_id())) {
    return unknown_class(a.school_id(), a.class_id());
  }
  Touched touched;
  pb::BatchResult result;
  const auto existing = store_.assignment(assignment_id);
  if (!existing) {
    store_.insert_assignment(a, now());
    *result.add_items() = item(assignment_id, pb::CREATED);
  } else if (existing->withdrawn) {
    return Status::conflict("assignment " + assignment_id + " was withdrawn and cannot be edited");
  } else if (google::protobuf::util::MessageDifferencer::Equals(existing->assignment, a)) {
    *result.add_items() = item(assignment_id, pb::UNCHANGED);
  } else {
    store_.update_assignment(a, now());
    const auto& old = existing->assignment;
    touched[{old.school_id(), old.class_id()}].insert(*analytics::parse_date(old.assigned_date()));
    *result.add_items() = item(assignment_id, pb::UPDATED);
  }
  touched[{a.school_id(), a.class_id()}].insert(*analytics::parse_date(a.assigned_date()));
  Lookups lookups;
  for (auto& w : reevaluate_touched(touched, lookups)) *result.add_warnings() = std::move(w);
  tx.commit();
  return result;
}

StatusOr<pb::Assignment> Service::get_assignment(const std::string& assignment_id) {
  auto a = store_.assignment(assignment_id);
  if (!a) return unknown_assignment(assignment_id);
  return a->assignment;
}

Status Service::withdraw_assignment(const std::string& assignment_id) {
  store::Transaction tx(store_.db());
  auto existing = store_.assignment(assignment_id);
  if (!existing) return unknown_assignment(assignment_id);
  if (existing->withdrawn) return {};  // withdrawing twice is a no-op
  store_.withdraw_assignment(assignment_id, now());
  const auto& a = existing->assignment;
  auto ctx = load_school(a.school_id());
  if (!ctx.is_ok()) return ctx.status();
  if (auto klass = store_.klass(a.school_id(), a.class_id())) {
    reevaluate(*ctx, *klass, {*analytics::parse_date(a.assigned_date())}, Changed::kRecords);
  }
  tx.commit();
  return {};
}

pb::ItemResult Service::apply_timing(const pb::TimingReport& report, Touched& touched, const ItemGate& gate) {
  const std::string& id = report.assignment_id();
  if (Status st = validate_timing_report(report); !st.is_ok()) return rejected(id, st);
  const auto a = store_.assignment_place(id);
  if (!a) return rejected(id, unknown_assignment(id));
  if (gate) {
    if (Status st = gate(a->school_id, a->class_id); !st.is_ok()) return rejected(id, st);
  }
  if (a->withdrawn) {
    return rejected(id, Status::invalid("assignment_id", "assignment " + id + " was withdrawn; it takes no timings"));
  }
  bool created = false, updated = false;
  // What the students reported before, read at once: the report's changes, and how
  // many distinct students the assignment then has, follow from it.
  const auto before = store_.timings_of(id);
  size_t reported = before.size();
  std::vector<const pb::StudentTiming*> changes;
  for (const auto& st : report.students()) {
    const auto it = before.find(st.student_key());
    if (it == before.end()) {
      created = true;
      ++reported;
    } else if (it->second.minutes != st.minutes() || it->second.unfinished != st.unfinished()) {
      updated = true;
    } else {
      continue;
    }
    changes.push_back(&st);
  }
  if (const auto klass = store_.klass(a->school_id, a->class_id);
      klass && klass->student_count() > 0 && reported > static_cast<size_t>(klass->student_count())) {
    return rejected(
        id, Status::invalid("students", "class " + a->class_id + " has " + std::to_string(klass->student_count()) +
                                            " students; this report would make " + std::to_string(reported) +
                                            " distinct students"));
  }
  const std::string stamp = now();
  for (const auto* st : changes) {
    store_.put_timing(id, st->student_key(), store::Store::Timing{st->minutes(), st->unfinished()}, stamp);
  }
  if (!created && !updated) return item(id, pb::UNCHANGED);
  touched[{a->school_id, a->class_id}].insert(*analytics::parse_date(a->assigned_date));
  return item(id, updated ? pb::UPDATED : pb::CREATED);
}

StatusOr<pb::BatchResult> Service::post_timings(const pb::TimingBatch& batch, const ItemGate& gate) {
  if (batch.reports_size() > options_.max_batch_items) {
    return Status::invalid("reports", "must hold at most " + std::to_string(options_.max_batch_items) + " items");
  }
  store::Transaction tx(store_.db());
  Touched touched;
  Lookups lookups;
  pb::BatchResult result =
      apply_items(store_.db(), "reports", batch.reports(), touched,
                  [&](const pb::TimingReport& r, Touched& t) { return apply_timing(r, t, gate); });
  for (auto& w : reevaluate_touched(touched, lookups)) *result.add_warnings() = std::move(w);
  if (!batch.validate_only()) tx.commit();
  return result;
}

std::vector<pb::Warning> Service::reevaluate_touched(const Touched& touched, Lookups& lookups) {
  std::vector<pb::Warning> out;
  for (const auto& [key, dates] : touched) {
    const auto& [school_id, class_id] = key;
    const auto& ctx = school_of(lookups, school_id);
    if (!ctx.is_ok()) continue;
    const auto klass = store_.klass(school_id, class_id);
    if (!klass) continue;
    for (const auto& [date, findings] : reevaluate(*ctx, *klass, dates, Changed::kRecords)) {
      for (const auto& f : findings) {
        pb::Warning& w = out.emplace_back();
        w.set_code(static_cast<pb::BreachKind>(f.kind));
        w.set_message(f.detail);
        w.set_school_id(school_id);
        w.set_class_id(class_id);
        w.set_date(analytics::format_date(date));
        w.set_load_minutes(f.load_minutes);
        w.set_cap_minutes(f.cap_minutes);
      }
    }
  }
  return out;
}

// ---- breach evaluation -------------------------------------------------------

Service::Findings Service::reevaluate(const SchoolContext& ctx, const pb::Class& klass, const std::set<Date>& dates,
                                      Changed changed, int* opened) {
  Findings out;
  if (dates.empty()) return out;
  const auto& profile = *ctx.profile;
  const int grade = klass.grade();
  const bool flexible_week = profile.no_homework_applies(grade) && ctx.calendar.no_homework_weekday() == 0;

  std::set<Date> all = dates;
  if (flexible_week) {
    for (Date d : dates) {
      if (auto last = analytics::last_school_day(ctx.calendar, analytics::iso_week_of(d))) all.insert(*last);
    }
  }
  // Only the records the rules read: the dates themselves, and for the flexible
  // no-homework week the whole ISO weeks they fall in (REPEATED reads breach dates,
  // not records).
  Date lo = *all.begin(), hi = *all.rbegin();
  if (flexible_week) {
    lo = analytics::monday_of(analytics::iso_week_of(lo));
    hi = analytics::monday_of(analytics::iso_week_of(hi)) + 6;
  }
  const store::ClassRecords records = store_.class_records(ctx.school.school_id(), klass.class_id(), lo, hi);
  auto has_counted = [&](Date d) {
    const auto& on = records.assignments_on(d);
    return std::any_of(on.begin(), on.end(), analytics::is_counted);
  };

  // REPEATED escalation looks at the window each changed date can take part in.
  const int window = profile.repeated_window_days;
  std::set<Date> affected;
  for (Date d : all) {
    for (int i = 0; i < window; ++i) affected.insert(d + i);
  }
  const Date first = *affected.begin(), last = *affected.rbegin();
  // The class's open breaches. Both passes sync against them, and keep them as they
  // leave them. The first pass changes only kinds other than REPEATED, and the second
  // only REPEATED, whose windows count the dates left with a BREACH-severity breach.
  // When only records changed, the first pass reads just its own dates' breaches,
  // and the second runs only if one of those dates gained or lost a BREACH-severity
  // breach: otherwise every window counts what it counted before. Anything else
  // reads from the earliest date a REPEATED window can reach back to, and redoes them.
  std::map<Date, std::vector<pb::Breach>> open;
  const auto read_open = [&](Date from, Date to) {
    open.clear();
    for (auto& b : store_.open_breaches_in(ctx.school.school_id(), klass.class_id(), from, to)) {
      if (auto d = analytics::parse_date(b.date())) open[*d].push_back(std::move(b));
    }
  };
  const auto has_breach = [](const std::vector<pb::Breach>& on) {
    return std::any_of(on.begin(), on.end(), [](const pb::Breach& b) { return b.severity() == pb::BREACH; });
  };
  const bool records_only = changed == Changed::kRecords;
  if (records_only) {
    read_open(*all.begin(), *all.rbegin());
  } else {
    read_open(first - (window - 1), last);
  }

  bool breach_dates_changed = false;
  for (Date d : all) {
    const auto& assignments = records.assignments_on(d);
    analytics::ClassDay day;
    day.grade = grade;
    day.date = d;
    day.day_kind = ctx.calendar.day_kind(d);
    day.assignments = assignments;
    day.load =
        analytics::compute_day_load(profile.cap_minutes(grade, day.day_kind), assignments, records.timings_on(d));
    write_rollup(ctx, klass, d, day);
    std::vector<Finding> findings = analytics::evaluate_class_day(profile, ctx.calendar, day);
    if (flexible_week) {
      auto week = analytics::evaluate_no_homework_week(profile, ctx.calendar, grade, analytics::iso_week_of(d), today(),
                                                       has_counted);
      if (week && week->date == d) findings.push_back(week->finding);
    }
    const bool had_breach = has_breach(open[d]);
    const int n = sync_breaches(ctx, klass, d, findings, false, open[d]);
    breach_dates_changed = breach_dates_changed || has_breach(open[d]) != had_breach;
    if (opened) *opened += n;
    if (dates.contains(d)) out[d] = std::move(findings);
  }
  if (records_only) {
    if (!breach_dates_changed) return out;
    read_open(first - (window - 1), last);
  }

  std::set<Date> breach_dates;
  for (const auto& [d, on] : open) {
    if (has_breach(on)) breach_dates.insert(d);
  }
  const auto repeated = analytics::repeated_dates(breach_dates, profile.repeated_count, window, first, last);
  const std::set<Date> repeated_set(repeated.begin(), repeated.end());
  for (Date d : affected) {
    std::vector<Finding> desired;
    if (repeated_set.contains(d)) {
      int n = 0;
      std::string list;
      for (auto it = breach_dates.lower_bound(d - (window - 1)); it != breach_dates.end() && *it <= d; ++it, ++n) {
        list += (list.empty() ? "" : ", ") + analytics::format_date(*it);
      }
      desired.push_back(Finding{analytics::BreachKind::kRepeated,
                                analytics::severity_of(analytics::BreachKind::kRepeated), n, profile.repeated_count,
                                "breaches on " + std::to_string(n) + " distinct dates within " +
                                    std::to_string(window) + " days (" + list + ")"});
    }
    const int n = sync_breaches(ctx, klass, d, desired, true, open[d]);
    if (opened) *opened += n;
  }
  return out;
}

int Service::sync_breaches(const SchoolContext& ctx, const pb::Class& klass, Date date,
                           const std::vector<Finding>& desired, bool repeated_only, std::vector<pb::Breach>& open) {
  std::string stamp;  // read from the clock only when a breach opens or resolves
  const auto stamp_now = [&]() -> const std::string& {
    if (stamp.empty()) stamp = now();
    return stamp;
  };
  int opened = 0;
  std::vector<pb::Breach> after;
  for (const auto& f : desired) {
    auto it = std::find_if(open.begin(), open.end(),
                           [&](const pb::Breach& b) { return b.kind() == static_cast<pb::BreachKind>(f.kind); });
    if (it != open.end()) {
      pb::Breach& b = after.emplace_back(*it);
      if (!same_figures(b, f, klass.grade())) {
        b.set_load_minutes(f.load_minutes);
        b.set_cap_minutes(f.cap_minutes);
        b.set_detail(f.detail);
        b.set_grade(klass.grade());
        store_.update_breach_figures(b);
      }
      continue;
    }
    pb::Breach& b = after.emplace_back();
    b.set_breach_id(ids_.next());
    b.set_kind(static_cast<pb::BreachKind>(f.kind));
    b.set_severity(static_cast<pb::Severity>(f.severity));
    b.set_school_id(ctx.school.school_id());
    b.set_class_id(klass.class_id());
    b.set_grade(klass.grade());
    b.set_date(analytics::format_date(date));
    b.set_load_minutes(f.load_minutes);
    b.set_cap_minutes(f.cap_minutes);
    b.set_detail(f.detail);
    b.set_state(pb::OPEN);
    b.set_opened_at(stamp_now());
    store_.insert_breach(b);
    write_alert(ctx, b, "OPENED");
    ++opened;
  }
  for (auto& b : open) {
    const bool is_repeated = b.kind() == pb::REPEATED;
    if (is_repeated != repeated_only) {
      after.push_back(std::move(b));  // another pass's kind: left as it is
      continue;
    }
    const bool wanted = std::any_of(desired.begin(), desired.end(),
                                    [&](const Finding& f) { return static_cast<pb::BreachKind>(f.kind) == b.kind(); });
    if (wanted) continue;  // kept, with its figures, above
    store_.resolve_breach(b.breach_id(), stamp_now());
    pb::Breach resolved = b;
    resolved.set_state(pb::RESOLVED);
    resolved.set_resolved_at(stamp_now());
    write_alert(ctx, resolved, "RESOLVED");
  }
  open = std::move(after);
  return opened;
}

void Service::write_alert(const SchoolContext& ctx, const pb::Breach& b, const char* event) {
  if (static_cast<int>(b.severity()) < static_cast<int>(ctx.profile->alert_min_severity)) return;
  const auto t = clock_.now();
  store_.insert_alert(ids_.next(), b, ctx.school.district(), event, format_rfc3339(t),
                      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

int Service::reevaluate_school(const SchoolContext& ctx) {
  const auto classes = store_.classes(ctx.school.school_id(), 0);
  const auto dates_by_class = store_.record_dates_by_class(ctx.school.school_id());
  for (const auto& klass : classes) {
    const auto it = dates_by_class.find(klass.class_id());
    if (it == dates_by_class.end()) continue;
    reevaluate(ctx, klass, std::set<Date>(it->second.begin(), it->second.end()), Changed::kAnything);
  }
  return static_cast<int>(classes.size());
}

int Service::refresh_rollups() {
  const std::string want = rollup_fingerprint(profiles_);
  if (store_.meta("rollups") == want) return 0;
  int classes = 0;
  store::Transaction tx(store_.db());
  store_.clear_day_loads();
  for (const auto& school : store_.schools_in_district("")) {
    auto ctx = load_school(school.school_id());
    if (!ctx.is_ok()) continue;  // a school naming a profile no longer configured: its reads say so
    classes += reevaluate_school(*ctx);
  }
  store_.put_meta("rollups", want);
  tx.commit();
  return classes;
}

int Service::sweep_finished_weeks(int weeks_back) {
  int opened = 0;
  store::Transaction tx(store_.db());
  const Date monday = analytics::monday_of(analytics::iso_week_of(today()));
  for (const auto& school : store_.schools_in_district("")) {
    auto ctx = load_school(school.school_id());
    if (!ctx.is_ok() || !ctx->profile->no_homework_day || ctx->calendar.no_homework_weekday() != 0) continue;
    for (const auto& klass : store_.classes(school.school_id(), 0)) {
      if (!ctx->profile->no_homework_applies(klass.grade())) continue;
      std::set<Date> dates;
      for (int w = 1; w <= weeks_back; ++w) {
        const Date m = monday - 7 * w;
        if (auto last = analytics::last_school_day(ctx->calendar, analytics::iso_week_of(m))) dates.insert(*last);
      }
      reevaluate(*ctx, klass, dates, Changed::kAnything, &opened);
    }
  }
  tx.commit();
  return opened;
}

// ---- reads -------------------------------------------------------------------

pb::DayLoad Service::day_load(const SchoolContext& ctx, const pb::Class& klass, Date date,
                              const analytics::DayLoadFigures& figures) const {
  pb::DayLoad d;
  d.set_date(analytics::format_date(date));
  d.set_day_kind(static_cast<pb::DayKind>(ctx.calendar.day_kind(date)));
  d.set_cap_minutes(figures.cap_minutes);
  d.set_planned_minutes(figures.planned_minutes);
  d.set_measured_mean_minutes(figures.measured_mean_minutes);
  d.set_measured_p90_minutes(figures.measured_p90_minutes);
  d.set_students_reported(figures.students_reported);
  d.set_students_over_cap(figures.students_over_cap);
  d.set_students_unfinished(figures.students_unfinished);
  d.set_no_homework_day(analytics::is_fixed_no_homework_day(*ctx.profile, ctx.calendar, klass.grade(), date));
  for (const auto& s : figures.subjects) {
    auto* sl = d.add_subjects();
    sl->set_subject(s.subject);
    sl->set_planned_minutes(s.planned_minutes);
    sl->set_measured_mean_minutes(s.measured_mean_minutes);
  }
  return d;
}

void Service::write_rollup(const SchoolContext& ctx, const pb::Class& klass, Date date,
                           const analytics::ClassDay& day) {
  if (day.assignments.empty()) {
    store_.delete_day_load(ctx.school.school_id(), klass.class_id(), date);
    return;
  }
  store::Store::DayRollup r;
  r.grade = klass.grade();
  r.students_reported = day.load.students_reported;
  r.students_over_cap = day.load.students_over_cap;
  r.has_counted = day.load.has_counted;
  r.over_cap = analytics::class_day_over_cap(day.load);
  store_.put_day_load(ctx.school.school_id(), klass.class_id(), day_load(ctx, klass, date, day.load), r);
}

// Reads the class-days' rollups; a date without one has no records, and its load is
// that of an empty day.
pb::ClassLoad Service::class_load_of(const SchoolContext& ctx, const pb::Class& klass, Date from, Date to) {
  auto stored = store_.day_loads(ctx.school.school_id(), klass.class_id(), from, to);
  const auto open = store_.open_breaches_in(ctx.school.school_id(), klass.class_id(), from, to);
  pb::ClassLoad out;
  out.set_school_id(ctx.school.school_id());
  out.set_class_id(klass.class_id());
  out.set_class_name(klass.name());
  out.set_grade(klass.grade());
  auto b = open.begin();
  for (Date d = from; d <= to; d = d + 1) {
    pb::DayLoad* day = out.add_days();
    if (auto it = stored.find(d); it != stored.end()) {
      *day = std::move(it->second);
    } else {
      const int cap = ctx.profile->cap_minutes(klass.grade(), ctx.calendar.day_kind(d));
      *day = day_load(ctx, klass, d, analytics::compute_day_load(cap, {}, {}));
    }
    // Open breaches come ordered by date.
    for (; b != open.end() && b->date() <= day->date(); ++b) {
      if (b->date() == day->date()) *day->add_breaches() = *b;
    }
  }
  return out;
}

StatusOr<pb::ClassLoad> Service::class_load(const std::string& school_id, const std::string& class_id,
                                            const std::string& from_text, const std::string& to_text) {
  auto from = parse_date_param("from", from_text);
  if (!from.is_ok()) return from.status();
  auto to = parse_date_param("to", to_text);
  if (!to.is_ok()) return to.status();
  HWLOAD_RETURN_IF_ERROR(check_range_days("to", *from, *to, options_.max_range_days));
  auto ctx = load_school(school_id);
  if (!ctx.is_ok()) return ctx.status();
  auto klass = store_.klass(school_id, class_id);
  if (!klass) return unknown_class(school_id, class_id);
  return class_load_of(*ctx, *klass, *from, *to);
}

StatusOr<pb::GradeWeek> Service::grade_week(const std::string& school_id, int grade, const std::string& week_text) {
  if (grade < 1 || grade > 9) return Status::invalid("grade", "must be between 1 and 9");
  const auto week = analytics::parse_iso_week(week_text);
  if (!week)
    return Status::invalid("week", "must be an ISO week like 2026-W47 (got \"" + week_text.substr(0, 20) + "\")");
  auto ctx = load_school(school_id);
  if (!ctx.is_ok()) return ctx.status();
  pb::GradeWeek out;
  out.set_school_id(school_id);
  out.set_grade(grade);
  out.set_week(analytics::format_iso_week(*week));
  const Date monday = analytics::monday_of(*week);
  for (const auto& klass : store_.classes(school_id, grade))
    *out.add_classes() = class_load_of(*ctx, klass, monday, monday + 6);
  return out;
}

StatusOr<pb::BreachList> Service::breaches(const BreachQuery& q) {
  store::BreachFilter f;
  f.school_id = q.school_id;
  f.district = q.district;
  f.class_id = q.class_id;
  f.grade = q.grade;
  if (!q.from.empty()) HWLOAD_RETURN_IF_ERROR(check_date("from", q.from));
  if (!q.to.empty()) HWLOAD_RETURN_IF_ERROR(check_date("to", q.to));
  f.from = q.from;
  f.to = q.to;
  if (q.state.empty()) {
    f.state = 0;
  } else if (q.state == "OPEN") {
    f.state = pb::OPEN;
  } else if (q.state == "RESOLVED") {
    f.state = pb::RESOLVED;
  } else {
    return Status::invalid("state", "must be OPEN or RESOLVED");
  }
  if (q.grade != 0 && (q.grade < 1 || q.grade > 9)) return Status::invalid("grade", "must be between 1 and 9");
  if (q.limit < 1 || q.limit > options_.max_list) {
    return Status::invalid("limit", "must be between 1 and " + std::to_string(options_.max_list));
  }
  if (!q.school_id.empty() && !store_.school(q.school_id)) {
    return unknown_school(q.school_id);
  }
  pb::BreachList out;
  for (auto& b : store_.breaches(f, q.limit)) *out.add_breaches() = std::move(b);
  return out;
}

StatusOr<pb::Compliance> Service::compliance(const ComplianceQuery& q) {
  auto from = parse_date_param("from", q.from);
  if (!from.is_ok()) return from.status();
  auto to = parse_date_param("to", q.to);
  if (!to.is_ok()) return to.status();
  HWLOAD_RETURN_IF_ERROR(check_range_days("to", *from, *to, options_.max_range_days));
  if (q.grade != 0 && (q.grade < 1 || q.grade > 9)) return Status::invalid("grade", "must be between 1 and 9");

  std::vector<pb::School> schools;
  std::string scope;
  if (!q.school_id.empty()) {
    auto s = store_.school(q.school_id);
    if (!s) return unknown_school(q.school_id);
    if (!q.district.empty() && s->district() != q.district) {
      return Status::not_found("school \"" + q.school_id + "\" is not in district \"" + q.district + "\"");
    }
    schools.push_back(*s);
    scope = "school:" + q.school_id;
  } else {
    schools = store_.schools_in_district(q.district);
    scope = q.district.empty() ? "all" : "district:" + q.district;
  }
  if (q.grade != 0) scope += "/grade:" + std::to_string(q.grade);

  // Sums of the class-day rollups: no raw timing is read.
  analytics::ComplianceTotals totals;
  for (const auto& school : schools) {
    // A school whose profile is no longer configured has no current rollups: say
    // so rather than count it as empty.
    if (!profiles_.find(school.profile())) return load_school(school.school_id()).status();
    const auto t = store_.rollup_totals(school.school_id(), q.grade, *from, *to);
    totals.student_days += t.student_days;
    totals.student_days_within_cap += t.student_days_within_cap;
    totals.class_days += t.class_days;
    totals.class_days_over_cap += t.class_days_over_cap;
    for (const auto& [kind, n] : store_.open_breach_counts(school.school_id(), q.grade, *from, *to)) {
      totals.breaches_by_kind[pb::BreachKind_Name(static_cast<pb::BreachKind>(kind))] += n;
    }
  }
  pb::Compliance out;
  out.set_scope(scope);
  out.set_from(analytics::format_date(*from));
  out.set_to(analytics::format_date(*to));
  out.set_student_days(static_cast<int32_t>(totals.student_days));
  out.set_student_days_within_cap(static_cast<int32_t>(totals.student_days_within_cap));
  out.set_share_within_cap(totals.share_within_cap());
  out.set_class_days(static_cast<int32_t>(totals.class_days));
  out.set_class_days_over_cap(static_cast<int32_t>(totals.class_days_over_cap));
  for (const auto& [k, n] : totals.breaches_by_kind) (*out.mutable_breaches_by_kind())[k] = n;
  return out;
}

StatusOr<pb::Breach> Service::acknowledge(const std::string& breach_id, const pb::AcknowledgeRequest& req) {
  HWLOAD_RETURN_IF_ERROR(check_text("note", req.note(), 2000, false));
  HWLOAD_RETURN_IF_ERROR(check_text("acknowledged_by", req.acknowledged_by(), 100, false));
  store::Transaction tx(store_.db());
  const auto before = store_.breach(breach_id);
  if (!before) return unknown_breach(breach_id);
  const std::string by = req.acknowledged_by().empty() ? "unnamed" : req.acknowledged_by();
  if (before->acknowledged_by() == by && before->note() == req.note()) return *before;  // a retry: no second alert
  store_.acknowledge_breach(breach_id, by, req.note(), now());
  auto b = store_.breach(breach_id);
  // The bureau sees the acknowledgement in its feed, as it saw the breach open.
  if (auto ctx = load_school(b->school_id()); ctx.is_ok()) write_alert(*ctx, *b, "ACKNOWLEDGED");
  tx.commit();
  return *b;
}

// ---- alerts and subscriptions --------------------------------------------------

StatusOr<pb::AlertPage> Service::alerts(const std::string& after, int limit, const std::string& district) {
  int64_t seq = 0;
  if (!after.empty()) {
    const std::string prefix = kCursorPrefix;
    bool ok = after.size() > prefix.size() && after.size() < prefix.size() + 19 && after.rfind(prefix, 0) == 0;
    for (size_t i = prefix.size(); ok && i < after.size(); ++i) ok = after[i] >= '0' && after[i] <= '9';
    if (!ok) return Status::invalid("after", "must be a cursor returned as next_cursor");
    seq = std::stoll(after.substr(prefix.size()));
  }
  if (limit < 1 || limit > 1000) return Status::invalid("limit", "must be between 1 and 1000");
  pb::AlertPage page;
  for (auto& a : store_.alerts_after(seq, limit, district)) {
    seq = a.seq();
    *page.add_alerts() = std::move(a);
  }
  page.set_next_cursor(kCursorPrefix + std::to_string(seq));
  return page;
}

StatusOr<pb::Subscription> Service::put_subscription(const std::string& subscription_id, pb::Subscription sub) {
  if (sub.subscription_id().empty()) sub.set_subscription_id(subscription_id);
  if (sub.subscription_id() != subscription_id) {
    return Status::invalid("subscription_id", "must match the path (" + subscription_id + ")");
  }
  HWLOAD_RETURN_IF_ERROR(validate_subscription(sub));
  store::Transaction tx(store_.db());
  store_.put_subscription(sub, now());
  tx.commit();
  sub.clear_secret();  // never echoed
  return sub;
}

StatusOr<std::vector<pb::Subscription>> Service::list_subscriptions(const std::string& district) {
  auto subs = store_.subscriptions(district);
  for (auto& s : subs) s.clear_secret();
  return subs;
}

}  // namespace hwload::core
