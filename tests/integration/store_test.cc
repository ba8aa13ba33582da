// The SQLite store on real files: schema migration, WAL, reopening.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "store/store.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

// The one number a statement like SELECT count(*) answers.
int64_t count_of(store::Store& store, const std::string& sql) {
  auto& s = store.db().prepare(sql);
  EXPECT_TRUE(s.step());
  const auto n = s.int64(0);
  s.reset();
  return n;
}

TEST(Store, CreatesTheSchemaInWalModeAndReopensWithoutMigratingAgain) {
  TempDir dir;
  const std::string path = (dir.path() / "s.db").string();
  {
    auto store = store::Store::open(path);
    EXPECT_GE(store->schema_version(), 1);
    auto& s = store->db().prepare("PRAGMA journal_mode");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0), "wal");
    s.reset();
    pb::School school;
    school.set_school_id("s1");
    school.set_name("n");
    school.set_district("d");
    school.set_profile("national");
    store->put_school(school, "2026-11-23T00:00:00.000Z");
  }
  auto again = store::Store::open(path);
  ASSERT_TRUE(again->school("s1").has_value());
  EXPECT_EQ(again->school("s1")->district(), "d");
}

// The server's process-wide setting: SQLite keeps no memory statistics, so its
// allocations take no global mutex. SQLite takes it only before its first use.
TEST(Store, ProcessSettingsApplyBeforeSqlitesFirstUseOnly) {
  TempDir dir;
  // SQLite as it was, for the tests after this one, however this one ends.
  struct Restore {
    ~Restore() {
      sqlite3_shutdown();
      sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1);
    }
  } restore;
  // ctest runs each test in a process of its own; run in one process with the others,
  // this needs them to have closed their connections, as each does. A shutdown then
  // makes this the first use again.
  ASSERT_EQ(sqlite3_shutdown(), SQLITE_OK);
  ASSERT_TRUE(store::configure_process());
  {
    const auto counted = sqlite3_memory_used();
    auto store = store::Store::open((dir.path() / "s.db").string());
    store->db().exec("CREATE TABLE t(x TEXT); INSERT INTO t VALUES (hex(randomblob(100000)))");
    EXPECT_EQ(sqlite3_memory_used(), counted) << "memory is still counted";
    EXPECT_FALSE(store::configure_process()) << "SQLite is in use: too late";
  }
  // The same work with the statistics on counts its memory: the check above can fail.
  ASSERT_EQ(sqlite3_shutdown(), SQLITE_OK);
  ASSERT_EQ(sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 1), SQLITE_OK);
  {
    const auto counted = sqlite3_memory_used();
    auto store = store::Store::open((dir.path() / "t.db").string());
    store->db().exec("CREATE TABLE t(x TEXT); INSERT INTO t VALUES (hex(randomblob(100000)))");
    EXPECT_GT(sqlite3_memory_used(), counted);
  }
}

// Each request of a group runs in its own savepoint, which copies every page it
// changes to a sub-journal. SQLite spills a sub-journal past 64 KiB to a temporary
// file (named etilqs_*), and then writes each copy to it with system calls; the
// writer keeps them in memory instead (PRAGMA temp_store=MEMORY).
TEST(Store, KeepsSavepointJournalsInMemory) {
  TempDir dir;
  auto store = store::Store::open((dir.path() / "s.db").string());
  store::Db& db = store->db();
  db.exec("CREATE TABLE big(k INTEGER PRIMARY KEY, v BLOB)");
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
      "INSERT INTO big SELECT i, randomblob(2000) FROM n");
  auto temp_files = [] {
    int n = 0;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
      std::error_code ec;
      const auto target = std::filesystem::read_symlink(fd.path(), ec);
      if (!ec && target.string().find("etilqs_") != std::string::npos) ++n;
    }
    return n;
  };
  db.exec("BEGIN IMMEDIATE; SAVEPOINT a; UPDATE big SET v = randomblob(2000)");  // about 400 KiB of pages
  EXPECT_EQ(temp_files(), 0);
  db.exec("ROLLBACK TO a; RELEASE a; ROLLBACK");
}

// Migration 7 rebuilds two tables: day_loads keyed (school, date, class), and the
// audit log without AUTOINCREMENT. What was stored before stays, row for row.
TEST(Store, Migration7KeepsEveryRollupAndAuditEntry) {
  TempDir dir;
  const std::string path = (dir.path() / "s.db").string();
  auto entry = [](int i) {
    store::AuditEntry e;
    e.at = "2026-11-2" + std::to_string(i) + "T18:00:00.000Z";
    e.token_id = "t" + std::to_string(i);
    e.role = "teacher";
    e.remote = "10.0.0." + std::to_string(i);
    e.method = "POST";
    e.route = "/v1/assignments";
    e.target = "a" + std::to_string(i);
    e.school_id = "s1";
    e.district = "d1";
    e.status = 200 + i;
    return e;
  };
  auto day = [](const std::string& date, int planned) {
    pb::DayLoad d;
    d.set_date(date);
    d.set_planned_minutes(planned);
    d.set_students_reported(40);
    return d;
  };
  {
    auto v6 = store::Store::open_at_version(path, 6);
    ASSERT_EQ(v6->schema_version(), 6);
    store::Transaction tx(v6->db());
    for (int i = 1; i <= 3; ++i) v6->insert_audit(entry(i));
    v6->put_day_load("s1", "c1", day("2026-11-23", 55), {.grade = 4, .students_reported = 40});
    v6->put_day_load("s1", "c1", day("2026-11-25", 70), {.grade = 4, .students_reported = 40, .over_cap = true});
    v6->put_day_load("s1", "c2", day("2026-11-23", 20), {.grade = 4, .students_reported = 40});
    tx.commit();
  }
  auto store = store::Store::open_at_version(path, 7);
  EXPECT_EQ(store->schema_version(), 7);

  const auto entries = store->audit("", "", 0, 10);
  ASSERT_EQ(entries.size(), 3u);
  for (int i = 1; i <= 3; ++i) {
    const auto& e = entries[static_cast<size_t>(i - 1)];
    const auto want = entry(i);
    EXPECT_EQ(e.seq, i);
    EXPECT_EQ(
        std::tie(e.at, e.token_id, e.role, e.remote, e.method, e.route, e.target, e.school_id, e.district, e.status),
        std::tie(want.at, want.token_id, want.role, want.remote, want.method, want.route, want.target, want.school_id,
                 want.district, want.status));
  }
  store->insert_audit(entry(4));
  EXPECT_EQ(store->audit("s1", "", 3, 10).at(0).seq, 4);  // seq goes on from the last
  EXPECT_THROW(store->db().exec("UPDATE audit SET status = 500"), store::StoreError);
  EXPECT_THROW(store->db().exec("DELETE FROM audit"), store::StoreError);
  EXPECT_EQ(store->audit("", "d1", 0, 10).size(), 4u);

  const auto c1 =
      store->day_loads("s1", "c1", *analytics::parse_date("2026-11-23"), *analytics::parse_date("2026-11-29"));
  ASSERT_EQ(c1.size(), 2u);
  EXPECT_EQ(c1.begin()->second.planned_minutes(), 55);
  EXPECT_EQ(c1.rbegin()->second.date(), "2026-11-25");
  EXPECT_EQ(c1.rbegin()->second.planned_minutes(), 70);
  EXPECT_EQ(store->day_loads("s1", "c2", *analytics::parse_date("2026-11-23"), *analytics::parse_date("2026-11-23"))
                .at(*analytics::parse_date("2026-11-23"))
                .planned_minutes(),
            20);
  const auto totals =
      store->rollup_totals("s1", 4, *analytics::parse_date("2026-11-23"), *analytics::parse_date("2026-11-29"));
  EXPECT_EQ(totals.student_days, 120);
  EXPECT_EQ(totals.student_days_within_cap, 120);
  EXPECT_EQ(totals.class_days, 0);  // none had has_counted
  EXPECT_EQ(totals.class_days_over_cap, 0);
  EXPECT_EQ(store->rollup_totals("s1", 5, *analytics::parse_date("2026-11-23"), *analytics::parse_date("2026-11-29"))
                .student_days,
            0);

  // The old index and the sequence row are gone: nothing writes them any more.
  auto count = [&](const std::string& sql) { return count_of(*store, sql); };
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name = 'day_loads_school_date'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_v7'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_sequence WHERE name = 'audit'"), 0);
  // The new key, in its order, and no rowid beside it.
  auto& key = store->db().prepare(
      "SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_xinfo('sqlite_autoindex_day_loads_1') "
      "WHERE key = 1 ORDER BY seqno)");
  ASSERT_TRUE(key.step());
  EXPECT_EQ(key.text(0), "school_id,date,class_id");
  key.reset();
  EXPECT_EQ(count("SELECT count(*) FROM pragma_table_list WHERE name = 'day_loads' AND wr = 1"), 1);
  EXPECT_THROW(store::Store::open_at_version(path, 6), store::StoreError);  // older than the file
}

TEST(Store, RefusesADatabaseWithANewerSchema) {
  TempDir dir;
  const std::string path = (dir.path() / "s.db").string();
  { store::Store::open(path)->db().exec("PRAGMA user_version = 999"); }
  EXPECT_THROW(store::Store::open(path), store::StoreError);
}

TEST(Store, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  auto store = store::Store::open((dir.path() / "s.db").string());
  pb::School school;
  school.set_school_id("s1");
  school.set_name("n");
  school.set_district("d");
  school.set_profile("national");
  {
    store::Transaction tx(store->db());
    store->put_school(school, "t");
  }
  EXPECT_FALSE(store->school("s1").has_value());
  {
    store::Transaction tx(store->db());
    store->put_school(school, "t");
    tx.commit();
  }
  EXPECT_TRUE(store->school("s1").has_value());
}

pb::School school_in(const std::string& id, const std::string& district) {
  pb::School school;
  school.set_school_id(id);
  school.set_name("n");
  school.set_district(district);
  school.set_profile("national");
  return school;
}

pb::Class class_in(const std::string& school_id, const std::string& class_id) {
  pb::Class c;
  c.set_school_id(school_id);
  c.set_class_id(class_id);
  c.set_grade(5);
  c.set_name(class_id);
  c.set_student_count(40);
  return c;
}

std::string district_of(store::Store& store, const std::string& id) {
  auto s = store.school(id);
  return s ? s->district() : "(none)";
}

// The rows the store keeps inside transactions (schools, classes, calendars,
// tokens) are never staler than the file: another connection's commit is seen by
// the next transaction or snapshot.
TEST(Store, KeptRowsFollowAnotherConnectionsCommits) {
  TempDir dir;
  const std::string path = (dir.path() / "s.db").string();
  auto writer = store::Store::open(path);
  auto other = store::Store::open(path);  // another process: the token command, say
  auto reader = store::Store::open_reader(path);
  writer->put_school(school_in("s1", "d1"), "t");
  store::TokenRecord token;
  token.token_id = "0123456789abcdef";
  token.secret_hash = std::string(32, 'x');
  token.role = "operator";
  token.created_at = "t";
  writer->insert_token(token);

  {
    store::Transaction tx(writer->db());
    EXPECT_EQ(district_of(*writer, "s1"), "d1");
    EXPECT_EQ(writer->token(token.token_id)->revoked_at, "");
    tx.commit();
  }
  {
    store::ReadSnapshot snap(reader->db());
    EXPECT_EQ(district_of(*reader, "s1"), "d1");
    EXPECT_EQ(reader->token(token.token_id)->revoked_at, "");
  }
  other->put_school(school_in("s1", "d2"), "t");
  ASSERT_TRUE(other->revoke_token(token.token_id, "2026-11-24T00:00:00.000Z"));
  {
    store::Transaction tx(writer->db());
    EXPECT_EQ(district_of(*writer, "s1"), "d2");
    EXPECT_EQ(writer->token(token.token_id)->revoked_at, "2026-11-24T00:00:00.000Z");
    tx.commit();
  }
  {
    store::ReadSnapshot snap(reader->db());
    EXPECT_EQ(district_of(*reader, "s1"), "d2");
    EXPECT_EQ(reader->token(token.token_id)->revoked_at, "2026-11-24T00:00:00.000Z");
  }
}

// What a rolled-back transaction or savepoint wrote is not kept, even when it was
// read back before the rollback.
TEST(Store, KeptRowsDoNotOutliveARollback) {
  TempDir dir;
  auto store = store::Store::open((dir.path() / "s.db").string());
  store->put_school(school_in("s1", "d1"), "t");
  {
    store::Transaction tx(store->db());
    store->put_school(school_in("s1", "changed"), "t");
    store->put_school(school_in("s2", "d1"), "t");
    EXPECT_EQ(district_of(*store, "s1"), "changed");
    EXPECT_EQ(district_of(*store, "s2"), "d1");
  }  // rolled back
  {
    store::Transaction tx(store->db());
    EXPECT_EQ(district_of(*store, "s1"), "d1");
    EXPECT_EQ(district_of(*store, "s2"), "(none)");
    {
      store::Savepoint item(store->db());
      store->put_school(school_in("s2", "d1"), "t");
      EXPECT_EQ(district_of(*store, "s2"), "d1");
      item.rollback();
    }
    EXPECT_EQ(district_of(*store, "s2"), "(none)");
    {
      store::Transaction inner(store->db());  // a SAVEPOINT inside the outer one
      store->put_class(class_in("s1", "c1"), "t");
      EXPECT_EQ(store->klass("s1", "c1")->grade(), 5);
    }
    EXPECT_FALSE(store->klass("s1", "c1").has_value());
    tx.commit();
  }
  EXPECT_EQ(district_of(*store, "s2"), "(none)");
}

// Migration 8 lists each class-day's assignments (their rowids) in its day_loads
// row and drops the index they had. A class-day with a rollup keeps its figures; one
// without gets a row with none yet, and the meta row goes, so that the next start
// computes them. Withdrawn assignments are listed too: their class-day keeps them.
TEST(Store, Migration8ListsEachClassDaysAssignmentsInItsRollupRow) {
  TempDir dir;
  const std::string path = (dir.path() / "s.db").string();
  const auto d = [](const char* text) { return *analytics::parse_date(text); };
  {
    auto v7 = store::Store::open_at_version(path, 7);
    ASSERT_EQ(v7->schema_version(), 7);
    v7->put_school(school_in("s1", "d1"), "t");
    for (const char* id : {"c1", "c2"}) v7->put_class(class_in("s1", id), "t");
    // As a version 7 server stored them (its insert knew no members).
    auto insert = [&](const char* id, const char* klass, const char* date, bool withdrawn) {
      auto& s = v7->db().prepare(
          "INSERT INTO assignments(assignment_id, school_id, class_id, teacher_id, subject, assigned_date, type, tier, "
          "estimated_minutes, title, content, requires_parent_grading, assigned_to_parents, requires_self_grading, "
          "punitive, repetitive, withdrawn_at, created_at, updated_at) "
          "VALUES (?1, 's1', ?2, 't1', '数学', ?3, 1, 1, 20, ?1, '', 0, 0, 0, 0, 0, ?4, 't', 't')");
      s.bind(1, id).bind(2, klass).bind(3, date);
      if (withdrawn) {
        s.bind(4, "t");
      } else {
        s.bind_null(4);
      }
      s.exec();
    };
    insert("a", "c1", "2026-11-17", false);
    insert("b", "c1", "2026-11-17", true);
    insert("c", "c1", "2026-11-18", false);
    insert("x", "c2", "2026-11-17", false);
    pb::DayLoad figures;
    figures.set_date("2026-11-17");
    figures.set_planned_minutes(20);
    v7->put_day_load("s1", "c1", figures, {.grade = 5, .has_counted = true});
    v7->put_meta("rollups", "as version 7 computed them");
  }
  auto store = store::Store::open(path);
  EXPECT_EQ(store->schema_version(), 8);
  EXPECT_FALSE(store->meta("rollups"));  // the next start recomputes them

  auto ids = [](const std::vector<analytics::AssignmentFacts>& on) {
    std::vector<std::string> out;
    for (const auto& a : on) out.push_back(a.assignment_id + (a.withdrawn ? " (withdrawn)" : ""));
    return out;
  };
  auto c1 = store->class_records("s1", "c1", d("2026-11-17"), d("2026-11-18"));
  EXPECT_EQ(ids(c1.assignments_on(d("2026-11-17"))), (std::vector<std::string>{"a", "b (withdrawn)"}));
  EXPECT_EQ(ids(c1.assignments_on(d("2026-11-18"))), std::vector<std::string>{"c"});
  EXPECT_EQ(ids(store->class_records("s1", "c2", d("2026-11-17"), d("2026-11-17")).assignments_on(d("2026-11-17"))),
            std::vector<std::string>{"x"});
  EXPECT_EQ(store->record_dates("s1", "c1"), (std::vector<analytics::Date>{d("2026-11-17"), d("2026-11-18")}));
  std::vector<std::string> on17;
  for (const auto& a : store->assignments_on("s1", "c1", d("2026-11-17"))) on17.push_back(a.assignment.assignment_id());
  EXPECT_EQ(on17, (std::vector<std::string>{"a", "b"}));

  // The rollup that was there keeps its figures; the new rows have none yet.
  const auto loads = store->day_loads("s1", "c1", d("2026-11-17"), d("2026-11-18"));
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads.at(d("2026-11-17")).planned_minutes(), 20);
  EXPECT_EQ(store->rollup_totals("s1", 5, d("2026-11-17"), d("2026-11-18")).class_days, 1);

  auto count = [&](const std::string& sql) { return count_of(*store, sql); };
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_schema WHERE name IN ('assignments_class_date', 'breaches_class_date')"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM day_loads"), 3);

  // What comes after keeps the lists: a new assignment joins its class-day, and a
  // moved one leaves its old class-day (whose row goes with its last assignment).
  ASSERT_TRUE(store->insert_assignment(testing::assignment("e", "c1", "2026-11-18", 20), "t"));
  store->update_assignment(testing::assignment("x", "c1", "2026-11-18", 20), "t");
  c1 = store->class_records("s1", "c1", d("2026-11-17"), d("2026-11-18"));
  EXPECT_EQ(ids(c1.assignments_on(d("2026-11-18"))), (std::vector<std::string>{"c", "e", "x"}));
  EXPECT_TRUE(store->class_records("s1", "c2", d("2026-11-17"), d("2026-11-17")).assignments.empty());
  EXPECT_EQ(count("SELECT count(*) FROM day_loads WHERE class_id = 'c2'"), 0);

  // The lists name rowids: an assignment is never deleted, so none moves, not even
  // in a VACUUM. A range of centuries reads the rows there are, not its days.
  EXPECT_THROW(store->db().exec("DELETE FROM assignments WHERE assignment_id = 'a'"), store::StoreError);
  store->db().exec("VACUUM");
  c1 = store->class_records("s1", "c1", d("1900-01-01"), d("2999-12-31"));
  EXPECT_EQ(c1.assignments.size(), 2u);
  EXPECT_EQ(ids(c1.assignments_on(d("2026-11-17"))), (std::vector<std::string>{"a", "b (withdrawn)"}));
  EXPECT_EQ(ids(c1.assignments_on(d("2026-11-18"))), (std::vector<std::string>{"c", "e", "x"}));
  const std::map<std::string, std::vector<analytics::Date>> by_class = {{"c1", {d("2026-11-17"), d("2026-11-18")}}};
  EXPECT_EQ(store->record_dates_by_class("s1"), by_class);

  // A list that names an assignment the file does not hold is an error, not a
  // class-day without it.
  store->db().exec("UPDATE day_loads SET members = members || ' 999' WHERE class_id = 'c1' AND date = '2026-11-18'");
  EXPECT_THROW(store->class_records("s1", "c1", d("2026-11-18"), d("2026-11-18")), store::StoreError);
  EXPECT_THROW(store->assignments_on("s1", "c1", d("2026-11-18")), store::StoreError);
}

// A school's or a district's audit entries, breaches and alerts are read through
// their indexes: the statements do not step through the rows of other schools. SQLite's
// count of the virtual machine's steps tells: reading three rows through an index
// takes far fewer than the thousand a pass over the other school's rows would.
TEST(Store, AScopedListReadsItsOwnRowsNotEveryRow) {
  TempDir dir;
  auto store = store::Store::open((dir.path() / "s.db").string());
  store->put_school(school_in("s1", "d1"), "t");
  store->put_school(school_in("s2", "d2"), "t");
  auto add = [&](const std::string& school, const std::string& district, int n) {
    store::Transaction tx(store->db());
    for (int i = 0; i < n; ++i) {
      store::AuditEntry e;
      e.at = "2026-11-25T10:00:00.000Z";
      e.token_id = "t";
      e.role = "teacher";
      e.remote = "10.0.0.1";
      e.method = "POST";
      e.route = "/v1/assignments";
      e.target = "a" + std::to_string(i);
      e.school_id = school;
      e.district = district;
      e.status = 200;
      store->insert_audit(e);
      pb::Breach b;
      b.set_breach_id(school + "-b" + std::to_string(i));
      b.set_kind(pb::PLANNED_OVER_CAP);
      b.set_severity(pb::BREACH);
      b.set_school_id(school);
      b.set_class_id("c" + std::to_string(i));
      b.set_grade(5);
      b.set_date("2026-11-24");
      b.set_state(pb::OPEN);
      b.set_opened_at("2026-11-24T20:00:00.000Z");
      store->insert_breach(b);
      store->insert_alert(school + "-alert" + std::to_string(i), b, district, "OPENED", "2026-11-24T20:00:00.000Z", 0);
    }
    tx.commit();
  };
  add("s2", "d2", 1000);
  add("s1", "d1", 3);
  sqlite3* db = store->db().handle();
  // The steps of every statement of the connection made by `read`.
  auto steps = [&](const auto& read) {
    for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s)) {
      sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 1);
    }
    read();
    int n = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s)) {
      n += sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 0);
    }
    return n;
  };
  store::BreachFilter by_school, by_district, in_dates;
  by_school.school_id = "s1";
  by_district.district = "d1";
  in_dates.school_id = "s1";
  in_dates.from = "2026-11-24";
  in_dates.to = "2026-11-24";
  in_dates.state = pb::OPEN;
  EXPECT_LT(steps([&] { EXPECT_EQ(store->audit("s1", "", 0, 100).size(), 3u); }), 1000);
  EXPECT_LT(steps([&] { EXPECT_EQ(store->audit("", "d1", 0, 100).size(), 3u); }), 1000);
  EXPECT_LT(steps([&] { EXPECT_EQ(store->breaches(by_school, 100).size(), 3u); }), 1000);
  EXPECT_LT(steps([&] { EXPECT_EQ(store->breaches(by_district, 100).size(), 3u); }), 1000);
  EXPECT_LT(steps([&] { EXPECT_EQ(store->breaches(in_dates, 100).size(), 3u); }), 1000);
  EXPECT_LT(steps([&] { EXPECT_EQ(store->alerts_after(0, 100, "d1").size(), 3u); }), 1000);
  // Unscoped, everything is there (and read).
  EXPECT_GT(steps([&] { EXPECT_EQ(store->audit("", "", 0, 2000).size(), 1003u); }), 1000);
  EXPECT_EQ(store->breaches({}, 2000).size(), 1003u);
  EXPECT_EQ(store->audit("s1", "d2", 0, 100).size(), 0u);  // both scopes hold
}

// What a class's loads are computed from, read in one pass: every assignment of the
// range with its facts, sorted by id within its date, and the timings of those not
// withdrawn; another class's and other dates' records stay out.
TEST(Store, ClassRecordsHoldTheFactsOfEachAssignmentAndTheTimingsOfThoseStanding) {
  TempDir dir;
  auto store = store::Store::open((dir.path() / "s.db").string());
  store->put_school(school_in("s1", "d1"), "t");
  for (const char* id : {"c1", "c2"}) store->put_class(class_in("s1", id), "t");
  // The test support's assignment: WRITTEN, REQUIRED, school s1; here 20 minutes.
  auto assignment = [](const std::string& id, const std::string& klass, const std::string& date) {
    return testing::assignment(id, klass, date, 20);
  };
  auto z = assignment("z", "c1", "2026-11-17");  // stored first, sorted last
  auto m = assignment("m", "c1", "2026-11-17");
  m.set_subject("英语");
  m.set_title("口算 m");
  m.set_type(pb::READING);
  m.set_tier(pb::OPTIONAL);
  m.set_estimated_minutes(15);
  m.set_requires_parent_grading(true);
  m.set_repetitive(true);
  // On 11-17 a withdrawn assignment with timings ("k") stands between others with
  // timings, by id and by the order they were stored in.
  for (const auto& a : {z, assignment("k", "c1", "2026-11-17"), m, assignment("a", "c1", "2026-11-17"),
                        assignment("w", "c1", "2026-11-18"), assignment("n", "c1", "2026-11-19"),
                        assignment("other", "c2", "2026-11-17"), assignment("before", "c1", "2026-11-16"),
                        assignment("after", "c1", "2026-11-20")}) {
    ASSERT_TRUE(store->insert_assignment(a, "t"));
  }
  store->put_timing("z", "p2", {30, false}, "t");
  store->put_timing("z", "p1", {25, true}, "t");
  store->put_timing("m", "p1", {10, false}, "t");
  store->put_timing("w", "p1", {40, false}, "t");  // withdrawn below: its timing no longer counts
  store->put_timing("k", "p1", {45, false}, "t");
  store->put_timing("k", "p2", {45, false}, "t");
  store->put_timing("a", "p3", {5, false}, "t");
  store->put_timing("other", "p1", {50, false}, "t");
  store->put_timing("before", "p1", {50, false}, "t");
  store->withdraw_assignment("w", "t");
  store->withdraw_assignment("k", "t");

  const auto d = [](const char* text) { return *analytics::parse_date(text); };
  const auto records = store->class_records("s1", "c1", d("2026-11-17"), d("2026-11-19"));
  ASSERT_EQ(records.assignments.size(), 3u);
  const auto& on17 = records.assignments_on(d("2026-11-17"));
  ASSERT_EQ(on17.size(), 4u);
  EXPECT_EQ(on17[0].assignment_id, "a");
  EXPECT_EQ(on17[1].assignment_id, "k");
  EXPECT_TRUE(on17[1].withdrawn);
  EXPECT_EQ(on17[2].assignment_id, "m");
  EXPECT_EQ(on17[3].assignment_id, "z");
  EXPECT_FALSE(on17[0].withdrawn);
  EXPECT_FALSE(on17[3].withdrawn);
  EXPECT_EQ(on17[2].subject, "英语");
  EXPECT_EQ(on17[2].title, "口算 m");
  EXPECT_EQ(on17[2].type, analytics::HomeworkType::kReading);
  EXPECT_TRUE(on17[2].optional);
  EXPECT_EQ(on17[2].estimated_minutes, 15);
  EXPECT_TRUE(on17[2].flags.requires_parent_grading);
  EXPECT_FALSE(on17[2].flags.assigned_to_parents);
  EXPECT_FALSE(on17[2].flags.requires_self_grading);
  EXPECT_FALSE(on17[2].flags.punitive);
  EXPECT_TRUE(on17[2].flags.repetitive);
  EXPECT_FALSE(on17[2].withdrawn);
  EXPECT_EQ(on17[3].type, analytics::HomeworkType::kWritten);
  EXPECT_FALSE(on17[3].optional);
  EXPECT_EQ(on17[3].estimated_minutes, 20);
  EXPECT_FALSE(on17[3].flags.any());

  std::vector<std::tuple<std::string, std::string, int, bool>> timings;
  for (const auto& t : records.timings_on(d("2026-11-17"))) {
    timings.emplace_back(t.assignment_id, t.student_key, t.minutes, t.unfinished);
  }
  std::sort(timings.begin(), timings.end());
  EXPECT_EQ(timings,
            (std::vector<std::tuple<std::string, std::string, int, bool>>{
                {"a", "p3", 5, false}, {"m", "p1", 10, false}, {"z", "p1", 25, true}, {"z", "p2", 30, false}}));

  const auto& on18 = records.assignments_on(d("2026-11-18"));
  ASSERT_EQ(on18.size(), 1u);
  EXPECT_TRUE(on18[0].withdrawn);
  EXPECT_TRUE(records.timings_on(d("2026-11-18")).empty());
  EXPECT_EQ(records.timings.count(d("2026-11-18")), 0u);
  ASSERT_EQ(records.assignments_on(d("2026-11-19")).size(), 1u);
  EXPECT_TRUE(records.timings_on(d("2026-11-19")).empty());
  EXPECT_TRUE(records.assignments_on(d("2026-11-16")).empty());
  EXPECT_TRUE(records.assignments_on(d("2026-11-20")).empty());
}

TEST(Store, AnUnwritableFileIsAnErrorNotACrash) {
  EXPECT_THROW(store::Store::open("/nonexistent-dir/x/y.db"), store::StoreError);
}

}  // namespace
}  // namespace hwload::testing
