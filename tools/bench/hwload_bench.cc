// hwload-bench: a load generator for hwload-server, built on the client SDK (the
// same wire code teachers' clients use), and the raw-SQLite baseline of the same rows.
//
//   hwload-bench --server URL --token T --mode assign   --connections 64 --seconds 10
//   hwload-bench --server URL --token T --mode timings  --connections 64 --seconds 10
//   hwload-bench --server URL --token T --mode mixed    --connections 64 --seconds 10
//   hwload-bench --server URL --mode assign --baseline  (any HTTP server: counts 2xx only)
//   hwload-bench --mode sqlite-raw --db FILE --seconds 10  (the rows of `timings` mode, inserted directly)
//   hwload-bench --server URL --token T --mode seed  --schools 14 --classes-per-grade 4 [--days N] [--verify-db FILE]
//   hwload-bench --server URL --token T --mode reads --schools 14 --classes-per-grade 4 --connections 1 --seconds 10
//
// Synthetic schools: grades 1-9, `--classes-per-grade` classes of 40 pupils each;
// 2-6 written assignments a class-day; students' minutes lognormal around the
// estimate. Every id is unique to the run: its prefix, then a time-ordered UUIDv7 as
// the SDK makes them for teachers' clients. It prints throughput and p50/p90/p99/max
// latency, then checks that every acknowledged record is stored exactly once (in
// the SQLite file with --verify-db, else by reading each back through the API).
//
// `seed` fills the autumn term (or its first `--days` school days) for every synthetic
// class through the API: per class-day 2-6 required assignments, each with a 40-student
// timing report, posted a class's week at a time (one assignment batch, then one timing
// batch). Its ids and contents follow from the class and date alone, so a second run
// stores nothing new (every item comes back UNCHANGED). 14 schools x 4 classes per grade
// are the county-sized store of docs/PERFORMANCE.md: 504 classes, ~8M timings.
// `reads` measures, on such a store and one after the other, a class's week, a grade's
// week and the district's term compliance; it registers nothing (the classes are the
// same synthetic ones, so give it the same --schools, --classes-per-grade and --days).
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hwload/analytics/calendar.h"
#include "hwload/client/client.h"
#include "load.h"

namespace {

namespace pb = ::hwload::v1;
using hwload::bench::Clock;
using hwload::bench::Exchange;
using hwload::bench::fail;
using hwload::bench::LoadOptions;
using hwload::bench::run_load;
using hwload::bench::Tally;
using hwload::client::Client;
using hwload::client::ClientOptions;
using hwload::client::RawResponse;
namespace wire = hwload::client::wire;

struct Options {
  std::string server = "http://127.0.0.1:8080";
  std::string token;
  std::string ca_file;
  std::string mode = "assign";
  int connections = 64;
  int client_threads = 1;  // assign, timings, mixed: threads driving the connections
  int timeout_seconds = 30;  // per request
  double seconds = 10;
  int schools = 4;
  int classes_per_grade = 4;
  std::string verify_db;
  std::string db;  // sqlite-raw
  bool baseline = false;
  bool setup = true;
  int pool = 20000;  // timings mode: assignments posted first, each then gets one class report
  int days = 0;      // seed, reads: the first N school days of the term; 0: all of them
};

// One synthetic class: school, class id, grade.
struct SyntheticClass {
  std::string school_id, class_id;
  int grade = 0;
};

std::vector<SyntheticClass> synthetic_classes(const Options& o) {
  std::vector<SyntheticClass> out;
  for (int s = 0; s < o.schools; ++s) {
    for (int g = 1; g <= 9; ++g) {
      for (int c = 1; c <= o.classes_per_grade; ++c) {
        out.push_back({"bench-s" + std::to_string(s), "g" + std::to_string(g) + "c" + std::to_string(c), g});
      }
    }
  }
  return out;
}

// School days of the autumn term 2026 (2026-09-01 to 2027-01-15), Monday to Friday.
std::vector<std::string> school_days() {
  namespace an = hwload::analytics;
  std::vector<std::string> out;
  const an::Date last = an::date_from_ymd(2027, 1, 15);
  for (an::Date d = an::date_from_ymd(2026, 9, 1); d.days <= last.days; d.days += 1) {
    if (an::iso_weekday(d) <= 5) out.push_back(an::format_date(d));
  }
  return out;
}

const char* kSubjects[] = {"语文", "数学", "英语", "物理", "化学", "历史", "地理", "生物"};

// A written, required assignment with an estimate typical of its grade band.
pb::Assignment make_assignment(const std::string& id, const SyntheticClass& k, const std::string& date,
                               std::mt19937_64& rng) {
  pb::Assignment a;
  a.set_assignment_id(id);
  a.set_school_id(k.school_id);
  a.set_class_id(k.class_id);
  a.set_teacher_id("bench-t-" + k.class_id);
  a.set_subject(kSubjects[rng() % (k.grade >= 7 ? 8 : 3)]);
  a.set_assigned_date(date);
  a.set_type(k.grade <= 2 ? pb::READING : pb::WRITTEN);
  a.set_tier(pb::REQUIRED);
  // 2-6 assignments share the evening: 10-25 minutes each.
  a.set_estimated_minutes(10 + static_cast<int>(rng() % 16));
  a.set_title("练习 " + id.substr(id.size() - 6));
  return a;
}

// 40 students' minutes, lognormal around the estimate (sigma 0.35).
pb::TimingReport make_report(const std::string& assignment_id, int estimate, std::mt19937_64& rng) {
  std::lognormal_distribution<double> minutes(std::log(std::max(estimate, 1)), 0.35);
  pb::TimingReport r;
  r.set_assignment_id(assignment_id);
  for (int s = 1; s <= 40; ++s) {
    auto* t = r.add_students();
    char key[8];
    std::snprintf(key, sizeof key, "s%02d", s);
    t->set_student_key(key);
    t->set_minutes(std::min(600, static_cast<int>(std::lround(minutes(rng)))));
  }
  return r;
}

std::unique_ptr<Client> connect(const Options& o) {
  ClientOptions c;
  c.base_url = o.server;
  c.token = o.token;
  c.ca_file = o.ca_file;
  c.max_attempts = 1;  // a failed request is counted, not hidden by a retry
  c.timeout = std::chrono::seconds(o.timeout_seconds);
  return std::make_unique<Client>(c);
}

// Registers the synthetic schools and classes (idempotent).
bool set_up(const Options& o, const std::vector<SyntheticClass>& classes) {
  auto c = connect(o);
  std::set<std::string> done;
  for (const auto& k : classes) {
    if (done.insert(k.school_id).second) {
      pb::School s;
      s.set_school_id(k.school_id);
      s.set_name("压测学校 " + k.school_id);
      s.set_district("bench-district");
      s.set_profile("national");
      if (auto r = c->put_school(s); !r) {
        std::cerr << "hwload-bench: registering " << k.school_id << ": " << r.error().to_string() << "\n";
        return false;
      }
    }
    pb::Class cl;
    cl.set_school_id(k.school_id);
    cl.set_class_id(k.class_id);
    cl.set_grade(k.grade);
    cl.set_student_count(40);
    if (auto r = c->put_class(cl); !r) {
      std::cerr << "hwload-bench: registering " << k.class_id << ": " << r.error().to_string() << "\n";
      return false;
    }
  }
  return true;
}

// Posts `count` assignments in batches of 500 for the timings mode; returns them.
std::vector<pb::Assignment> post_pool(const Options& o, const std::vector<SyntheticClass>& classes,
                                      const std::vector<std::string>& days, const std::string& run, int count) {
  auto c = connect(o);
  std::mt19937_64 rng(7);
  std::vector<pb::Assignment> pool;
  pb::AssignmentBatch batch;
  for (int i = 0; i < count; ++i) {
    const auto& k = classes[static_cast<size_t>(i) % classes.size()];
    if (k.grade <= 2) continue;  // no written homework to time there
    pool.push_back(make_assignment(run + "-" + hwload::client::new_uuid(), k, days[(static_cast<size_t>(i) / classes.size()) % days.size()], rng));
    *batch.add_assignments() = pool.back();
    if (batch.assignments_size() == 500 || i + 1 == count) {
      if (auto r = c->post_assignments(batch); !r) {
        std::cerr << "hwload-bench: posting the pool: " << r.error().to_string() << "\n";
        return {};
      }
      batch.Clear();
    }
  }
  return pool;
}

struct Shared {
  const Options* options;
  const std::vector<SyntheticClass>* classes;
  const std::vector<std::string>* days;
  const std::vector<pb::Assignment>* pool;
  std::string run;
  std::atomic<size_t> next_pool{0};
  std::vector<std::mt19937_64> rngs;  // one per connection, touched only by it
};

// How the answer to a one-item batch counts: its item must be CREATED (or, with
// `created_only` false, anything but REJECTED); then `records` rows are counted and
// `id` is acknowledged. For a baseline any 2xx will do, and nothing is acknowledged.
auto batch_answer(std::string id, int records, bool baseline, bool created_only) {
  return [id = std::move(id), records, baseline, created_only](const RawResponse& raw, Tally& t, std::string& error) {
    pb::BatchResult r;
    if (auto e = wire::decode(raw, baseline ? nullptr : &r)) {
      error = e->to_string();
      return false;
    }
    if (!baseline) {
      const bool stored = r.items_size() == 1 && (created_only ? r.items(0).status() == pb::CREATED
                                                               : r.items(0).status() != pb::REJECTED);
      if (!stored) {
        error = r.items_size() ? r.items(0).error().message() : "no item in the answer";
        return false;
      }
      t.acked.push_back(id);
    }
    t.records += records;
    return true;
  };
}

// The next request of connection `index` in the mode's mix, and how to count its
// answer; nullopt once the timings pool is used up.
std::optional<Exchange> next_exchange(Shared& sh, int index) {
  const Options& o = *sh.options;
  auto& rng = sh.rngs[static_cast<size_t>(index)];
  const auto encoding = hwload::client::Encoding::kProtobuf;
  const bool write = o.mode != "mixed" || rng() % 5 == 0;  // mixed: 1 write in 5
  const bool baseline = o.baseline;
  if (o.mode == "timings") {
    size_t i = sh.next_pool.fetch_add(1);
    if (i >= sh.pool->size()) {
      if (!baseline) return std::nullopt;  // every pool assignment has its report
      i %= sh.pool->size();                // a baseline stores nothing: the same bodies will do
    }
    const auto& a = (*sh.pool)[i];
    pb::TimingBatch batch;
    *batch.add_reports() = make_report(a.assignment_id(), a.estimated_minutes(), rng);
    return Exchange{wire::post_timings(batch, encoding), batch_answer(a.assignment_id(), 40, baseline, false)};
  }
  if (write) {
    const auto& k = (*sh.classes)[rng() % sh.classes->size()];
    // As teachers' clients make them (the SDK's time-ordered UUIDv7), under the run's prefix.
    std::string id = sh.run + "-" + hwload::client::new_uuid();
    pb::AssignmentBatch batch;
    *batch.add_assignments() = make_assignment(id, k, (*sh.days)[rng() % sh.days->size()], rng);
    return Exchange{wire::post_assignments(batch, encoding), batch_answer(std::move(id), 1, baseline, true)};
  }
  // A teacher's (or leader's) look at one class's week.
  const auto& k = (*sh.classes)[rng() % sh.classes->size()];
  const size_t d = rng() % (sh.days->size() - 5);
  return Exchange{wire::class_load(k.school_id, k.class_id, (*sh.days)[d], (*sh.days)[d + 4], encoding),
                  [](const RawResponse& raw, Tally&, std::string& error) {
                    pb::ClassLoad load;
                    if (auto e = wire::decode(raw, &load)) {
                      error = e->to_string();
                      return false;
                    }
                    return true;
                  }};
}

double percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())) - 1));
  return static_cast<double>(sorted[i]) / 1e6;
}

// Every acknowledged assignment id (all named `<prefix>-...`) is stored exactly once;
// with `timings` (timings and seed modes), with its 40 timings.
int verify_db(const Options& o, const std::vector<std::string>& acked, const std::string& prefix, bool timings) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(o.verify_db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::cerr << "hwload-bench: cannot open " << o.verify_db << "\n";
    return 1;
  }
  std::map<std::string, int> stored;
  const std::string sql = timings ? "SELECT assignment_id, COUNT(*) FROM timings WHERE assignment_id LIKE ?1 GROUP BY 1"
                                  : "SELECT assignment_id, 1 FROM assignments WHERE assignment_id LIKE ?1";
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  const std::string like = prefix + "-%";
  sqlite3_bind_text(st, 1, like.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(st) == SQLITE_ROW) {
    stored[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = sqlite3_column_int(st, 1);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  const int per = timings ? 40 : 1;
  size_t missing = 0, wrong = 0;
  for (const auto& id : acked) {
    auto it = stored.find(id);
    if (it == stored.end()) {
      ++missing;
    } else if (it->second != per) {
      ++wrong;
    }
  }
  std::set<std::string> unique(acked.begin(), acked.end());
  std::printf("verify: %zu acknowledged, %zu stored with ids %s-*; missing %zu, wrong count %zu, acked twice %zu\n",
              acked.size(), stored.size(), prefix.c_str(), missing, wrong, acked.size() - unique.size());
  return missing || wrong || unique.size() != acked.size() ? 1 : 0;
}

// Without the file: reads each acknowledged assignment back through the API.
int verify_api(const Options& o, const std::vector<std::string>& acked) {
  std::atomic<size_t> next{0}, missing{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < std::min(o.connections, 16); ++i) {
    threads.emplace_back([&] {
      auto c = connect(o);
      for (size_t k; (k = next.fetch_add(1)) < acked.size();) {
        if (!c->get_assignment(acked[k])) ++missing;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::printf("verify (API): %zu acknowledged, %zu not found\n", acked.size(), missing.load());
  return missing ? 1 : 0;
}

// The raw-SQLite baseline: the rows of `timings` mode (one 40-student report per
// transaction, synchronous=FULL, WAL, prepared statements) in one process.
int sqlite_raw(const Options& o) {
  sqlite3* db = nullptr;
  if (sqlite3_open(o.db.c_str(), &db) != SQLITE_OK) return 1;
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
               "CREATE TABLE IF NOT EXISTS timings(assignment_id TEXT NOT NULL, student_key TEXT NOT NULL, "
               "minutes INTEGER NOT NULL, unfinished INTEGER NOT NULL, reported_at TEXT NOT NULL, "
               "PRIMARY KEY (assignment_id, student_key)) WITHOUT ROWID;",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO timings VALUES (?, ?, ?, 0, '2026-11-24T12:00:00.000Z')", -1, &ins, nullptr);
  std::mt19937_64 rng(7);
  std::vector<int64_t> latency;
  const auto stop_at = Clock::now() + std::chrono::duration<double>(o.seconds);
  int64_t reports = 0;
  const auto begin = Clock::now();
  while (Clock::now() < stop_at) {
    const auto start = Clock::now();
    const auto report = make_report("raw-" + std::to_string(reports), 20, rng);
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (const auto& s : report.students()) {
      sqlite3_bind_text(ins, 1, report.assignment_id().c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 2, s.student_key().c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_int(ins, 3, s.minutes());
      if (sqlite3_step(ins) != SQLITE_DONE) {
        std::cerr << "hwload-bench: insert failed: " << sqlite3_errmsg(db) << "\n";
        return 1;
      }
      sqlite3_reset(ins);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    ++reports;
    latency.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  sqlite3_finalize(ins);
  sqlite3_close(db);
  std::sort(latency.begin(), latency.end());
  std::printf("mode sqlite-raw: %lld reports (%lld timings) in %.1f s: %.0f reports/s, %.0f timings/s\n",
              static_cast<long long>(reports), static_cast<long long>(reports * 40), elapsed, reports / elapsed,
              reports * 40 / elapsed);
  std::printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", percentile(latency, 0.5),
              percentile(latency, 0.9), percentile(latency, 0.99), percentile(latency, 1.0));
  return 0;
}

// ---- seed and reads: the county-sized store ----------------------------------

// FNV-1a: a seed that follows from the text alone, so that a second seed run posts
// the very same records (std::hash promises no such stability).
uint64_t stable_seed(const std::string& text) {
  uint64_t h = 14695981039346656037ULL;
  for (const unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ULL;
  }
  return h;
}

// An ISO week of the term: the school days in it (seed posts a class's week in one
// batch), and the whole Monday..Sunday (reads ask for whole weeks).
struct TermWeek {
  std::string name, monday, sunday;  // name: 2026-W47
  std::vector<std::string> days;
};

std::vector<TermWeek> term_weeks(const std::vector<std::string>& days) {
  namespace an = hwload::analytics;
  std::vector<TermWeek> out;
  for (const auto& day : days) {
    const an::IsoWeek w = an::iso_week_of(*an::parse_date(day));
    const std::string name = an::format_iso_week(w);
    if (out.empty() || out.back().name != name) {
      const an::Date monday = an::monday_of(w);
      out.push_back({name, an::format_date(monday), an::format_date(monday + 6), {}});
    }
    out.back().days.push_back(day);
  }
  return out;
}

// The first item of a batch answer that was not stored ("id: CODE: message"), or an
// answer that does not hold one item per input; empty when every item is stored
// (CREATED, UNCHANGED on a re-run, UPDATED).
std::string first_rejected(const pb::BatchResult& r, int sent) {
  if (r.items_size() != sent) {
    return std::to_string(r.items_size()) + " items answered for " + std::to_string(sent) + " sent";
  }
  for (const auto& item : r.items()) {
    if (item.status() == pb::REJECTED || item.status() == pb::ITEM_STATUS_UNSPECIFIED) {
      return item.id() + ": " + item.error().code() + ": " + item.error().message();
    }
  }
  return {};
}

struct SeedState {
  const Options* options = nullptr;
  const std::vector<SyntheticClass>* classes = nullptr;
  const std::vector<TermWeek>* weeks = nullptr;
  std::atomic<size_t> next_class{0};
  std::atomic<int> running{0};
  std::atomic<bool> failed{false};
  // Read by the progress line while the workers add to them.
  std::atomic<int64_t> classes_done{0}, class_days{0}, requests{0};
  std::atomic<int64_t> assignments_created{0}, assignments_unchanged{0};
  std::atomic<int64_t> reports_created{0}, reports_unchanged{0}, reports_updated{0};
  std::mutex mu;  // guards the rest
  std::string first_error;
  std::vector<int64_t> latency_ns;  // per batch request
  std::vector<std::string> acked;   // assignment ids stored with their report
};

// The first failure stops every worker: a store seeded with holes would make the
// reads measured on it wrong, and carrying on would only repeat the error.
void seed_fail(SeedState& st, const std::string& what) {
  std::lock_guard lock(st.mu);
  if (st.first_error.empty()) st.first_error = what;
  st.failed = true;
}

void seed_worker(SeedState& st) {
  auto c = connect(*st.options);
  std::vector<int64_t> latency;
  std::vector<std::string> acked;
  for (size_t i; !st.failed && (i = st.next_class.fetch_add(1)) < st.classes->size();) {
    const auto& k = (*st.classes)[i];
    for (const auto& week : *st.weeks) {
      if (st.failed) break;
      pb::AssignmentBatch assignments;
      pb::TimingBatch timings;
      for (const auto& day : week.days) {
        std::mt19937_64 rng(stable_seed(k.school_id + "/" + k.class_id + "/" + day));
        const int n = 2 + static_cast<int>(rng() % 5);
        for (int j = 0; j < n; ++j) {
          const std::string id = "seed-" + k.school_id + "-" + k.class_id + "-" + day + "-" + std::to_string(j);
          const auto& a = *assignments.add_assignments() = make_assignment(id, k, day, rng);
          *timings.add_reports() = make_report(id, a.estimated_minutes(), rng);
        }
      }
      const std::string where = k.school_id + "/" + k.class_id + " " + week.name;
      // The assignments first: a report for an assignment not yet stored is rejected.
      auto start = Clock::now();
      const auto ra = c->post_assignments(assignments);
      latency.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
      ++st.requests;
      if (!ra) {
        seed_fail(st, "posting the assignments of " + where + ": " + ra.error().to_string());
        break;
      }
      if (auto e = first_rejected(*ra, assignments.assignments_size()); !e.empty()) {
        seed_fail(st, "assignments of " + where + ": " + e);
        break;
      }
      for (const auto& item : ra->items())
        ++(item.status() == pb::CREATED ? st.assignments_created : st.assignments_unchanged);
      start = Clock::now();
      const auto rt = c->post_timings(timings);
      latency.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
      ++st.requests;
      if (!rt) {
        seed_fail(st, "posting the timings of " + where + ": " + rt.error().to_string());
        break;
      }
      if (auto e = first_rejected(*rt, timings.reports_size()); !e.empty()) {
        seed_fail(st, "timings of " + where + ": " + e);
        break;
      }
      for (const auto& item : rt->items()) {
        ++(item.status() == pb::CREATED     ? st.reports_created
           : item.status() == pb::UNCHANGED ? st.reports_unchanged
                                            : st.reports_updated);
        acked.push_back(item.id());
      }
      st.class_days += static_cast<int64_t>(week.days.size());
    }
    if (!st.failed) ++st.classes_done;
  }
  std::lock_guard lock(st.mu);
  st.latency_ns.insert(st.latency_ns.end(), latency.begin(), latency.end());
  st.acked.insert(st.acked.end(), acked.begin(), acked.end());
  --st.running;
}

// Rows in the store's main tables: the size of what the reads were measured on.
int print_row_counts(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::cerr << "hwload-bench: cannot open " << path << "\n";
    sqlite3_close(db);
    return 1;
  }
  std::printf("store rows:");
  int rc = 0;
  for (const char* table : {"schools", "classes", "assignments", "timings", "breaches"}) {
    sqlite3_stmt* st = nullptr;
    const std::string sql = std::string("SELECT COUNT(*) FROM ") + table;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
      std::printf(" %s ?", table);
      std::cerr << "hwload-bench: counting " << table << ": " << sqlite3_errmsg(db) << "\n";
      rc = 1;
    } else {
      std::printf(" %s %lld", table, static_cast<long long>(sqlite3_column_int64(st, 0)));
    }
    sqlite3_finalize(st);
  }
  std::printf("\n");
  sqlite3_close(db);
  return rc;
}

int seed(const Options& o, const std::vector<SyntheticClass>& classes, const std::vector<std::string>& days) {
  const auto weeks = term_weeks(days);
  SeedState st;
  st.options = &o;
  st.classes = &classes;
  st.weeks = &weeks;
  std::printf("mode seed, %d connections: %zu classes x %zu school days (%s to %s), a week per batch\n", o.connections,
              classes.size(), days.size(), days.front().c_str(), days.back().c_str());
  std::fflush(stdout);
  const auto begin = Clock::now();
  std::vector<std::thread> threads;
  st.running = o.connections;
  for (int i = 0; i < o.connections; ++i) threads.emplace_back([&st] { seed_worker(st); });
  // Seeding a county takes minutes: a line every 10 s shows it is moving, and how fast.
  auto last = begin;
  while (st.running > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (Clock::now() - last < std::chrono::seconds(10)) continue;
    last = Clock::now();
    const double s = std::chrono::duration<double>(last - begin).count();
    const int64_t timings = 40 * (st.reports_created + st.reports_unchanged + st.reports_updated);
    std::fprintf(stderr, "seed: %.0f s, %lld/%zu classes, %lld class-days, %lld timings (%.0f/s)\n", s,
                 static_cast<long long>(st.classes_done.load()), classes.size(),
                 static_cast<long long>(st.class_days.load()), static_cast<long long>(timings), timings / s);
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();

  const int64_t assignments = st.assignments_created + st.assignments_unchanged;
  const int64_t reports = st.reports_created + st.reports_unchanged + st.reports_updated;
  std::printf("seeded %lld/%zu classes, %lld class-days in %.1f s, %lld requests\n",
              static_cast<long long>(st.classes_done.load()), classes.size(),
              static_cast<long long>(st.class_days.load()), elapsed, static_cast<long long>(st.requests.load()));
  std::printf("assignments: %lld (%lld new, %lld unchanged), %.0f/s\n", static_cast<long long>(assignments),
              static_cast<long long>(st.assignments_created.load()),
              static_cast<long long>(st.assignments_unchanged.load()), assignments / elapsed);
  std::printf("timings stored: %lld in %lld reports (%lld new, %lld unchanged, %lld updated), %.0f timings/s\n",
              static_cast<long long>(40 * reports), static_cast<long long>(reports),
              static_cast<long long>(st.reports_created.load()), static_cast<long long>(st.reports_unchanged.load()),
              static_cast<long long>(st.reports_updated.load()), 40 * reports / elapsed);
  std::sort(st.latency_ns.begin(), st.latency_ns.end());
  std::printf("batch latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", percentile(st.latency_ns, 0.5),
              percentile(st.latency_ns, 0.9), percentile(st.latency_ns, 0.99), percentile(st.latency_ns, 1.0));
  if (st.failed) {
    std::printf("first failure (seeding stopped there): %s\n", st.first_error.c_str());
    return 1;
  }
  if (o.verify_db.empty()) return 0;
  const int verified = verify_db(o, st.acked, "seed", true);
  return print_row_counts(o.verify_db) || verified ? 1 : 0;
}

// One kind of read, measured alone: `connections` clients ask `one` (which returns
// what was wrong with the answer, empty when nothing) until `seconds` have passed
// and at least `min_requests` were answered.
Tally measure_reads(const Options& o, int64_t min_requests,
                    const std::function<std::string(Client&, std::mt19937_64&)>& one, double& elapsed) {
  std::vector<Tally> tallies(static_cast<size_t>(o.connections));
  std::atomic<int64_t> answered{0};
  std::vector<std::thread> threads;
  const auto begin = Clock::now();
  const auto stop_at = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  for (int i = 0; i < o.connections; ++i) {
    threads.emplace_back([&, i] {
      Tally& t = tallies[static_cast<size_t>(i)];
      auto c = connect(o);
      std::mt19937_64 rng(2000 + static_cast<uint64_t>(i));
      while (Clock::now() < stop_at || answered < min_requests) {
        const auto start = Clock::now();
        const std::string wrong = one(*c, rng);
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
        ++t.requests;
        ++answered;
        if (wrong.empty()) {
          t.latency_ns.push_back(ns);
        } else {
          fail(t, wrong);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  Tally all;
  for (auto& t : tallies) {
    all.requests += t.requests;
    all.failed += t.failed;
    all.latency_ns.insert(all.latency_ns.end(), t.latency_ns.begin(), t.latency_ns.end());
    if (all.first_error.empty()) all.first_error = t.first_error;
  }
  std::sort(all.latency_ns.begin(), all.latency_ns.end());
  return all;
}

void print_reads(const Options& o, const char* kind, const Tally& t, double elapsed) {
  std::printf("reads %s, %d connections, %.1f s: %lld requests, %.1f req/s, %lld failed\n", kind, o.connections,
              elapsed, static_cast<long long>(t.requests), static_cast<double>(t.requests) / elapsed,
              static_cast<long long>(t.failed));
  std::printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", percentile(t.latency_ns, 0.5),
              percentile(t.latency_ns, 0.9), percentile(t.latency_ns, 0.99), percentile(t.latency_ns, 1.0));
  if (!t.first_error.empty()) std::printf("first failure: %s\n", t.first_error.c_str());
  std::fflush(stdout);
}

// The term's compliance of a county takes about a second: with fewer answers than
// this, p99 would be one or two samples.
constexpr int64_t kMinComplianceRequests = 5;

int reads(const Options& o, const std::vector<SyntheticClass>& classes, const std::vector<std::string>& days) {
  const auto weeks = term_weeks(days);
  std::printf("mode reads: %zu classes in %d schools, %zu weeks (%s to %s), %.1f s each\n", classes.size(), o.schools,
              weeks.size(), weeks.front().name.c_str(), weeks.back().name.c_str(), o.seconds);
  bool failed = false;
  double elapsed = 0;

  // (a) A teacher's look at one class's week, Monday to Sunday.
  const Tally class_week = measure_reads(
      o, 1,
      [&](Client& c, std::mt19937_64& rng) -> std::string {
        const auto& k = classes[rng() % classes.size()];
        const auto& w = weeks[rng() % weeks.size()];
        const auto r = c.class_load(k.school_id, k.class_id, w.monday, w.sunday);
        if (!r) return r.error().to_string();
        if (r->days_size() != 7) {
          return k.school_id + "/" + k.class_id + " " + w.name + ": " + std::to_string(r->days_size()) + " days, not 7";
        }
        return {};
      },
      elapsed);
  print_reads(o, "class week", class_week, elapsed);
  failed |= class_week.failed > 0;

  // (b) A grade leader's look at all classes of a grade in one week.
  const Tally grade_week = measure_reads(
      o, 1,
      [&](Client& c, std::mt19937_64& rng) -> std::string {
        const std::string school = "bench-s" + std::to_string(rng() % static_cast<uint64_t>(o.schools));
        const int grade = 1 + static_cast<int>(rng() % 9);
        const auto& w = weeks[rng() % weeks.size()];
        const auto r = c.grade_week(school, grade, w.name);
        if (!r) return r.error().to_string();
        const std::string where = school + " grade " + std::to_string(grade) + " " + w.name;
        if (r->classes_size() != o.classes_per_grade) {
          return where + ": " + std::to_string(r->classes_size()) + " classes, not " +
                 std::to_string(o.classes_per_grade);
        }
        for (const auto& k : r->classes()) {
          if (k.days_size() != 7)
            return where + ": class " + k.class_id() + " has " + std::to_string(k.days_size()) + " days";
        }
        return {};
      },
      elapsed);
  print_reads(o, "grade week", grade_week, elapsed);
  failed |= grade_week.failed > 0;

  // (c) The bureau's compliance over the whole term, the heaviest read there is.
  std::mutex mu;
  std::optional<pb::Compliance> sample;
  hwload::client::ComplianceQuery q;
  q.district = "bench-district";
  q.from = days.front();
  q.to = days.back();
  const Tally compliance = measure_reads(
      o, kMinComplianceRequests,
      [&](Client& c, std::mt19937_64&) -> std::string {
        auto r = c.compliance(q);
        if (!r) return r.error().to_string();
        std::lock_guard lock(mu);
        if (!sample) sample = *r;
        return {};
      },
      elapsed);
  print_reads(o, "district term compliance", compliance, elapsed);
  failed |= compliance.failed > 0;
  if (!sample) {
    std::printf("compliance: no answer\n");
    return 1;
  }
  // An empty store answers fast and proves nothing: the figures must come from timings.
  std::printf(
      "compliance %s, %s to %s: student_days %d, within cap %d, share_within_cap %.4f, class_days %d "
      "(%d over cap)\n",
      sample->scope().c_str(), sample->from().c_str(), sample->to().c_str(), sample->student_days(),
      sample->student_days_within_cap(), sample->share_within_cap(), sample->class_days(),
      sample->class_days_over_cap());
  if (sample->student_days() == 0) {
    std::printf("compliance counts no student-day: the store is not seeded (run --mode seed with the same sizes)\n");
    return 1;
  }
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App cli{"hwload-bench: load generator for hwload-server, and the raw-SQLite baseline"};
  cli.add_option("--server", o.server, "base URL (http:// or https://)");
  cli.add_option("--token", o.token, "an operator token (env HWLOAD_TOKEN)")->envname("HWLOAD_TOKEN");
  cli.add_option("--ca-file", o.ca_file, "extra CAs for https");
  cli.add_option("--mode", o.mode,
                 "assign, timings, mixed, sqlite-raw, seed (fill the term) or reads (on a seeded store)")
      ->check(CLI::IsMember({"assign", "timings", "mixed", "sqlite-raw", "seed", "reads"}));
  auto* connections =
      cli.add_option("--connections", o.connections, "concurrent keep-alive connections (default 64; seed 4, reads 1)")
          ->check(CLI::Range(1, 4096));
  cli.add_option("--client-threads", o.client_threads,
                 "assign, timings, mixed: threads that drive the connections, asynchronously (default 1)")
      ->check(CLI::Range(1, 64));
  cli.add_option("--timeout", o.timeout_seconds, "seconds a request may take before it counts as failed (default 30)")
      ->check(CLI::Range(1, 3600));
  cli.add_option("--seconds", o.seconds, "how long to send")->check(CLI::Range(0.1, 3600.0));
  cli.add_option("--schools", o.schools, "synthetic schools (grades 1-9 each)")->check(CLI::Range(1, 10000));
  cli.add_option("--classes-per-grade", o.classes_per_grade)->check(CLI::Range(1, 40));
  cli.add_option("--pool", o.pool, "timings mode: assignments posted first, one report each")->check(CLI::Range(1, 10000000));
  cli.add_option("--verify-db", o.verify_db, "the server's SQLite file, to check what was acknowledged");
  cli.add_option("--db", o.db, "sqlite-raw: the file to insert into");
  cli.add_option("--days", o.days, "seed, reads: only the first N school days of the term (default: all)")
      ->check(CLI::Range(1, 1000));
  cli.add_flag("--baseline", o.baseline, "any server (e.g. nginx): count 2xx answers, verify nothing");
  cli.add_flag("!--no-setup", o.setup, "do not register the synthetic schools");
  CLI11_PARSE(cli, argc, argv);

  if (o.mode == "sqlite-raw") {
    if (o.db.empty()) {
      std::cerr << "hwload-bench: --mode sqlite-raw needs --db FILE\n";
      return 2;
    }
    return sqlite_raw(o);
  }
  const auto classes = synthetic_classes(o);
  if (o.mode == "seed" || o.mode == "reads") {
    if (o.baseline) {
      std::cerr << "hwload-bench: --baseline is for the assign and timings modes\n";
      return 2;
    }
    // 64 connections measure writes under contention; the read targets are latencies
    // of one request, and a seed only needs enough connections to keep both cores busy.
    if (connections->count() == 0) o.connections = o.mode == "seed" ? 4 : 1;
    auto days = school_days();
    if (o.days > 0 && static_cast<size_t>(o.days) < days.size()) days.resize(static_cast<size_t>(o.days));
    if (o.mode == "reads") return reads(o, classes, days);
    if (o.setup && !set_up(o, classes)) return 1;
    return seed(o, classes, days);
  }
  const auto days = school_days();
  const std::string run = "bench-" + std::to_string(std::random_device{}() % 1000000);
  if (!o.baseline && o.setup && !set_up(o, classes)) return 1;
  std::vector<pb::Assignment> pool;
  if (o.mode == "timings" && !o.baseline) {
    pool = post_pool(o, classes, days, run, o.pool);
    if (pool.empty()) return 1;
  } else if (o.mode == "timings") {
    std::mt19937_64 rng(7);
    for (int i = 0; i < o.pool; ++i) pool.push_back(make_assignment(run + "-" + std::to_string(i), classes[3 % classes.size()], days[0], rng));
  }

  Shared sh;
  sh.options = &o;
  sh.classes = &classes;
  sh.days = &days;
  sh.pool = &pool;
  sh.run = run;
  for (int i = 0; i < o.connections; ++i) sh.rngs.emplace_back(1000 + static_cast<uint64_t>(i));
  LoadOptions load;
  load.base_url = o.server;
  load.token = o.token;
  load.ca_file = o.ca_file;
  load.connections = o.connections;
  load.threads = o.client_threads;
  load.timeout = std::chrono::seconds(o.timeout_seconds);
  std::vector<Tally> tallies;
  const auto begin = Clock::now();
  load.stop_at = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  if (auto error = run_load(load, [&sh](int i) { return next_exchange(sh, i); }, tallies); !error.empty()) {
    std::cerr << "hwload-bench: " << error << "\n";
    return 1;
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();

  Tally all;
  for (auto& t : tallies) {
    all.requests += t.requests;
    all.failed += t.failed;
    all.records += t.records;
    all.resent += t.resent;
    all.latency_ns.insert(all.latency_ns.end(), t.latency_ns.begin(), t.latency_ns.end());
    all.acked.insert(all.acked.end(), t.acked.begin(), t.acked.end());
    if (all.first_error.empty()) all.first_error = t.first_error;
  }
  std::sort(all.latency_ns.begin(), all.latency_ns.end());
  const auto ok = static_cast<double>(all.latency_ns.size());
  std::printf("mode %s, %d connections, %.1f s: %lld requests, %.0f acknowledged/s, %lld failed\n", o.mode.c_str(),
              o.connections, elapsed, static_cast<long long>(all.requests), ok / elapsed,
              static_cast<long long>(all.failed));
  if (all.records) {
    std::printf("%s: %lld (%.0f/s)\n", o.baseline ? "records answered (nothing stored)" : "records stored",
                static_cast<long long>(all.records), all.records / elapsed);
  }
  std::printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", percentile(all.latency_ns, 0.5),
              percentile(all.latency_ns, 0.9), percentile(all.latency_ns, 0.99), percentile(all.latency_ns, 1.0));
  if (all.resent) {
    std::printf("resent on a new connection (the server had closed the kept-alive one): %lld\n",
                static_cast<long long>(all.resent));
  }
  if (!all.first_error.empty()) std::printf("first failure: %s\n", all.first_error.c_str());
  if (o.baseline || all.acked.empty()) return all.failed ? 1 : 0;
  const int verified =
      o.verify_db.empty() ? verify_api(o, all.acked) : verify_db(o, all.acked, run, o.mode == "timings");
  return verified || all.failed ? 1 : 0;
}
