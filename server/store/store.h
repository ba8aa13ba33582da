// SQLite storage for hwload: schema and migrations, and the queries the service
// needs, in the domain's terms. The caller owns transactions (store::Transaction).
// Not thread-safe: one Store is used from one thread (the store thread).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hwload/analytics/calendar.h"
#include "hwload/analytics/load.h"
#include "hwload/v1/hwload.pb.h"
#include "store/sqlite.h"

namespace hwload::store {

namespace pb = ::hwload::v1;

struct StoredAssignment {
  pb::Assignment assignment;
  bool withdrawn = false;
};

// Where an assignment belongs, and whether it stands: what a timing report needs of it.
struct AssignmentPlace {
  std::string school_id, class_id, assigned_date;
  bool withdrawn = false;
};

// A class's records over a date range, grouped by date: what loads are computed from.
struct ClassRecords {
  std::map<analytics::Date, std::vector<analytics::AssignmentFacts>> assignments;
  std::map<analytics::Date, std::vector<analytics::TimingFacts>> timings;

  // The records of one date (empty when there are none).
  const std::vector<analytics::AssignmentFacts>& assignments_on(analytics::Date d) const;
  const std::vector<analytics::TimingFacts>& timings_on(analytics::Date d) const;
};

struct BreachFilter {
  std::string school_id;  // empty: any
  std::string district;   // empty: any
  std::string class_id;   // empty: any
  int grade = 0;          // 0: any
  std::string from, to;   // inclusive dates; empty: open-ended
  int state = 0;          // 0: any, else pb::BreachState
};

// A published notice and what it is a version of: "D:<date>" for a daily notice,
// "W:<week>:<grade>" for a weekly one.
struct StoredNotice {
  pb::Notice notice;
  std::string subject;
};

// What a list of notices shows, read without the snapshot itself.
struct NoticeHeader {
  int64_t seq = 0;  // publishing order
  std::string notice_id, subject, published_at, published_by;
  int version = 0;
  int latest_version = 0;  // of the same subject
  std::string latest_notice_id;
};

// An access token as stored: its public id, the hash of its secret, its role and
// scope (see server/auth/).
struct TokenRecord {
  std::string token_id;
  std::string secret_hash;  // SHA-256 of the secret; the secret itself is never stored
  std::string role;         // teacher, grade_leader, school_admin, bureau, operator
  std::string district, school_id;
  int grade = 0;
  std::vector<std::string> classes;
  std::string label;
  std::string created_at, revoked_at;  // revoked_at empty: in force
};

// One change in the audit log. Never holds a token's secret.
struct AuditEntry {
  int64_t seq = 0;
  std::string at;                     // RFC 3339
  std::string token_id, role;         // who
  std::string remote;                 // from where (peer address)
  std::string method, route, target;  // what: e.g. POST /v1/assignments
  std::string school_id, district;    // whose (for the readers' scopes)
  int status = 0;                     // the answer
};

class Store {
 public:
  // Opens the file, sets WAL and synchronous=FULL, and migrates the schema.
  // Throws StoreError when the file cannot be used (or has a newer schema).
  // `vfs` names a registered SQLite VFS (empty: the default): a WalBufferVfs,
  // which needs the WAL synced at each commit; open() checks that it is.
  static std::unique_ptr<Store> open(const std::string& path, const std::string& vfs = {});
  // For tests of a migration: as open(), but migrates only as far as `version`
  // (StoreError when the file's schema is newer than that).
  static std::unique_ptr<Store> open_at_version(const std::string& path, int version, const std::string& vfs = {});
  // Another connection to a store open() has migrated, for reads beside the writer
  // (WAL): query_only, so a read that would write fails instead.
  static std::unique_ptr<Store> open_reader(const std::string& path);
  Db& db() { return *db_; }
  int schema_version();

  // Schools, classes, calendars.
  std::optional<pb::School> school(const std::string& school_id);
  void put_school(const pb::School& school, const std::string& now);
  std::vector<pb::School> schools_in_district(const std::string& district);
  std::optional<pb::Class> klass(const std::string& school_id, const std::string& class_id);
  void put_class(const pb::Class& klass, const std::string& now);
  std::vector<pb::Class> classes(const std::string& school_id, int grade /*0: all*/);
  pb::Calendar calendar(const std::string& school_id);
  void put_calendar(const pb::Calendar& calendar);

  // Assignments.
  std::optional<StoredAssignment> assignment(const std::string& assignment_id);
  // The same row's school, class, date and withdrawal only (not its text).
  std::optional<AssignmentPlace> assignment_place(const std::string& assignment_id);
  // False, storing nothing, when the id is taken already.
  bool insert_assignment(const pb::Assignment& a, const std::string& now);
  void update_assignment(const pb::Assignment& a, const std::string& now);
  void withdraw_assignment(const std::string& assignment_id, const std::string& now);
  // Distinct dates with any record for the class (for re-evaluating after a change
  // of grade, profile or calendar).
  std::vector<analytics::Date> record_dates(const std::string& school_id, const std::string& class_id);
  // The same for every class of the school, by class.
  std::map<std::string, std::vector<analytics::Date>> record_dates_by_class(const std::string& school_id);
  ClassRecords class_records(const std::string& school_id, const std::string& class_id, analytics::Date from,
                             analytics::Date to);
  // All records of the class on `date`, for disclosure and the banned-practice rule.
  std::vector<StoredAssignment> assignments_on(const std::string& school_id, const std::string& class_id,
                                               analytics::Date date);

  // Timings: one figure per (assignment, student); a new report replaces it.
  struct Timing {
    int minutes = 0;
    bool unfinished = false;
  };
  // Every student's figure for the assignment, by student key (one range read of
  // the primary key).
  std::map<std::string, Timing> timings_of(const std::string& assignment_id);
  void put_timing(const std::string& assignment_id, const std::string& student_key, Timing t, const std::string& now);

  // Rollups: one row per class-day with records, kept by the re-evaluation in the
  // same transaction as the change.
  struct DayRollup {
    int grade = 0;
    int students_reported = 0, students_over_cap = 0;
    bool has_counted = false, over_cap = false;
  };
  void put_day_load(const std::string& school_id, const std::string& class_id, const pb::DayLoad& day,
                    const DayRollup& rollup);
  void delete_day_load(const std::string& school_id, const std::string& class_id, analytics::Date date);
  void clear_day_loads();
  // The stored DayLoads of the class in [from, to], by date (dates without records
  // have none).
  std::map<analytics::Date, pb::DayLoad> day_loads(const std::string& school_id, const std::string& class_id,
                                                   analytics::Date from, analytics::Date to);
  struct RollupTotals {
    long long student_days = 0, student_days_within_cap = 0, class_days = 0, class_days_over_cap = 0;
  };
  // Sums of the school's rollups over [from, to] (grade 0: every grade).
  RollupTotals rollup_totals(const std::string& school_id, int grade, analytics::Date from, analytics::Date to);
  // Settings kept with the data (e.g. which profiles the rollups were computed with).
  std::optional<std::string> meta(const std::string& key);
  void put_meta(const std::string& key, const std::string& value);

  // Breaches.
  // OPEN breaches of the school over [from, to] (grade 0: every grade), by kind.
  std::map<int, int> open_breach_counts(const std::string& school_id, int grade, analytics::Date from,
                                        analytics::Date to);
  std::vector<pb::Breach> open_breaches_in(const std::string& school_id, const std::string& class_id,
                                           analytics::Date from, analytics::Date to);
  void insert_breach(const pb::Breach& b);
  void update_breach_figures(const pb::Breach& b);
  void resolve_breach(const std::string& breach_id, const std::string& now);
  std::optional<pb::Breach> breach(const std::string& breach_id);
  void acknowledge_breach(const std::string& breach_id, const std::string& by, const std::string& note,
                          const std::string& now);
  std::vector<pb::Breach> breaches(const BreachFilter& filter, int limit);

  // Alerts: the outbox, written in the transaction of the breach change, with one
  // pending delivery per subscription of the district.
  int64_t insert_alert(const std::string& alert_id, const pb::Breach& breach, const std::string& district,
                       const std::string& event, const std::string& now, int64_t now_ms);
  std::vector<pb::Alert> alerts_after(int64_t seq, int limit, const std::string& district /*empty: all*/);

  // Subscriptions.
  void put_subscription(const pb::Subscription& s, const std::string& now);
  std::vector<pb::Subscription> subscriptions(const std::string& district /*empty: all*/);
  // Its id and district only (for deciding who may replace it).
  std::optional<pb::Subscription> subscription(const std::string& subscription_id);

  // Webhook deliveries. Each (subscription, school) is a queue in seq order: only its
  // oldest pending delivery is ever due, so a failing alert holds back later alerts
  // of the same school and subscription only.
  struct Delivery {
    std::string subscription_id;
    int64_t seq = 0;
    std::string school_id;
    int attempts = 0;
    int64_t created_ms = 0;
    std::string url, secret;
    int format = 0;
    pb::Alert alert;
  };
  std::vector<Delivery> due_deliveries(int64_t now_ms, int limit);
  void delivery_succeeded(const std::string& subscription_id, int64_t seq, const std::string& now);
  void delivery_failed(const std::string& subscription_id, int64_t seq, int64_t next_attempt_ms,
                       const std::string& error);
  void delivery_given_up(const std::string& subscription_id, int64_t seq, const std::string& error);
  struct DeliveryStats {
    int64_t pending = 0, delivered = 0, given_up = 0, attempts = 0;
    int64_t oldest_pending_created_ms = 0;  // 0: none pending
  };
  DeliveryStats delivery_stats();

  // Notices: append-only (triggers refuse UPDATE and DELETE), one row per version.
  std::optional<StoredNotice> notice(const std::string& school_id, const std::string& notice_id);
  std::optional<pb::Notice> latest_notice(const std::string& school_id, const std::string& subject);
  void insert_notice(const pb::Notice& notice, const std::string& subject);
  // Newest first, those published before `before_seq` (0: from the newest).
  std::vector<NoticeHeader> notice_headers(const std::string& school_id, int64_t before_seq, int limit);
  // The newest version of a subject and its id.
  std::optional<std::pair<int, std::string>> latest_notice_version(const std::string& school_id,
                                                                   const std::string& subject);
  std::optional<pb::NoticeSchedule> notice_schedule(const std::string& school_id);
  std::vector<pb::NoticeSchedule> enabled_notice_schedules();
  void put_notice_schedule(const pb::NoticeSchedule& schedule, const std::string& now);

  // Access tokens.
  void insert_token(const TokenRecord& token);
  std::optional<TokenRecord> token(const std::string& token_id);
  std::vector<TokenRecord> tokens();
  // False when there is no such token in force.
  bool revoke_token(const std::string& token_id, const std::string& now);

  // Browser sessions, by the hash of the session id: the token it stands for and
  // when it ends (ms since the epoch).
  void insert_session(const std::string& session_hash, const std::string& token_id, int64_t created_ms,
                      int64_t expires_ms);
  std::optional<std::pair<std::string, int64_t>> session(const std::string& session_hash);
  void delete_session(const std::string& session_hash);

  // The audit log: append-only (triggers refuse UPDATE and DELETE).
  void insert_audit(const AuditEntry& entry);
  // Oldest first after `after_seq`; empty school_id/district: any.
  std::vector<AuditEntry> audit(const std::string& school_id, const std::string& district, int64_t after_seq,
                                int limit);

 private:
  explicit Store(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  void migrate(int upto);
  // A class-day's assignments are the `members` of its day_loads row: the row is
  // made with the first and removed with the last (migration 8).
  void add_member(const std::string& school_id, const std::string& class_id, const std::string& date, int64_t rowid);
  void remove_member(const std::string& school_id, const std::string& class_id, const std::string& date,
                     int64_t rowid);
  // The rowids a class-day's row lists; none without a row.
  std::vector<int64_t> members_of(const std::string& school_id, const std::string& class_id, const std::string& date);
  // Each timing of the assignment, as a row of (student_key, minutes, unfinished).
  void for_each_timing(const std::string& assignment_id, const std::function<void(const Stmt&)>& row);

  // Schools, classes, calendars and tokens change rarely and nearly every request
  // reads them. Rows read inside a transaction or snapshot are kept while the
  // connection's epoch (Db::epoch) stands: a change to them through this Store, a
  // rollback, or another connection's commit (a token revoked from the command
  // line) clears them all. Outside a transaction nothing is kept.
  struct Registry {
    uint64_t epoch = 0;
    std::unordered_map<std::string, std::optional<pb::School>> schools;
    std::map<std::pair<std::string, std::string>, std::optional<pb::Class>> classes;
    std::unordered_map<std::string, pb::Calendar> calendars;
    std::unordered_map<std::string, TokenRecord> tokens;  // only tokens that exist
    size_t size() const { return schools.size() + classes.size() + calendars.size() + tokens.size(); }
  };
  // The rows still valid, or nullptr outside a transaction.
  Registry* registry();
  void registry_changed() { db_->bump_epoch(); }

  std::unique_ptr<Db> db_;
  Registry registry_;
};

}  // namespace hwload::store
