#include "store/store.h"

#include <algorithm>
#include <array>

namespace hwload::store {
namespace {

using analytics::Date;

// Schema migrations, applied in order; PRAGMA user_version records how many ran.
// Append only: a released migration is never edited.
constexpr std::array<const char*, 8> kMigrations = {
    R"sql(
CREATE TABLE schools(
  school_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  district TEXT NOT NULL,
  profile TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE INDEX schools_district ON schools(district);
CREATE TABLE classes(
  school_id TEXT NOT NULL REFERENCES schools(school_id),
  class_id TEXT NOT NULL,
  grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 9),
  name TEXT NOT NULL,
  student_count INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (school_id, class_id));
CREATE TABLE calendars(
  school_id TEXT PRIMARY KEY REFERENCES schools(school_id),
  no_homework_weekday INTEGER NOT NULL);
CREATE TABLE calendar_days(
  school_id TEXT NOT NULL REFERENCES schools(school_id),
  date TEXT NOT NULL,
  day_kind INTEGER NOT NULL,
  PRIMARY KEY (school_id, date)) WITHOUT ROWID;
CREATE TABLE assignments(
  assignment_id TEXT PRIMARY KEY,
  school_id TEXT NOT NULL,
  class_id TEXT NOT NULL,
  teacher_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  assigned_date TEXT NOT NULL,
  type INTEGER NOT NULL,
  tier INTEGER NOT NULL,
  estimated_minutes INTEGER NOT NULL,
  title TEXT NOT NULL,
  content TEXT NOT NULL,
  requires_parent_grading INTEGER NOT NULL,
  assigned_to_parents INTEGER NOT NULL,
  requires_self_grading INTEGER NOT NULL,
  punitive INTEGER NOT NULL,
  repetitive INTEGER NOT NULL,
  withdrawn_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  FOREIGN KEY (school_id, class_id) REFERENCES classes(school_id, class_id));
CREATE INDEX assignments_class_date ON assignments(school_id, class_id, assigned_date);
CREATE TABLE timings(
  assignment_id TEXT NOT NULL REFERENCES assignments(assignment_id),
  student_key TEXT NOT NULL,
  minutes INTEGER NOT NULL,
  unfinished INTEGER NOT NULL,
  reported_at TEXT NOT NULL,
  PRIMARY KEY (assignment_id, student_key)) WITHOUT ROWID;
CREATE TABLE breaches(
  breach_id TEXT PRIMARY KEY,
  kind INTEGER NOT NULL,
  severity INTEGER NOT NULL,
  school_id TEXT NOT NULL,
  class_id TEXT NOT NULL,
  grade INTEGER NOT NULL,
  date TEXT NOT NULL,
  load_minutes INTEGER NOT NULL,
  cap_minutes INTEGER NOT NULL,
  detail TEXT NOT NULL,
  state INTEGER NOT NULL,
  opened_at TEXT NOT NULL,
  resolved_at TEXT NOT NULL DEFAULT '',
  acknowledged_by TEXT NOT NULL DEFAULT '',
  acknowledged_at TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX breaches_one_open ON breaches(school_id, class_id, date, kind) WHERE state = 1;
CREATE INDEX breaches_school_date ON breaches(school_id, date);
CREATE INDEX breaches_class_date ON breaches(school_id, class_id, date);
CREATE TABLE alerts(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id TEXT NOT NULL UNIQUE,
  breach_id TEXT NOT NULL,
  school_id TEXT NOT NULL,
  district TEXT NOT NULL,
  breach BLOB NOT NULL,
  created_at TEXT NOT NULL);
CREATE INDEX alerts_district ON alerts(district, seq);
CREATE TABLE subscriptions(
  subscription_id TEXT PRIMARY KEY,
  district TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  format INTEGER NOT NULL,
  updated_at TEXT NOT NULL);
)sql",
    // 2: webhook delivery state, and what each alert says happened.
    R"sql(
ALTER TABLE alerts ADD COLUMN event TEXT NOT NULL DEFAULT '';
CREATE TABLE deliveries(
  subscription_id TEXT NOT NULL,
  seq INTEGER NOT NULL REFERENCES alerts(seq),
  school_id TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_at TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (subscription_id, seq)) WITHOUT ROWID;
CREATE INDEX deliveries_queue ON deliveries(state, subscription_id, school_id, seq);
)sql",
    // 3: disclosure notices (immutable snapshots, one row per version) and each
    // school's publishing schedule.
    R"sql(
CREATE TABLE notices(
  notice_id TEXT PRIMARY KEY,
  school_id TEXT NOT NULL REFERENCES schools(school_id),
  subject TEXT NOT NULL,
  version INTEGER NOT NULL,
  published_at TEXT NOT NULL,
  published_by TEXT NOT NULL,
  body BLOB NOT NULL,
  UNIQUE(school_id, subject, version));
CREATE INDEX notices_by_school ON notices(school_id, published_at);
CREATE TRIGGER notices_are_immutable BEFORE UPDATE ON notices
  BEGIN SELECT RAISE(ABORT, 'a published notice cannot be changed'); END;
CREATE TRIGGER notices_are_kept BEFORE DELETE ON notices
  BEGIN SELECT RAISE(ABORT, 'a published notice cannot be deleted'); END;
CREATE TRIGGER notices_are_never_replaced BEFORE INSERT ON notices
  WHEN EXISTS (SELECT 1 FROM notices WHERE notice_id = NEW.notice_id
               OR (school_id = NEW.school_id AND subject = NEW.subject AND version = NEW.version))
  BEGIN SELECT RAISE(ABORT, 'a published notice cannot be replaced'); END;
CREATE TABLE notice_schedules(
  school_id TEXT PRIMARY KEY REFERENCES schools(school_id),
  publish_time TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  last_published_date TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL);
)sql",
    // 4: access tokens (issue 5). Only a hash of each secret is kept.
    R"sql(
CREATE TABLE tokens(
  token_id TEXT PRIMARY KEY,
  secret_hash BLOB NOT NULL,
  role TEXT NOT NULL,
  district TEXT NOT NULL DEFAULT '',
  school_id TEXT NOT NULL DEFAULT '',
  grade INTEGER NOT NULL DEFAULT 0,
  classes TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  revoked_at TEXT NOT NULL DEFAULT '');
-- Every change: who (token and role), what (method, route, target), when, from
-- where, and the answer. Append-only.
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  token_id TEXT NOT NULL,
  role TEXT NOT NULL,
  remote TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  target TEXT NOT NULL,
  school_id TEXT NOT NULL DEFAULT '',
  district TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL);
CREATE INDEX audit_by_school ON audit(school_id, seq);
CREATE INDEX audit_by_district ON audit(district, seq);
CREATE TRIGGER audit_is_immutable BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
CREATE TRIGGER audit_is_kept BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log cannot be deleted from'); END;
)sql",
    // 5: browser sessions of the /ui/ pages. Only a hash of each session id is kept;
    // a session lasts no longer than its token.
    R"sql(
CREATE TABLE sessions(
  session_hash BLOB PRIMARY KEY,
  token_id TEXT NOT NULL REFERENCES tokens(token_id),
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL);
CREATE INDEX sessions_by_expiry ON sessions(expires_ms);
)sql",
    // 6: rollups kept at write time (issue 6): each class-day's load, so that a week
    // or a term's compliance never scans raw timings. `figures` is the DayLoad
    // (without breaches) as protobuf; the columns are what compliance sums. `meta`
    // says which profiles the rollups were computed with.
    R"sql(
CREATE TABLE day_loads(
  school_id TEXT NOT NULL,
  class_id TEXT NOT NULL,
  date TEXT NOT NULL,
  grade INTEGER NOT NULL,
  students_reported INTEGER NOT NULL,
  students_over_cap INTEGER NOT NULL,
  has_counted INTEGER NOT NULL,
  over_cap INTEGER NOT NULL,
  figures BLOB NOT NULL,
  PRIMARY KEY (school_id, class_id, date)) WITHOUT ROWID;
CREATE INDEX day_loads_school_date ON day_loads(school_id, date);
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL) WITHOUT ROWID;
)sql",
    // 7: fewer pages per write (issue 6).
    // - day_loads is keyed by date before class. A school's class-days of one date
    //   then lie together: what an evening's homework writes, and what compliance
    //   sums by (school, date). The (school_id, date) index is the key itself now.
    // - The audit log drops AUTOINCREMENT. Its rows are never deleted (a trigger
    //   refuses), so plain rowids never repeat either, and an insert no longer reads
    //   and writes sqlite_sequence. Every row keeps its seq.
    R"sql(
CREATE TABLE day_loads_v7(
  school_id TEXT NOT NULL,
  date TEXT NOT NULL,
  class_id TEXT NOT NULL,
  grade INTEGER NOT NULL,
  students_reported INTEGER NOT NULL,
  students_over_cap INTEGER NOT NULL,
  has_counted INTEGER NOT NULL,
  over_cap INTEGER NOT NULL,
  figures BLOB NOT NULL,
  PRIMARY KEY (school_id, date, class_id)) WITHOUT ROWID;
INSERT INTO day_loads_v7(school_id, date, class_id, grade, students_reported, students_over_cap, has_counted,
                         over_cap, figures)
  SELECT school_id, date, class_id, grade, students_reported, students_over_cap, has_counted, over_cap, figures
  FROM day_loads;
DROP TABLE day_loads;
ALTER TABLE day_loads_v7 RENAME TO day_loads;
CREATE TABLE audit_v7(
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  token_id TEXT NOT NULL,
  role TEXT NOT NULL,
  remote TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  target TEXT NOT NULL,
  school_id TEXT NOT NULL DEFAULT '',
  district TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL);
INSERT INTO audit_v7(seq, at, token_id, role, remote, method, route, target, school_id, district, status)
  SELECT seq, at, token_id, role, remote, method, route, target, school_id, district, status FROM audit;
DROP TABLE audit;
ALTER TABLE audit_v7 RENAME TO audit;
CREATE INDEX audit_by_school ON audit(school_id, seq);
CREATE INDEX audit_by_district ON audit(district, seq);
CREATE TRIGGER audit_is_immutable BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END;
CREATE TRIGGER audit_is_kept BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log cannot be deleted from'); END;
)sql",
    // 8: a class-day's assignments are listed in its day_loads row (`members`: their
    //    rowids, space-separated) instead of an index of their own. A new assignment
    //    then writes the page its rollup is written to anyway, where the index put
    //    each one on a page of its own (a third of a single POST's log frames).
    //    Every class-day with an assignment gets a row, as it has had since the
    //    rollups came (6); the meta row goes, so that the next start recomputes the
    //    figures of any row made here.
    //    The lists hold rowids, which the assignments keep because none is ever
    //    deleted (one is withdrawn instead): they run from 1 without a gap, so even
    //    a VACUUM or a dump and reload numbers them the same. A trigger makes that
    //    a rule of the file.
    //    breaches_class_date goes too: no statement reads it (a class's open
    //    breaches come from breaches_one_open, a school's from breaches_school_date),
    //    and every new breach wrote a page of it.
    R"sql(
ALTER TABLE day_loads ADD COLUMN members TEXT NOT NULL DEFAULT '';
INSERT OR IGNORE INTO day_loads(school_id, date, class_id, grade, students_reported, students_over_cap, has_counted,
                                over_cap, figures)
  SELECT school_id, assigned_date, class_id, 0, 0, 0, 0, 0, x'' FROM assignments
  GROUP BY school_id, class_id, assigned_date;
UPDATE day_loads SET members = COALESCE(
  (SELECT group_concat(rowid, ' ') FROM assignments a
   WHERE a.school_id = day_loads.school_id AND a.class_id = day_loads.class_id AND a.assigned_date = day_loads.date),
  '');
DELETE FROM day_loads WHERE members = '';
DELETE FROM meta WHERE key = 'rollups';
DROP INDEX assignments_class_date;
DROP INDEX breaches_class_date;
CREATE TRIGGER assignments_are_kept BEFORE DELETE ON assignments
  BEGIN SELECT RAISE(ABORT, 'an assignment is withdrawn, never deleted'); END;
)sql",
};

constexpr const char* kAssignmentColumns =
    "assignment_id, school_id, class_id, teacher_id, subject, assigned_date, type, tier, "
    "estimated_minutes, title, content, requires_parent_grading, assigned_to_parents, "
    "requires_self_grading, punitive, repetitive, withdrawn_at IS NOT NULL";

// "c2" < "c10": runs of digits compare by value, everything else byte by byte.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = a[i] >= '0' && a[i] <= '9', db = b[j] >= '0' && b[j] <= '9';
    if (da && db) {
      size_t ei = i, ej = j;
      while (ei < a.size() && a[ei] >= '0' && a[ei] <= '9') ++ei;
      while (ej < b.size() && b[ej] >= '0' && b[ej] <= '9') ++ej;
      // Compare digit runs by value: strip leading zeros, then length, then digits.
      size_t zi = i, zj = j;
      while (zi + 1 < ei && a[zi] == '0') ++zi;
      while (zj + 1 < ej && b[zj] == '0') ++zj;
      if (ei - zi != ej - zj) return ei - zi < ej - zj;
      if (const int c = a.compare(zi, ei - zi, b, zj, ej - zj); c != 0) return c < 0;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;
}

StoredAssignment read_assignment(const Stmt& s) {
  StoredAssignment out;
  pb::Assignment& a = out.assignment;
  a.set_assignment_id(s.text(0));
  a.set_school_id(s.text(1));
  a.set_class_id(s.text(2));
  a.set_teacher_id(s.text(3));
  a.set_subject(s.text(4));
  a.set_assigned_date(s.text(5));
  a.set_type(static_cast<pb::HomeworkType>(s.int32(6)));
  a.set_tier(static_cast<pb::Tier>(s.int32(7)));
  a.set_estimated_minutes(s.int32(8));
  a.set_title(s.text(9));
  a.set_content(s.text(10));
  a.set_requires_parent_grading(s.boolean(11));
  a.set_assigned_to_parents(s.boolean(12));
  a.set_requires_self_grading(s.boolean(13));
  a.set_punitive(s.boolean(14));
  a.set_repetitive(s.boolean(15));
  out.withdrawn = s.boolean(16);
  return out;
}

// Text bound in place: each caller runs the statement at once, while `a` lives.
void bind_assignment(Stmt& s, const pb::Assignment& a) {
  s.bind_ref(1, a.assignment_id())
      .bind_ref(2, a.school_id())
      .bind_ref(3, a.class_id())
      .bind_ref(4, a.teacher_id())
      .bind_ref(5, a.subject())
      .bind_ref(6, a.assigned_date())
      .bind(7, static_cast<int>(a.type()))
      .bind(8, static_cast<int>(a.tier()))
      .bind(9, a.estimated_minutes())
      .bind_ref(10, a.title())
      .bind_ref(11, a.content())
      .bind(12, a.requires_parent_grading())
      .bind(13, a.assigned_to_parents())
      .bind(14, a.requires_self_grading())
      .bind(15, a.punitive())
      .bind(16, a.repetitive());
}

constexpr const char* kBreachColumns =
    "breach_id, kind, severity, school_id, class_id, grade, date, load_minutes, cap_minutes, detail, "
    "state, opened_at, resolved_at, acknowledged_by, acknowledged_at, note";

pb::Breach read_breach(const Stmt& s) {
  pb::Breach b;
  b.set_breach_id(s.text(0));
  b.set_kind(static_cast<pb::BreachKind>(s.int32(1)));
  b.set_severity(static_cast<pb::Severity>(s.int32(2)));
  b.set_school_id(s.text(3));
  b.set_class_id(s.text(4));
  b.set_grade(s.int32(5));
  b.set_date(s.text(6));
  b.set_load_minutes(s.int32(7));
  b.set_cap_minutes(s.int32(8));
  b.set_detail(s.text(9));
  b.set_state(static_cast<pb::BreachState>(s.int32(10)));
  b.set_opened_at(s.text(11));
  b.set_resolved_at(s.text(12));
  b.set_acknowledged_by(s.text(13));
  b.set_acknowledged_at(s.text(14));
  b.set_note(s.text(15));
  return b;
}

// A class-day's list naming an assignment the file does not hold: the list and the
// table disagree, which no write through the Store leaves behind.
StoreError missing_member(const std::string& class_id, Date date, int64_t rowid) {
  return StoreError(SQLITE_CORRUPT, "the class-day " + class_id + " " + analytics::format_date(date) +
                                        " lists an assignment that is not stored (rowid " + std::to_string(rowid) + ")");
}

// A day_loads row's members: rowids separated by single spaces.
std::vector<int64_t> parse_members(std::string_view text) {
  std::vector<int64_t> out;
  int64_t v = 0;
  bool any = false;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      any = true;
    } else if (any) {
      out.push_back(v);
      v = 0;
      any = false;
    }
  }
  if (any) out.push_back(v);
  return out;
}

}  // namespace

const std::vector<analytics::AssignmentFacts>& ClassRecords::assignments_on(Date d) const {
  static const std::vector<analytics::AssignmentFacts> kNone;
  auto it = assignments.find(d);
  return it == assignments.end() ? kNone : it->second;
}

const std::vector<analytics::TimingFacts>& ClassRecords::timings_on(Date d) const {
  static const std::vector<analytics::TimingFacts> kNone;
  auto it = timings.find(d);
  return it == timings.end() ? kNone : it->second;
}

namespace {

// A WAL write buffer (WalBufferVfs) is safe only where SQLite syncs the WAL after
// each commit's frames, before it publishes them: synchronous=FULL or EXTRA, and
// no padding of the last frame to a sector after that sync (the unix VFS's
// powersafe overwrite, its default).
void require_wal_synced_per_commit(Db& db, const std::string& path) {
  Stmt& s = db.prepare("PRAGMA synchronous");
  s.step();
  const int level = s.int32(0);
  s.reset();
  sqlite3_file* file = nullptr;
  sqlite3_file_control(db.handle(), "main", SQLITE_FCNTL_FILE_POINTER, &file);
  const bool psow = file != nullptr && file->pMethods != nullptr &&
                    (file->pMethods->xDeviceCharacteristics(file) & SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
  if (level < 2 || !psow) {
    throw StoreError(SQLITE_MISUSE, "cannot buffer the WAL writes of " + path + ": synchronous=" +
                                        std::to_string(level) + (psow ? "" : " without powersafe overwrite") +
                                        " does not sync each commit's frames before readers see them");
  }
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::string& path, const std::string& vfs) {
  return open_at_version(path, static_cast<int>(kMigrations.size()), vfs);
}

std::unique_ptr<Store> Store::open_at_version(const std::string& path, int version, const std::string& vfs) {
  auto db = Db::open(path, vfs);
  db->exec("PRAGMA journal_mode=WAL");
  db->exec("PRAGMA synchronous=FULL");
  db->exec("PRAGMA foreign_keys=ON");
  // Each request of a group runs in a savepoint; its copies of the pages it changes
  // stay in memory instead of spilling to a temporary file past 64 KiB.
  db->exec("PRAGMA temp_store=MEMORY");
  if (!vfs.empty()) require_wal_synced_per_commit(*db, path);
  std::unique_ptr<Store> store(new Store(std::move(db)));
  store->migrate(std::min(version, static_cast<int>(kMigrations.size())));
  return store;
}

std::unique_ptr<Store> Store::open_reader(const std::string& path) {
  auto db = Db::open(path);
  db->exec("PRAGMA query_only=ON");
  std::unique_ptr<Store> store(new Store(std::move(db)));
  if (const int v = store->schema_version(); v != static_cast<int>(kMigrations.size())) {
    throw StoreError(0, path + " has schema version " + std::to_string(v) + ", not " +
                            std::to_string(kMigrations.size()) + ": open it for writing first");
  }
  return store;
}

int Store::schema_version() {
  Stmt& s = db_->prepare("PRAGMA user_version");
  s.step();
  const int version = s.int32(0);
  s.reset();  // an un-reset statement would hold a read transaction open
  return version;
}

void Store::migrate(int upto) {
  Transaction tx(*db_);
  const int version = schema_version();
  if (version > static_cast<int>(kMigrations.size())) {
    throw StoreError(0, "database schema version " + std::to_string(version) + " is newer than this server knows (" +
                            std::to_string(kMigrations.size()) + ")");
  }
  if (version > upto) {
    throw StoreError(0, "database schema version " + std::to_string(version) + " is newer than the " +
                            std::to_string(upto) + " asked for");
  }
  if (version == upto) return;  // the transaction rolls back: nothing changed
  for (int i = version; i < upto; ++i) db_->exec(kMigrations[static_cast<size_t>(i)]);
  db_->exec("PRAGMA user_version = " + std::to_string(upto));
  tx.commit();
}

Store::Registry* Store::registry() {
  // Bounded, for a province's worth of classes and tokens: past it, start again.
  constexpr size_t kMaxRows = 100000;
  if (!db_->in_transaction()) return nullptr;
  if (registry_.epoch != db_->epoch() || registry_.size() > kMaxRows) {
    registry_.schools.clear();
    registry_.classes.clear();
    registry_.calendars.clear();
    registry_.tokens.clear();
    registry_.epoch = db_->epoch();
  }
  return &registry_;
}

std::optional<pb::School> Store::school(const std::string& school_id) {
  Registry* kept = registry();
  if (kept) {
    if (auto it = kept->schools.find(school_id); it != kept->schools.end()) return it->second;
  }
  Stmt& s = db_->prepare("SELECT school_id, name, district, profile FROM schools WHERE school_id = ?");
  s.bind(1, school_id);
  std::optional<pb::School> out;
  if (s.step()) {
    out.emplace();
    out->set_school_id(s.text(0));
    out->set_name(s.text(1));
    out->set_district(s.text(2));
    out->set_profile(s.text(3));
  }
  s.reset();
  if (kept) kept->schools.emplace(school_id, out);
  return out;
}

void Store::put_school(const pb::School& school, const std::string& now) {
  registry_changed();
  db_->prepare(
         "INSERT INTO schools(school_id, name, district, profile, updated_at) VALUES (?, ?, ?, ?, ?) "
         "ON CONFLICT(school_id) DO UPDATE SET name = excluded.name, district = excluded.district, "
         "profile = excluded.profile, updated_at = excluded.updated_at")
      .bind(1, school.school_id())
      .bind(2, school.name())
      .bind(3, school.district())
      .bind(4, school.profile())
      .bind(5, now)
      .exec();
}

std::vector<pb::School> Store::schools_in_district(const std::string& district) {
  Stmt& s = db_->prepare(
      "SELECT school_id, name, district, profile FROM schools WHERE ?1 = '' OR district = ?1 "
      "ORDER BY school_id");
  s.bind(1, district);
  std::vector<pb::School> out;
  while (s.step()) {
    pb::School& sc = out.emplace_back();
    sc.set_school_id(s.text(0));
    sc.set_name(s.text(1));
    sc.set_district(s.text(2));
    sc.set_profile(s.text(3));
  }
  return out;
}

std::optional<pb::Class> Store::klass(const std::string& school_id, const std::string& class_id) {
  Registry* kept = registry();
  if (kept) {
    if (auto it = kept->classes.find({school_id, class_id}); it != kept->classes.end()) return it->second;
  }
  Stmt& s = db_->prepare(
      "SELECT school_id, class_id, grade, name, student_count FROM classes WHERE school_id = ? AND class_id = ?");
  s.bind(1, school_id).bind(2, class_id);
  std::optional<pb::Class> out;
  if (s.step()) {
    out.emplace();
    out->set_school_id(s.text(0));
    out->set_class_id(s.text(1));
    out->set_grade(s.int32(2));
    out->set_name(s.text(3));
    out->set_student_count(s.int32(4));
  }
  s.reset();
  if (kept) kept->classes.emplace(std::make_pair(school_id, class_id), out);
  return out;
}

void Store::put_class(const pb::Class& c, const std::string& now) {
  registry_changed();
  db_->prepare(
         "INSERT INTO classes(school_id, class_id, grade, name, student_count, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
         "ON CONFLICT(school_id, class_id) DO UPDATE SET grade = excluded.grade, name = excluded.name, "
         "student_count = excluded.student_count, updated_at = excluded.updated_at")
      .bind(1, c.school_id())
      .bind(2, c.class_id())
      .bind(3, c.grade())
      .bind(4, c.name())
      .bind(5, c.student_count())
      .bind(6, now)
      .exec();
}

std::vector<pb::Class> Store::classes(const std::string& school_id, int grade) {
  Stmt& s = db_->prepare(
      "SELECT school_id, class_id, grade, name, student_count FROM classes "
      "WHERE school_id = ?1 AND (?2 = 0 OR grade = ?2) ORDER BY grade, class_id");
  s.bind(1, school_id).bind(2, grade);
  std::vector<pb::Class> out;
  while (s.step()) {
    pb::Class& c = out.emplace_back();
    c.set_school_id(s.text(0));
    c.set_class_id(s.text(1));
    c.set_grade(s.int32(2));
    c.set_name(s.text(3));
    c.set_student_count(s.int32(4));
  }
  // Within a grade, ids in natural order: c2 before c10.
  std::stable_sort(out.begin(), out.end(), [](const pb::Class& a, const pb::Class& b) {
    if (a.grade() != b.grade()) return a.grade() < b.grade();
    return natural_less(a.class_id(), b.class_id());
  });
  return out;
}

pb::Calendar Store::calendar(const std::string& school_id) {
  Registry* kept = registry();
  if (kept) {
    if (auto it = kept->calendars.find(school_id); it != kept->calendars.end()) return it->second;
  }
  pb::Calendar out;
  out.set_school_id(school_id);
  {
    Stmt& s = db_->prepare("SELECT no_homework_weekday FROM calendars WHERE school_id = ?");
    s.bind(1, school_id);
    if (s.step()) out.set_no_homework_weekday(s.int32(0));
    s.reset();
  }
  Stmt& s = db_->prepare("SELECT date, day_kind FROM calendar_days WHERE school_id = ? ORDER BY date");
  s.bind(1, school_id);
  while (s.step()) {
    pb::CalendarDay* d = out.add_days();
    d->set_date(s.text(0));
    d->set_day_kind(static_cast<pb::DayKind>(s.int32(1)));
  }
  if (kept) kept->calendars.emplace(school_id, out);
  return out;
}

void Store::put_calendar(const pb::Calendar& c) {
  registry_changed();
  db_->prepare(
         "INSERT INTO calendars(school_id, no_homework_weekday) VALUES (?, ?) "
         "ON CONFLICT(school_id) DO UPDATE SET no_homework_weekday = excluded.no_homework_weekday")
      .bind(1, c.school_id())
      .bind(2, c.no_homework_weekday())
      .exec();
  db_->prepare("DELETE FROM calendar_days WHERE school_id = ?").bind(1, c.school_id()).exec();
  for (const auto& d : c.days()) {
    db_->prepare("INSERT OR REPLACE INTO calendar_days(school_id, date, day_kind) VALUES (?, ?, ?)")
        .bind(1, c.school_id())
        .bind(2, d.date())
        .bind(3, static_cast<int>(d.day_kind()))
        .exec();
  }
}

std::optional<StoredAssignment> Store::assignment(const std::string& assignment_id) {
  static const std::string kSql =
      std::string("SELECT ") + kAssignmentColumns + " FROM assignments WHERE assignment_id = ?";
  Stmt& s = db_->prepare_static(kSql.c_str());
  s.bind(1, assignment_id);
  if (!s.step()) return std::nullopt;
  auto out = read_assignment(s);
  s.reset();
  return out;
}

std::optional<AssignmentPlace> Store::assignment_place(const std::string& assignment_id) {
  Stmt& s = db_->prepare(
      "SELECT school_id, class_id, assigned_date, withdrawn_at IS NOT NULL FROM assignments WHERE assignment_id = ?");
  s.bind_ref(1, assignment_id);
  if (!s.step()) return std::nullopt;
  AssignmentPlace out{s.text(0), s.text(1), s.text(2), s.boolean(3)};
  s.reset();
  return out;
}

bool Store::insert_assignment(const pb::Assignment& a, const std::string& now) {
  Stmt& s = db_->prepare(
      "INSERT INTO assignments(assignment_id, school_id, class_id, teacher_id, subject, assigned_date, type, tier, "
      "estimated_minutes, title, content, requires_parent_grading, assigned_to_parents, requires_self_grading, "
      "punitive, repetitive, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17) "
      "ON CONFLICT(assignment_id) DO NOTHING");
  bind_assignment(s, a);
  s.bind(17, now).exec();
  if (db_->changes() == 0) return false;
  add_member(a.school_id(), a.class_id(), a.assigned_date(), db_->last_insert_rowid());
  return true;
}

void Store::update_assignment(const pb::Assignment& a, const std::string& now) {
  Stmt& q = db_->prepare("SELECT rowid, school_id, class_id, assigned_date FROM assignments WHERE assignment_id = ?");
  q.bind_ref(1, a.assignment_id());
  if (!q.step()) return;
  const int64_t rowid = q.int64(0);
  const bool moves = q.text_view(1) != a.school_id() || q.text_view(2) != a.class_id() ||
                     q.text_view(3) != a.assigned_date();
  const std::string school_id = q.text(1), class_id = q.text(2), date = q.text(3);
  q.reset();
  if (moves) {
    remove_member(school_id, class_id, date, rowid);
    add_member(a.school_id(), a.class_id(), a.assigned_date(), rowid);
  }
  Stmt& s = db_->prepare(
      "UPDATE assignments SET school_id = ?2, class_id = ?3, teacher_id = ?4, subject = ?5, assigned_date = ?6, "
      "type = ?7, tier = ?8, estimated_minutes = ?9, title = ?10, content = ?11, requires_parent_grading = ?12, "
      "assigned_to_parents = ?13, requires_self_grading = ?14, punitive = ?15, repetitive = ?16, updated_at = ?17 "
      "WHERE assignment_id = ?1");
  bind_assignment(s, a);
  s.bind(17, now).exec();
}

void Store::withdraw_assignment(const std::string& assignment_id, const std::string& now) {
  db_->prepare(
         "UPDATE assignments SET withdrawn_at = ?2, updated_at = ?2 WHERE assignment_id = ?1 AND withdrawn_at IS NULL")
      .bind(1, assignment_id)
      .bind(2, now)
      .exec();
}

void Store::add_member(const std::string& school_id, const std::string& class_id, const std::string& date,
                       int64_t rowid) {
  const std::string member = std::to_string(rowid);
  // Most class-days have their row already: one UPDATE, where an upsert would look
  // for the key twice.
  db_->prepare(
         "UPDATE day_loads SET members = members || ' ' || ?4 WHERE school_id = ?1 AND date = ?2 AND class_id = ?3")
      .bind_ref(1, school_id)
      .bind_ref(2, date)
      .bind_ref(3, class_id)
      .bind_ref(4, member)
      .exec();
  if (db_->changes() > 0) return;
  // A class-day new to the store gets its row here, figures empty: the re-evaluation
  // that follows in the same transaction writes them.
  db_->prepare(
         "INSERT INTO day_loads(school_id, date, class_id, grade, students_reported, students_over_cap, has_counted, "
         "over_cap, figures, members) VALUES (?1, ?2, ?3, 0, 0, 0, 0, 0, x'', ?4)")
      .bind_ref(1, school_id)
      .bind_ref(2, date)
      .bind_ref(3, class_id)
      .bind_ref(4, member)
      .exec();
}

std::vector<int64_t> Store::members_of(const std::string& school_id, const std::string& class_id,
                                      const std::string& date) {
  Stmt& s = db_->prepare("SELECT members FROM day_loads WHERE school_id = ? AND date = ? AND class_id = ?");
  s.bind_ref(1, school_id).bind_ref(2, date).bind_ref(3, class_id);
  std::vector<int64_t> out = s.step() ? parse_members(s.text_view(0)) : std::vector<int64_t>{};
  s.reset();
  return out;
}

void Store::remove_member(const std::string& school_id, const std::string& class_id, const std::string& date,
                          int64_t rowid) {
  std::string kept;
  for (const int64_t m : members_of(school_id, class_id, date)) {
    if (m != rowid) kept += (kept.empty() ? "" : " ") + std::to_string(m);
  }
  if (kept.empty()) {
    delete_day_load(school_id, class_id, *analytics::parse_date(date));
    return;
  }
  db_->prepare("UPDATE day_loads SET members = ?4 WHERE school_id = ?1 AND date = ?2 AND class_id = ?3")
      .bind_ref(1, school_id)
      .bind_ref(2, date)
      .bind_ref(3, class_id)
      .bind_ref(4, kept)
      .exec();
}

std::vector<Date> Store::record_dates(const std::string& school_id, const std::string& class_id) {
  // The rows are keyed by school, date and class: a class's dates take a pass over
  // the school's rows either way.
  auto by_class = record_dates_by_class(school_id);
  auto it = by_class.find(class_id);
  return it == by_class.end() ? std::vector<Date>{} : std::move(it->second);
}

std::map<std::string, std::vector<Date>> Store::record_dates_by_class(const std::string& school_id) {
  // One pass over the school's rows for all its classes (record_dates takes one from it).
  Stmt& s = db_->prepare(
      "SELECT class_id, date FROM day_loads WHERE school_id = ?1 "
      "UNION SELECT class_id, date FROM breaches WHERE school_id = ?1 AND state = 1 ORDER BY 1, 2");
  s.bind(1, school_id);
  std::map<std::string, std::vector<Date>> out;
  while (s.step()) {
    if (auto d = analytics::parse_date(s.text_view(1))) out[s.text(0)].push_back(*d);
  }
  return out;
}

ClassRecords Store::class_records(const std::string& school_id, const std::string& class_id, Date from, Date to) {
  ClassRecords out;
  // Each date's assignments by their rowids in its rollup row, then the timings of
  // each one not withdrawn, by its key. Two statements rather than a join: a joined
  // row would carry the assignment's thirteen columns again for each of its forty
  // students. A date's few assignments are sorted by id here.
  // The lists: for a short range a lookup a date (the key puts the date before the
  // class, so each reads only this class's row); for a long one a pass over the
  // school's rows between the two dates, so that the work follows the rows there
  // are, never the days between two dates far apart.
  std::vector<std::pair<Date, std::vector<int64_t>>> lists;
  if (to.days - from.days < 31) {
    for (Date d = from; d <= to; d = d + 1) {
      if (auto rowids = members_of(school_id, class_id, analytics::format_date(d)); !rowids.empty()) {
        lists.emplace_back(d, std::move(rowids));
      }
    }
  } else {
    Stmt& m = db_->prepare(
        "SELECT date, members FROM day_loads WHERE school_id = ?1 AND date BETWEEN ?2 AND ?3 AND class_id = ?4");
    m.bind_ref(1, school_id).bind(2, analytics::format_date(from)).bind(3, analytics::format_date(to));
    m.bind_ref(4, class_id);
    while (m.step()) {
      if (auto d = analytics::parse_date(m.text_view(0))) lists.emplace_back(*d, parse_members(m.text_view(1)));
    }
  }
  Stmt& s = db_->prepare(
      "SELECT assignment_id, subject, title, type, tier, estimated_minutes, requires_parent_grading, "
      "assigned_to_parents, requires_self_grading, punitive, repetitive, withdrawn_at IS NOT NULL "
      "FROM assignments WHERE rowid = ?");
  for (const auto& [d, rowids] : lists) {
    if (rowids.empty()) continue;
    auto& on = out.assignments[d];
    for (const int64_t rowid : rowids) {
      s.reset();
      s.bind(1, rowid);
      if (!s.step()) {
        s.reset();
        throw missing_member(class_id, d, rowid);
      }
      analytics::AssignmentFacts& f = on.emplace_back();
      f.assignment_id = s.text(0);
      f.subject = s.text(1);
      f.title = s.text(2);
      f.type = static_cast<analytics::HomeworkType>(s.int32(3));
      f.optional = s.int32(4) == static_cast<int>(pb::OPTIONAL);
      f.estimated_minutes = s.int32(5);
      f.flags = {s.boolean(6), s.boolean(7), s.boolean(8), s.boolean(9), s.boolean(10)};
      f.withdrawn = s.boolean(11);
    }
  }
  s.reset();
  for (auto& [date, on] : out.assignments) {
    std::sort(on.begin(), on.end(), [](const auto& a, const auto& b) { return a.assignment_id < b.assignment_id; });
    for (const auto& a : on) {
      if (a.withdrawn) continue;  // its timings no longer count
      for_each_timing(a.assignment_id, [&](const Stmt& t) {
        out.timings[date].push_back(analytics::TimingFacts{a.assignment_id, t.text(0), t.int32(1), t.boolean(2)});
      });
    }
  }
  return out;
}

std::vector<StoredAssignment> Store::assignments_on(const std::string& school_id, const std::string& class_id,
                                                    Date date) {
  const std::vector<int64_t> rowids = members_of(school_id, class_id, analytics::format_date(date));
  static const std::string kSql =
      std::string("SELECT ") + kAssignmentColumns + ", created_at FROM assignments WHERE rowid = ?";
  Stmt& s = db_->prepare_static(kSql.c_str());
  std::vector<std::pair<std::string, StoredAssignment>> found;  // by when it was made
  for (const int64_t rowid : rowids) {
    s.reset();
    s.bind(1, rowid);
    if (!s.step()) {
      s.reset();
      throw missing_member(class_id, date, rowid);
    }
    found.emplace_back(s.text(17), read_assignment(s));
  }
  s.reset();
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first, a.second.assignment.assignment_id()) <
           std::tie(b.first, b.second.assignment.assignment_id());
  });
  std::vector<StoredAssignment> out;
  out.reserve(found.size());
  for (auto& [_, a] : found) out.push_back(std::move(a));
  return out;
}

void Store::for_each_timing(const std::string& assignment_id, const std::function<void(const Stmt&)>& row) {
  Stmt& s = db_->prepare("SELECT student_key, minutes, unfinished FROM timings WHERE assignment_id = ?");
  s.bind_ref(1, assignment_id);
  while (s.step()) row(s);
}

std::map<std::string, Store::Timing> Store::timings_of(const std::string& assignment_id) {
  std::map<std::string, Timing> out;
  for_each_timing(assignment_id, [&](const Stmt& s) { out.emplace(s.text(0), Timing{s.int32(1), s.boolean(2)}); });
  return out;
}

void Store::put_timing(const std::string& assignment_id, const std::string& student_key, Timing t,
                       const std::string& now) {
  db_->prepare(
         "INSERT INTO timings(assignment_id, student_key, minutes, unfinished, reported_at) VALUES (?, ?, ?, ?, ?) "
         "ON CONFLICT(assignment_id, student_key) DO UPDATE SET minutes = excluded.minutes, "
         "unfinished = excluded.unfinished, reported_at = excluded.reported_at")
      .bind_ref(1, assignment_id)
      .bind_ref(2, student_key)
      .bind(3, t.minutes)
      .bind(4, t.unfinished)
      .bind_ref(5, now)
      .exec();
}

void Store::put_day_load(const std::string& school_id, const std::string& class_id, const pb::DayLoad& day,
                         const DayRollup& rollup) {
  std::string figures;
  day.SerializeToString(&figures);
  db_->prepare(
         "INSERT INTO day_loads(school_id, class_id, date, grade, students_reported, students_over_cap, has_counted, "
         "over_cap, figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(school_id, date, class_id) DO UPDATE SET "
         "grade = excluded.grade, students_reported = excluded.students_reported, "
         "students_over_cap = excluded.students_over_cap, has_counted = excluded.has_counted, "
         "over_cap = excluded.over_cap, figures = excluded.figures")
      .bind(1, school_id)
      .bind(2, class_id)
      .bind(3, day.date())
      .bind(4, rollup.grade)
      .bind(5, rollup.students_reported)
      .bind(6, rollup.students_over_cap)
      .bind(7, rollup.has_counted)
      .bind(8, rollup.over_cap)
      .bind_blob(9, figures)
      .exec();
}

void Store::delete_day_load(const std::string& school_id, const std::string& class_id, Date date) {
  db_->prepare("DELETE FROM day_loads WHERE school_id = ? AND class_id = ? AND date = ?")
      .bind(1, school_id)
      .bind(2, class_id)
      .bind(3, analytics::format_date(date))
      .exec();
}

void Store::clear_day_loads() {
  // The rows stay with their members, which are records, not figures.
  db_->exec(
      "UPDATE day_loads SET grade = 0, students_reported = 0, students_over_cap = 0, has_counted = 0, over_cap = 0, "
      "figures = x''");
}

std::map<Date, pb::DayLoad> Store::day_loads(const std::string& school_id, const std::string& class_id, Date from,
                                             Date to) {
  // The key puts the date before the class: one lookup a date reads only this
  // class's rows, where a range would read every class of the school.
  Stmt& s = db_->prepare("SELECT figures FROM day_loads WHERE school_id = ? AND date = ? AND class_id = ?");
  std::map<Date, pb::DayLoad> out;
  for (Date d = from; d <= to; d = d + 1) {
    const std::string date = analytics::format_date(d);
    s.reset();
    s.bind(1, school_id).bind(2, date).bind(3, class_id);
    if (!s.step()) continue;
    const std::string_view figures = s.text_view(0);
    if (figures.empty()) continue;  // a row whose figures are not computed yet: as if none
    if (!out[d].ParseFromArray(figures.data(), static_cast<int>(figures.size()))) {
      throw StoreError(0, "the rollup of " + class_id + " on " + date + " cannot be read");
    }
  }
  s.reset();
  return out;
}

Store::RollupTotals Store::rollup_totals(const std::string& school_id, int grade, Date from, Date to) {
  Stmt& s = db_->prepare(
      "SELECT TOTAL(students_reported), TOTAL(students_reported - students_over_cap), TOTAL(has_counted), "
      "TOTAL(has_counted AND over_cap) FROM day_loads WHERE school_id = ?1 AND date BETWEEN ?2 AND ?3 "
      "AND (?4 = 0 OR grade = ?4)");
  s.bind(1, school_id).bind(2, analytics::format_date(from)).bind(3, analytics::format_date(to)).bind(4, grade);
  RollupTotals t;
  if (s.step()) {
    t.student_days = s.int64(0);
    t.student_days_within_cap = s.int64(1);
    t.class_days = s.int64(2);
    t.class_days_over_cap = s.int64(3);
  }
  s.reset();
  return t;
}

std::optional<std::string> Store::meta(const std::string& key) {
  Stmt& s = db_->prepare("SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  std::string v = s.text(0);
  s.reset();
  return v;
}

void Store::put_meta(const std::string& key, const std::string& value) {
  db_->prepare("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .bind(1, key)
      .bind(2, value)
      .exec();
}

std::map<int, int> Store::open_breach_counts(const std::string& school_id, int grade, Date from, Date to) {
  Stmt& s = db_->prepare(
      "SELECT kind, COUNT(*) FROM breaches WHERE school_id = ?1 AND date BETWEEN ?2 AND ?3 AND state = 1 "
      "AND (?4 = 0 OR grade = ?4) GROUP BY kind");
  s.bind(1, school_id).bind(2, analytics::format_date(from)).bind(3, analytics::format_date(to)).bind(4, grade);
  std::map<int, int> out;
  while (s.step()) out[s.int32(0)] = s.int32(1);
  return out;
}

std::vector<pb::Breach> Store::open_breaches_in(const std::string& school_id, const std::string& class_id, Date from,
                                                Date to) {
  static const std::string kSql =
      std::string("SELECT ") + kBreachColumns +
      " FROM breaches WHERE school_id = ? AND class_id = ? AND date BETWEEN ? AND ? AND state = 1 ORDER BY date, kind";
  Stmt& s = db_->prepare_static(kSql.c_str());
  s.bind(1, school_id).bind(2, class_id).bind(3, analytics::format_date(from)).bind(4, analytics::format_date(to));
  std::vector<pb::Breach> out;
  while (s.step()) out.push_back(read_breach(s));
  return out;
}

void Store::insert_breach(const pb::Breach& b) {
  static const std::string kSql = std::string("INSERT INTO breaches(") + kBreachColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  db_->prepare_static(kSql.c_str())
      .bind(1, b.breach_id())
      .bind(2, static_cast<int>(b.kind()))
      .bind(3, static_cast<int>(b.severity()))
      .bind(4, b.school_id())
      .bind(5, b.class_id())
      .bind(6, b.grade())
      .bind(7, b.date())
      .bind(8, b.load_minutes())
      .bind(9, b.cap_minutes())
      .bind(10, b.detail())
      .bind(11, static_cast<int>(b.state()))
      .bind(12, b.opened_at())
      .bind(13, b.resolved_at())
      .bind(14, b.acknowledged_by())
      .bind(15, b.acknowledged_at())
      .bind(16, b.note())
      .exec();
}

void Store::update_breach_figures(const pb::Breach& b) {
  db_->prepare("UPDATE breaches SET load_minutes = ?2, cap_minutes = ?3, detail = ?4, grade = ?5 WHERE breach_id = ?1")
      .bind(1, b.breach_id())
      .bind(2, b.load_minutes())
      .bind(3, b.cap_minutes())
      .bind(4, b.detail())
      .bind(5, b.grade())
      .exec();
}

void Store::resolve_breach(const std::string& breach_id, const std::string& now) {
  db_->prepare("UPDATE breaches SET state = 2, resolved_at = ?2 WHERE breach_id = ?1")
      .bind(1, breach_id)
      .bind(2, now)
      .exec();
}

std::optional<pb::Breach> Store::breach(const std::string& breach_id) {
  static const std::string kSql = std::string("SELECT ") + kBreachColumns + " FROM breaches WHERE breach_id = ?";
  Stmt& s = db_->prepare_static(kSql.c_str());
  s.bind(1, breach_id);
  if (!s.step()) return std::nullopt;
  auto b = read_breach(s);
  s.reset();
  return b;
}

void Store::acknowledge_breach(const std::string& breach_id, const std::string& by, const std::string& note,
                               const std::string& now) {
  db_->prepare("UPDATE breaches SET acknowledged_by = ?2, note = ?3, acknowledged_at = ?4 WHERE breach_id = ?1")
      .bind(1, breach_id)
      .bind(2, by)
      .bind(3, note)
      .bind(4, now)
      .exec();
}

std::vector<pb::Breach> Store::breaches(const BreachFilter& f, int limit) {
  // Only the filters given go into the statement, so that SQLite can use an index
  // for them (a school's breaches, or a district's schools', by school and date):
  // written as (?1 = '' OR school_id = ?1), each filter would have it read every
  // breach there is. Each combination is prepared once and kept.
  std::string sql = std::string("SELECT ") + kBreachColumns + " FROM breaches b WHERE 1";
  if (!f.school_id.empty()) sql += " AND school_id = ?1";
  if (!f.class_id.empty()) sql += " AND class_id = ?2";
  if (f.grade != 0) sql += " AND grade = ?3";
  if (!f.from.empty()) sql += " AND date >= ?4";
  if (!f.to.empty()) sql += " AND date <= ?5";
  if (f.state != 0) sql += " AND state = ?6";
  if (!f.district.empty()) sql += " AND school_id IN (SELECT school_id FROM schools WHERE district = ?7)";
  sql += " ORDER BY date, school_id, class_id, kind, opened_at LIMIT ?8";
  Stmt& s = db_->prepare(sql);
  s.bind(1, f.school_id)
      .bind(2, f.class_id)
      .bind(3, f.grade)
      .bind(4, f.from)
      .bind(5, f.to)
      .bind(6, f.state)
      .bind(7, f.district)
      .bind(8, limit);
  std::vector<pb::Breach> out;
  while (s.step()) out.push_back(read_breach(s));
  return out;
}

int64_t Store::insert_alert(const std::string& alert_id, const pb::Breach& breach, const std::string& district,
                            const std::string& event, const std::string& now, int64_t now_ms) {
  std::string body;
  breach.SerializeToString(&body);
  db_->prepare(
         "INSERT INTO alerts(alert_id, breach_id, school_id, district, breach, created_at, event) "
         "VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind(1, alert_id)
      .bind(2, breach.breach_id())
      .bind(3, breach.school_id())
      .bind(4, district)
      .bind_blob(5, body)
      .bind(6, now)
      .bind(7, event)
      .exec();
  const int64_t seq = db_->last_insert_rowid();
  db_->prepare(
         "INSERT INTO deliveries(subscription_id, seq, school_id, created_ms, next_attempt_ms) "
         "SELECT subscription_id, ?1, ?2, ?3, ?3 FROM subscriptions WHERE district = ?4")
      .bind(1, seq)
      .bind(2, breach.school_id())
      .bind(3, now_ms)
      .bind(4, district)
      .exec();
  return seq;
}

std::vector<pb::Alert> Store::alerts_after(int64_t seq, int limit, const std::string& district) {
  // A district's feed reads through alerts_district, not every alert after `seq`
  // (as for breaches and the audit log: only the filter given is in the statement).
  Stmt& s = db_->prepare(district.empty()
                             ? "SELECT seq, alert_id, breach, created_at, district, event FROM alerts "
                               "WHERE seq > ?1 ORDER BY seq LIMIT ?3"
                             : "SELECT seq, alert_id, breach, created_at, district, event FROM alerts "
                               "WHERE seq > ?1 AND district = ?2 ORDER BY seq LIMIT ?3");
  s.bind(1, seq).bind(2, district).bind(3, limit);
  std::vector<pb::Alert> out;
  while (s.step()) {
    pb::Alert& a = out.emplace_back();
    a.set_seq(s.int64(0));
    a.set_alert_id(s.text(1));
    a.mutable_breach()->ParseFromString(s.text(2));
    a.set_created_at(s.text(3));
    a.set_district(s.text(4));
    a.set_event(s.text(5));
  }
  return out;
}

void Store::put_subscription(const pb::Subscription& sub, const std::string& now) {
  db_->prepare(
         "INSERT INTO subscriptions(subscription_id, district, url, secret, format, updated_at) VALUES (?, ?, ?, ?, ?, "
         "?) "
         "ON CONFLICT(subscription_id) DO UPDATE SET district = excluded.district, url = excluded.url, "
         "secret = excluded.secret, format = excluded.format, updated_at = excluded.updated_at")
      .bind(1, sub.subscription_id())
      .bind(2, sub.district())
      .bind(3, sub.url())
      .bind(4, sub.secret())
      .bind(5, static_cast<int>(sub.format()))
      .bind(6, now)
      .exec();
  // A subscription moved to another district must not receive the old district's
  // queued alerts.
  db_->prepare(
         "DELETE FROM deliveries WHERE subscription_id = ?1 AND state = 0 AND seq IN "
         "(SELECT seq FROM alerts WHERE district <> ?2)")
      .bind(1, sub.subscription_id())
      .bind(2, sub.district())
      .exec();
}

std::vector<pb::Subscription> Store::subscriptions(const std::string& district) {
  Stmt& s = db_->prepare(
      "SELECT subscription_id, district, url, secret, format FROM subscriptions WHERE ?1 = '' OR district = ?1 "
      "ORDER BY subscription_id");
  s.bind(1, district);
  std::vector<pb::Subscription> out;
  while (s.step()) {
    pb::Subscription& sub = out.emplace_back();
    sub.set_subscription_id(s.text(0));
    sub.set_district(s.text(1));
    sub.set_url(s.text(2));
    sub.set_secret(s.text(3));
    sub.set_format(static_cast<pb::PayloadFormat>(s.int32(4)));
  }
  return out;
}

std::optional<pb::Subscription> Store::subscription(const std::string& subscription_id) {
  Stmt& s = db_->prepare("SELECT district FROM subscriptions WHERE subscription_id = ?");
  s.bind(1, subscription_id);
  if (!s.step()) return std::nullopt;
  pb::Subscription sub;
  sub.set_subscription_id(subscription_id);
  sub.set_district(s.text(0));
  s.reset();
  return sub;
}

std::vector<Store::Delivery> Store::due_deliveries(int64_t now_ms, int limit) {
  Stmt& s = db_->prepare(
      "SELECT d.subscription_id, d.seq, d.school_id, d.attempts, d.created_ms, s.url, s.secret, s.format, "
      "a.alert_id, a.breach, a.created_at, a.district, a.event "
      "FROM deliveries d JOIN subscriptions s ON s.subscription_id = d.subscription_id "
      "JOIN alerts a ON a.seq = d.seq "
      "WHERE d.state = 0 AND d.next_attempt_ms <= ?1 AND d.seq = (SELECT MIN(q.seq) FROM deliveries q "
      "WHERE q.state = 0 AND q.subscription_id = d.subscription_id AND q.school_id = d.school_id) "
      "ORDER BY d.seq LIMIT ?2");
  s.bind(1, now_ms).bind(2, limit);
  std::vector<Delivery> out;
  while (s.step()) {
    Delivery& d = out.emplace_back();
    d.subscription_id = s.text(0);
    d.seq = s.int64(1);
    d.school_id = s.text(2);
    d.attempts = s.int32(3);
    d.created_ms = s.int64(4);
    d.url = s.text(5);
    d.secret = s.text(6);
    d.format = s.int32(7);
    d.alert.set_seq(d.seq);
    d.alert.set_alert_id(s.text(8));
    d.alert.mutable_breach()->ParseFromString(s.text(9));
    d.alert.set_created_at(s.text(10));
    d.alert.set_district(s.text(11));
    d.alert.set_event(s.text(12));
  }
  return out;
}

void Store::delivery_succeeded(const std::string& subscription_id, int64_t seq, const std::string& now) {
  db_->prepare(
         "UPDATE deliveries SET state = 1, attempts = attempts + 1, delivered_at = ?3, last_error = '' "
         "WHERE subscription_id = ?1 AND seq = ?2")
      .bind(1, subscription_id)
      .bind(2, seq)
      .bind(3, now)
      .exec();
}

void Store::delivery_failed(const std::string& subscription_id, int64_t seq, int64_t next_attempt_ms,
                            const std::string& error) {
  db_->prepare(
         "UPDATE deliveries SET attempts = attempts + 1, next_attempt_ms = ?3, last_error = ?4 "
         "WHERE subscription_id = ?1 AND seq = ?2")
      .bind(1, subscription_id)
      .bind(2, seq)
      .bind(3, next_attempt_ms)
      .bind(4, error)
      .exec();
}

void Store::delivery_given_up(const std::string& subscription_id, int64_t seq, const std::string& error) {
  db_->prepare(
         "UPDATE deliveries SET state = 2, attempts = attempts + 1, last_error = ?3 "
         "WHERE subscription_id = ?1 AND seq = ?2")
      .bind(1, subscription_id)
      .bind(2, seq)
      .bind(3, error)
      .exec();
}

Store::DeliveryStats Store::delivery_stats() {
  Stmt& s = db_->prepare(
      "SELECT COALESCE(SUM(state = 0), 0), COALESCE(SUM(state = 1), 0), COALESCE(SUM(state = 2), 0), "
      "COALESCE(SUM(attempts), 0), COALESCE(MIN(CASE WHEN state = 0 THEN created_ms END), 0) FROM deliveries");
  DeliveryStats out;
  if (s.step()) {
    out.pending = s.int64(0);
    out.delivered = s.int64(1);
    out.given_up = s.int64(2);
    out.attempts = s.int64(3);
    out.oldest_pending_created_ms = s.int64(4);
  }
  s.reset();
  return out;
}

// ---- notices -------------------------------------------------------------------

std::optional<StoredNotice> Store::notice(const std::string& school_id, const std::string& notice_id) {
  Stmt& s = db_->prepare("SELECT subject, body FROM notices WHERE school_id = ? AND notice_id = ?");
  s.bind(1, school_id).bind(2, notice_id);
  if (!s.step()) return std::nullopt;
  StoredNotice out;
  out.subject = s.text(0);
  out.notice.ParseFromString(s.text(1));
  s.reset();
  return out;
}

std::optional<pb::Notice> Store::latest_notice(const std::string& school_id, const std::string& subject) {
  Stmt& s = db_->prepare("SELECT body FROM notices WHERE school_id = ? AND subject = ? ORDER BY version DESC LIMIT 1");
  s.bind(1, school_id).bind(2, subject);
  if (!s.step()) return std::nullopt;
  pb::Notice out;
  out.ParseFromString(s.text(0));
  s.reset();
  return out;
}

void Store::insert_notice(const pb::Notice& notice, const std::string& subject) {
  std::string body;
  notice.SerializeToString(&body);
  db_->prepare(
         "INSERT INTO notices(notice_id, school_id, subject, version, published_at, published_by, body) "
         "VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind(1, notice.notice_id())
      .bind(2, notice.school_id())
      .bind(3, subject)
      .bind(4, notice.version())
      .bind(5, notice.published_at())
      .bind(6, notice.published_by())
      .bind_blob(7, body)
      .exec();
}

std::vector<NoticeHeader> Store::notice_headers(const std::string& school_id, int64_t before_seq, int limit) {
  // Each row with the latest version of its subject, read from the columns alone:
  // listing never parses a notice's body.
  Stmt& s = db_->prepare(
      "SELECT n.rowid, n.notice_id, n.subject, n.version, n.published_at, n.published_by, l.version, l.notice_id "
      "FROM notices n JOIN notices l ON l.school_id = n.school_id AND l.subject = n.subject AND l.version = "
      "(SELECT MAX(m.version) FROM notices m WHERE m.school_id = n.school_id AND m.subject = n.subject) "
      "WHERE n.school_id = ?1 AND (?2 = 0 OR n.rowid < ?2) ORDER BY n.rowid DESC LIMIT ?3");
  s.bind(1, school_id).bind(2, before_seq).bind(3, limit);
  std::vector<NoticeHeader> out;
  while (s.step()) {
    NoticeHeader& h = out.emplace_back();
    h.seq = s.int64(0);
    h.notice_id = s.text(1);
    h.subject = s.text(2);
    h.version = s.int32(3);
    h.published_at = s.text(4);
    h.published_by = s.text(5);
    h.latest_version = s.int32(6);
    h.latest_notice_id = s.text(7);
  }
  return out;
}

std::optional<std::pair<int, std::string>> Store::latest_notice_version(const std::string& school_id,
                                                                        const std::string& subject) {
  Stmt& s = db_->prepare(
      "SELECT version, notice_id FROM notices WHERE school_id = ? AND subject = ? ORDER BY version DESC LIMIT 1");
  s.bind(1, school_id).bind(2, subject);
  if (!s.step()) return std::nullopt;
  std::pair<int, std::string> out{s.int32(0), s.text(1)};
  s.reset();
  return out;
}

namespace {
// A row of SELECT school_id, publish_time, enabled, last_published_date.
pb::NoticeSchedule read_schedule(const Stmt& s) {
  pb::NoticeSchedule out;
  out.set_school_id(s.text(0));
  out.set_publish_time(s.text(1));
  out.set_enabled(s.boolean(2));
  out.set_last_published_date(s.text(3));
  return out;
}
}  // namespace

std::optional<pb::NoticeSchedule> Store::notice_schedule(const std::string& school_id) {
  Stmt& s = db_->prepare(
      "SELECT school_id, publish_time, enabled, last_published_date FROM notice_schedules WHERE school_id = ?");
  s.bind(1, school_id);
  if (!s.step()) return std::nullopt;
  pb::NoticeSchedule out = read_schedule(s);
  s.reset();
  return out;
}

std::vector<pb::NoticeSchedule> Store::enabled_notice_schedules() {
  Stmt& s = db_->prepare(
      "SELECT school_id, publish_time, enabled, last_published_date FROM notice_schedules WHERE enabled = 1 "
      "ORDER BY school_id");
  std::vector<pb::NoticeSchedule> out;
  while (s.step()) out.push_back(read_schedule(s));
  return out;
}

void Store::put_notice_schedule(const pb::NoticeSchedule& schedule, const std::string& now) {
  db_->prepare(
         "INSERT INTO notice_schedules(school_id, publish_time, enabled, last_published_date, updated_at) "
         "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(school_id) DO UPDATE SET publish_time = excluded.publish_time, "
         "enabled = excluded.enabled, last_published_date = excluded.last_published_date, "
         "updated_at = excluded.updated_at")
      .bind(1, schedule.school_id())
      .bind(2, schedule.publish_time())
      .bind(3, schedule.enabled())
      .bind(4, schedule.last_published_date())
      .bind(5, now)
      .exec();
}

// ---- access tokens --------------------------------------------------------------

namespace {
constexpr const char* kTokenColumns =
    "token_id, secret_hash, role, district, school_id, grade, classes, label, created_at, revoked_at";

TokenRecord read_token(const Stmt& s) {
  TokenRecord t;
  t.token_id = s.text(0);
  t.secret_hash = s.text(1);
  t.role = s.text(2);
  t.district = s.text(3);
  t.school_id = s.text(4);
  t.grade = s.int32(5);
  const std::string classes = s.text(6);
  for (size_t start = 0; start < classes.size();) {
    const size_t comma = std::min(classes.find(',', start), classes.size());
    if (comma > start) t.classes.push_back(classes.substr(start, comma - start));
    start = comma + 1;
  }
  t.label = s.text(7);
  t.created_at = s.text(8);
  t.revoked_at = s.text(9);
  return t;
}
}  // namespace

void Store::insert_token(const TokenRecord& t) {
  registry_changed();
  std::string classes;
  for (const auto& c : t.classes) classes += (classes.empty() ? "" : ",") + c;
  db_->prepare("INSERT INTO tokens(" + std::string(kTokenColumns) + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '')")
      .bind(1, t.token_id)
      .bind_blob(2, t.secret_hash)
      .bind(3, t.role)
      .bind(4, t.district)
      .bind(5, t.school_id)
      .bind(6, t.grade)
      .bind(7, classes)
      .bind(8, t.label)
      .bind(9, t.created_at)
      .exec();
}

std::optional<TokenRecord> Store::token(const std::string& token_id) {
  Registry* kept = registry();
  if (kept) {
    if (auto it = kept->tokens.find(token_id); it != kept->tokens.end()) return it->second;
  }
  static const std::string kSql = "SELECT " + std::string(kTokenColumns) + " FROM tokens WHERE token_id = ?";
  Stmt& s = db_->prepare_static(kSql.c_str());
  s.bind(1, token_id);
  if (!s.step()) return std::nullopt;
  TokenRecord out = read_token(s);
  s.reset();
  // Unknown ids are not kept: anyone can make them up.
  if (kept) kept->tokens.emplace(token_id, out);
  return out;
}

std::vector<TokenRecord> Store::tokens() {
  Stmt& s = db_->prepare("SELECT " + std::string(kTokenColumns) + " FROM tokens ORDER BY created_at, token_id");
  std::vector<TokenRecord> out;
  while (s.step()) out.push_back(read_token(s));
  return out;
}

bool Store::revoke_token(const std::string& token_id, const std::string& now) {
  registry_changed();
  db_->prepare("UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at = ''")
      .bind(1, now)
      .bind(2, token_id)
      .exec();
  return db_->changes() > 0;
}

// ---- browser sessions -------------------------------------------------------------

void Store::insert_session(const std::string& session_hash, const std::string& token_id, int64_t created_ms,
                           int64_t expires_ms) {
  // Expired sessions go as new ones come, so the table holds only live ones.
  db_->prepare("DELETE FROM sessions WHERE expires_ms <= ?").bind(1, created_ms).exec();
  db_->prepare("INSERT INTO sessions(session_hash, token_id, created_ms, expires_ms) VALUES (?, ?, ?, ?)")
      .bind_blob(1, session_hash)
      .bind(2, token_id)
      .bind(3, created_ms)
      .bind(4, expires_ms)
      .exec();
}

std::optional<std::pair<std::string, int64_t>> Store::session(const std::string& session_hash) {
  Stmt& s = db_->prepare("SELECT token_id, expires_ms FROM sessions WHERE session_hash = ?");
  s.bind_blob(1, session_hash);
  if (!s.step()) return std::nullopt;
  std::pair<std::string, int64_t> out{s.text(0), s.int64(1)};
  s.reset();
  return out;
}

void Store::delete_session(const std::string& session_hash) {
  db_->prepare("DELETE FROM sessions WHERE session_hash = ?").bind_blob(1, session_hash).exec();
}

// ---- audit log ------------------------------------------------------------------

void Store::insert_audit(const AuditEntry& e) {
  db_->prepare(
         "INSERT INTO audit(at, token_id, role, remote, method, route, target, school_id, district, status) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind_ref(1, e.at)
      .bind_ref(2, e.token_id)
      .bind_ref(3, e.role)
      .bind_ref(4, e.remote)
      .bind_ref(5, e.method)
      .bind_ref(6, e.route)
      .bind_ref(7, e.target)
      .bind_ref(8, e.school_id)
      .bind_ref(9, e.district)
      .bind(10, e.status)
      .exec();
}

std::vector<AuditEntry> Store::audit(const std::string& school_id, const std::string& district, int64_t after_seq,
                                     int limit) {
  // As for breaches: only the scopes given, so that a school's or a district's
  // entries are read through its index (audit_by_school, audit_by_district) rather
  // than by stepping through the whole log after `after_seq`.
  std::string sql =
      "SELECT seq, at, token_id, role, remote, method, route, target, school_id, district, status FROM audit "
      "WHERE seq > ?1";
  if (!school_id.empty()) sql += " AND school_id = ?2";
  if (!district.empty()) sql += " AND district = ?3";
  sql += " ORDER BY seq LIMIT ?4";
  Stmt& s = db_->prepare(sql);
  s.bind(1, after_seq).bind(2, school_id).bind(3, district).bind(4, limit);
  std::vector<AuditEntry> out;
  while (s.step()) {
    AuditEntry& e = out.emplace_back();
    e.seq = s.int64(0);
    e.at = s.text(1);
    e.token_id = s.text(2);
    e.role = s.text(3);
    e.remote = s.text(4);
    e.method = s.text(5);
    e.route = s.text(6);
    e.target = s.text(7);
    e.school_id = s.text(8);
    e.district = s.text(9);
    e.status = s.int32(10);
  }
  return out;
}

}  // namespace hwload::store
