// hwload-bench: a load generator for hwload-server, built on the client SDK (the
// same wire code teachers' clients use), and the raw-SQLite baseline of the same rows.
//
//   hwload-bench --server URL --token T --mode assign   --connections 64 --seconds 10
//   hwload-bench --server URL --token T --mode timings  --connections 64 --seconds 10
//   hwload-bench --server URL --token T --mode mixed    --connections 64 --seconds 10
//   hwload-bench --server URL --mode assign --baseline  (any HTTP server: counts 2xx only)
//   hwload-bench --mode sqlite-raw --db FILE --seconds 10  (the rows of `timings` mode, inserted directly)
//
// Synthetic schools: grades 1-9, `--classes-per-grade` classes of 40 pupils each;
// 2-6 written assignments a class-day; students' minutes lognormal around the
// estimate. Every id is unique to the run. It prints throughput and p50/p90/p99/max
// latency, then checks that every acknowledged record is stored exactly once (in
// the SQLite file with --verify-db, else by reading each back through the API).
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hwload/analytics/calendar.h"
#include "hwload/client/client.h"

namespace {

namespace pb = ::hwload::v1;
using Clock = std::chrono::steady_clock;
using hwload::client::Client;
using hwload::client::ClientOptions;

struct Options {
  std::string server = "http://127.0.0.1:8080";
  std::string token;
  std::string ca_file;
  std::string mode = "assign";
  int connections = 64;
  double seconds = 10;
  int schools = 4;
  int classes_per_grade = 4;
  std::string verify_db;
  std::string db;  // sqlite-raw
  bool baseline = false;
  bool setup = true;
  int pool = 20000;  // timings mode: assignments posted first, each then gets one class report
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
  c.timeout = std::chrono::seconds(30);
  return std::make_unique<Client>(c);
}

struct Tally {
  std::vector<int64_t> latency_ns;
  int64_t requests = 0, failed = 0, records = 0;
  std::vector<std::string> acked;  // assignment ids acknowledged (stored)
  std::string first_error;
};

void fail(Tally& t, const std::string& what) {
  ++t.failed;
  if (t.first_error.empty()) t.first_error = what;
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
    pool.push_back(make_assignment(run + "-pool-" + std::to_string(i), k, days[(static_cast<size_t>(i) / classes.size()) % days.size()], rng));
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
  Clock::time_point stop_at;
  std::atomic<size_t> next_pool{0};
};

void worker(Shared& sh, int index, Tally& t) {
  const Options& o = *sh.options;
  auto c = connect(o);
  std::mt19937_64 rng(1000 + static_cast<uint64_t>(index));
  int64_t n = 0;
  while (Clock::now() < sh.stop_at) {
    const auto start = Clock::now();
    bool ok = false;
    const bool write = o.mode != "mixed" || rng() % 5 == 0;  // mixed: 1 write in 5
    if (o.mode == "timings") {
      size_t i = sh.next_pool.fetch_add(1);
      if (i >= sh.pool->size()) {
        if (!o.baseline) break;  // every pool assignment has its report
        i %= sh.pool->size();    // a baseline stores nothing: the same bodies will do
      }
      const auto& a = (*sh.pool)[i];
      pb::TimingBatch batch;
      *batch.add_reports() = make_report(a.assignment_id(), a.estimated_minutes(), rng);
      auto r = c->post_timings(batch);
      if (!r) {
        fail(t, r.error().to_string());
      } else if (o.baseline || (r->items_size() == 1 && r->items(0).status() != pb::REJECTED)) {
        ok = true;
        t.records += 40;
        t.acked.push_back(a.assignment_id());
      } else {
        fail(t, r->items_size() ? r->items(0).error().message() : "no item in the answer");
      }
    } else if (write) {
      const auto& k = (*sh.classes)[rng() % sh.classes->size()];
      const std::string id = sh.run + "-" + std::to_string(index) + "-" + std::to_string(n++);
      pb::AssignmentBatch batch;
      *batch.add_assignments() = make_assignment(id, k, (*sh.days)[rng() % sh.days->size()], rng);
      auto r = c->post_assignments(batch);
      if (!r) {
        fail(t, r.error().to_string());
      } else if (o.baseline || (r->items_size() == 1 && r->items(0).status() == pb::CREATED)) {
        ok = true;
        t.records += 1;
        if (!o.baseline) t.acked.push_back(id);
      } else {
        fail(t, r->items_size() ? r->items(0).error().message() : "no item in the answer");
      }
    } else {
      // A teacher's (or leader's) look at one class's week.
      const auto& k = (*sh.classes)[rng() % sh.classes->size()];
      const size_t d = rng() % (sh.days->size() - 5);
      auto r = c->class_load(k.school_id, k.class_id, (*sh.days)[d], (*sh.days)[d + 4]);
      if (r) {
        ok = true;
      } else {
        fail(t, r.error().to_string());
      }
    }
    ++t.requests;
    if (ok) t.latency_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  }
}

double percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())) - 1));
  return static_cast<double>(sorted[i]) / 1e6;
}

// Every acknowledged assignment id is stored exactly once; in timings mode, with
// its 40 timings.
int verify_db(const Options& o, const std::vector<std::string>& acked, const std::string& run) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(o.verify_db.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::cerr << "hwload-bench: cannot open " << o.verify_db << "\n";
    return 1;
  }
  std::map<std::string, int> stored;
  const std::string sql = o.mode == "timings"
                              ? "SELECT assignment_id, COUNT(*) FROM timings WHERE assignment_id LIKE ?1 GROUP BY 1"
                              : "SELECT assignment_id, 1 FROM assignments WHERE assignment_id LIKE ?1";
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  const std::string like = run + "-%";
  sqlite3_bind_text(st, 1, like.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(st) == SQLITE_ROW) {
    stored[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = sqlite3_column_int(st, 1);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  const int per = o.mode == "timings" ? 40 : 1;
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
  std::printf("verify: %zu acknowledged, %zu stored with this run's ids; missing %zu, wrong count %zu, acked twice %zu\n",
              acked.size(), stored.size(), missing, wrong, acked.size() - unique.size());
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

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App cli{"hwload-bench: load generator for hwload-server, and the raw-SQLite baseline"};
  cli.add_option("--server", o.server, "base URL (http:// or https://)");
  cli.add_option("--token", o.token, "an operator token (env HWLOAD_TOKEN)")->envname("HWLOAD_TOKEN");
  cli.add_option("--ca-file", o.ca_file, "extra CAs for https");
  cli.add_option("--mode", o.mode, "assign, timings, mixed or sqlite-raw")
      ->check(CLI::IsMember({"assign", "timings", "mixed", "sqlite-raw"}));
  cli.add_option("--connections", o.connections, "concurrent keep-alive connections")->check(CLI::Range(1, 4096));
  cli.add_option("--seconds", o.seconds, "how long to send")->check(CLI::Range(0.1, 3600.0));
  cli.add_option("--schools", o.schools, "synthetic schools (grades 1-9 each)")->check(CLI::Range(1, 10000));
  cli.add_option("--classes-per-grade", o.classes_per_grade)->check(CLI::Range(1, 40));
  cli.add_option("--pool", o.pool, "timings mode: assignments posted first, one report each")->check(CLI::Range(1, 10000000));
  cli.add_option("--verify-db", o.verify_db, "the server's SQLite file, to check what was acknowledged");
  cli.add_option("--db", o.db, "sqlite-raw: the file to insert into");
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
  std::vector<Tally> tallies(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  const auto begin = Clock::now();
  sh.stop_at = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  for (int i = 0; i < o.connections; ++i) {
    threads.emplace_back([&sh, i, &tallies] { worker(sh, i, tallies[static_cast<size_t>(i)]); });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();

  Tally all;
  for (auto& t : tallies) {
    all.requests += t.requests;
    all.failed += t.failed;
    all.records += t.records;
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
  if (!all.first_error.empty()) std::printf("first failure: %s\n", all.first_error.c_str());
  if (o.baseline || all.acked.empty()) return all.failed ? 1 : 0;
  const int verified = o.verify_db.empty() ? verify_api(o, all.acked) : verify_db(o, all.acked, run);
  return verified || all.failed ? 1 : 0;
}
