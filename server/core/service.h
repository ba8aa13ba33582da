// The service: every operation of the contract, in protobuf terms, over the store
// and the pure rules of analytics/. Not thread-safe: it runs on the store thread.
// Every change runs in one SQLite transaction with the breach re-evaluation and
// the alert rows it causes, so a reply is sent only for what was committed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "hwload/analytics/breaches.h"
#include "hwload/analytics/policy.h"
#include "hwload/v1/hwload.pb.h"
#include "notices/pages.h"
#include "store/store.h"

namespace hwload::core {

namespace pb = ::hwload::v1;

// Breach and alert ids. Injected so tests can make them predictable.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string next() = 0;
};

// Time-ordered version-7 UUIDs (RFC 9562): the clock's milliseconds, then random
// bits. Breaches and alerts are inserted in about the order they are made, so their
// primary-key index grows at its end instead of taking inserts on random pages.
class TimeOrderedIdGenerator final : public IdGenerator {
 public:
  explicit TimeOrderedIdGenerator(const Clock& clock);
  std::string next() override;

 private:
  const Clock& clock_;
  std::mt19937_64 rng_;
};

struct ServiceOptions {
  int utc_offset_minutes = 480;  // the schools' local time (China Standard Time)
  int max_batch_items = 5000;
  int max_range_days = 400;
  int max_list = 10000;
  // Prefix of a notice's html_url (e.g. https://hwload.example.cn); empty: a path.
  std::string public_url;
  // Scheduled publishing catches up on the days missed up to this many days back.
  int notice_catch_up_days = 7;
};

struct PublishedNotice {
  pb::Notice notice;
  bool created = false;  // false: the content had not changed, `notice` is the latest version
};

// 404s naming the field whose value names nothing stored. The API answers with the
// same ones for what lies outside a caller's scope, so the two cannot be told apart.
Status unknown_school(const std::string& school_id);
Status unknown_class(const std::string& school_id, const std::string& class_id);
Status unknown_assignment(const std::string& assignment_id);
Status unknown_breach(const std::string& breach_id);

// Whether the caller may write records of a class; a refusal rejects that batch
// item with its reason. Empty: every class may be written.
using ItemGate = std::function<Status(const std::string& school_id, const std::string& class_id)>;

struct BreachQuery {
  std::string school_id, district, class_id, from, to, state;
  int grade = 0;
  int limit = 1000;
};

struct ComplianceQuery {
  std::string district, school_id, from, to;
  int grade = 0;
};

class Service {
 public:
  Service(store::Store& store, const analytics::ProfileSet& profiles, const Clock& clock, IdGenerator& ids,
          ServiceOptions options = {});

  StatusOr<pb::School> put_school(const std::string& school_id, pb::School school);
  StatusOr<pb::School> get_school(const std::string& school_id);
  StatusOr<pb::Class> put_class(const std::string& school_id, const std::string& class_id, pb::Class klass);
  StatusOr<std::vector<pb::Class>> list_classes(const std::string& school_id, int grade);
  StatusOr<pb::Calendar> put_calendar(const std::string& school_id, pb::Calendar calendar);
  StatusOr<pb::Calendar> get_calendar(const std::string& school_id);

  StatusOr<pb::BatchResult> post_assignments(const pb::AssignmentBatch& batch, const ItemGate& gate = {});
  StatusOr<pb::BatchResult> put_assignment(const std::string& assignment_id, pb::Assignment a);
  StatusOr<pb::Assignment> get_assignment(const std::string& assignment_id);
  Status withdraw_assignment(const std::string& assignment_id);
  StatusOr<pb::BatchResult> post_timings(const pb::TimingBatch& batch, const ItemGate& gate = {});

  StatusOr<pb::ClassLoad> class_load(const std::string& school_id, const std::string& class_id, const std::string& from,
                                     const std::string& to);
  StatusOr<pb::GradeWeek> grade_week(const std::string& school_id, int grade, const std::string& week);
  StatusOr<pb::BreachList> breaches(const BreachQuery& q);
  StatusOr<pb::Compliance> compliance(const ComplianceQuery& q);
  StatusOr<pb::Breach> acknowledge(const std::string& breach_id, const pb::AcknowledgeRequest& req);

  StatusOr<pb::AlertPage> alerts(const std::string& after, int limit, const std::string& district);
  StatusOr<pb::Subscription> put_subscription(const std::string& subscription_id, pb::Subscription sub);
  StatusOr<std::vector<pb::Subscription>> list_subscriptions(const std::string& district);

  // Disclosure notices (POLICY.md R6). Publishing snapshots the school's records
  // now; a snapshot equal to the latest version is not published again.
  StatusOr<PublishedNotice> publish_notice(const std::string& school_id, const pb::PublishNoticeRequest& req);
  StatusOr<pb::Notice> get_notice(const std::string& school_id, const std::string& notice_id);
  // Newest first; `before` is a NoticeList.next_before (0: the newest page).
  StatusOr<pb::NoticeList> list_notices(const std::string& school_id, int limit, int64_t before = 0);
  StatusOr<pb::NoticeSchedule> put_notice_schedule(const std::string& school_id, pb::NoticeSchedule schedule);
  StatusOr<pb::NoticeSchedule> get_notice_schedule(const std::string& school_id);
  // Publishes every school's daily notice that is due by its schedule, including
  // school days missed while the server was down (up to notice_catch_up_days).
  // Run on a timer and at start-up. Returns the number of notices published.
  int publish_scheduled();
  // What the grade leader's weekly review page shows.
  StatusOr<notices::WeekReview> week_review(const std::string& school_id, int grade, const std::string& week);
  // The ISO week of today in the schools' local time, e.g. "2026-W48".
  std::string current_week() const;
  const ServiceOptions& options() const { return options_; }

  // Checks the weeks that have ended (flexible no-homework day, POLICY.md R3) for
  // every class it applies to: run on a timer and at start-up. Returns the number
  // of breaches it opened.
  int sweep_finished_weeks(int weeks_back = 4);

  // Rebuilds every class-day's rollup, and re-evaluates its breaches, when the
  // rollups were computed under other profiles or not at all (a store from before
  // them). Run at start-up, before serving. Returns the number of classes rebuilt
  // (0: the rollups were current).
  int refresh_rollups();

  const analytics::ProfileSet& profiles() const { return profiles_; }

 private:
  struct SchoolContext {
    pb::School school;
    const analytics::PolicyProfile* profile = nullptr;
    analytics::SchoolCalendar calendar;
  };
  using Findings = std::map<analytics::Date, std::vector<analytics::Finding>>;

  StatusOr<SchoolContext> load_school(const std::string& school_id);
  std::string now() const;
  analytics::Date today() const;

  // Schools with their calendar and profile, made once per call: a batch of records
  // does not change them. (Classes need no such map: the store keeps the rows it read
  // in the transaction.)
  struct Lookups {
    std::map<std::string, StatusOr<SchoolContext>> schools;
  };
  const StatusOr<SchoolContext>& school_of(Lookups& lookups, const std::string& school_id);

  pb::ItemResult apply_assignment(pb::Assignment a,
                                  std::map<std::pair<std::string, std::string>, std::set<analytics::Date>>& touched,
                                  const ItemGate& gate, Lookups& lookups);
  pb::ItemResult apply_timing(const pb::TimingReport& report,
                              std::map<std::pair<std::string, std::string>, std::set<analytics::Date>>& touched,
                              const ItemGate& gate);
  // What changed before a re-evaluation, and so what it must redo.
  enum class Changed {
    // Only the class's records (assignments, timings) on the dates. REPEATED reads
    // nothing but which dates have a BREACH-severity breach open, so its window is
    // redone only when a date's answer to that changes.
    kRecords,
    // The rules, the calendar or the class's grade may have changed as well:
    // everything is redone, REPEATED's window included.
    kAnything,
  };
  // Re-evaluates every rule for the class on `dates` and the dates that depend on
  // them (the week's last school day, REPEATED's window); opens and resolves
  // breaches and writes their alerts. Returns the findings on `dates`.
  // `opened`, when given, is increased by the number of breaches opened.
  Findings reevaluate(const SchoolContext& ctx, const pb::Class& klass, const std::set<analytics::Date>& dates,
                      Changed changed, int* opened = nullptr);
  // Re-evaluates every class-date of the school with records or open breaches.
  // Returns the number of classes.
  int reevaluate_school(const SchoolContext& ctx);
  // Opens, updates and resolves the class's breaches on `date` to match `desired`:
  // REPEATED ones when `repeated_only`, every other kind otherwise. `open` holds the
  // breaches open on the date, and afterwards those open once synced. Returns the
  // number of breaches it opened.
  int sync_breaches(const SchoolContext& ctx, const pb::Class& klass, analytics::Date date,
                    const std::vector<analytics::Finding>& desired, bool repeated_only, std::vector<pb::Breach>& open);
  // Writes the outbox row for a BREACH/SERIOUS breach event (OPENED, RESOLVED,
  // ACKNOWLEDGED), in the caller's transaction.
  void write_alert(const SchoolContext& ctx, const pb::Breach& b, const char* event);
  // Re-evaluates the touched class-dates (in the caller's transaction) and returns
  // what they now breach, as warnings for the response.
  std::vector<pb::Warning> reevaluate_touched(
      const std::map<std::pair<std::string, std::string>, std::set<analytics::Date>>& touched, Lookups& lookups);
  // A class-day's DayLoad, without its breaches.
  pb::DayLoad day_load(const SchoolContext& ctx, const pb::Class& klass, analytics::Date date,
                       const analytics::DayLoadFigures& figures) const;
  // Keeps the class-day's rollup (store::Store::put_day_load) equal to `day`, in the
  // caller's transaction; a day without records has none.
  void write_rollup(const SchoolContext& ctx, const pb::Class& klass, analytics::Date date,
                    const analytics::ClassDay& day);
  // One class's notice rows for [from, to] (assignments listed when asked).
  pb::NoticeClass notice_class(const SchoolContext& ctx, const pb::Class& klass, analytics::Date from,
                               analytics::Date to, bool with_assignments);
  // What a notice of the school says now: the daily notice of `from` (grade 0,
  // every class, assignments listed) or one grade's totals over [from, to].
  pb::Notice snapshot(const SchoolContext& ctx, analytics::Date from, analytics::Date to, int grade,
                      const char* published_by);
  // Publishes `notice` as the next version of `subject` unless its content equals
  // the latest version. In the caller's transaction.
  PublishedNotice publish_snapshot(pb::Notice notice, const std::string& subject);
  pb::ClassLoad class_load_of(const SchoolContext& ctx, const pb::Class& klass, analytics::Date from,
                              analytics::Date to);

  store::Store& store_;
  const analytics::ProfileSet& profiles_;
  const Clock& clock_;
  IdGenerator& ids_;
  ServiceOptions options_;
};

}  // namespace hwload::core
