#include "store/sqlite.h"

#include <cassert>
#include <cstring>

namespace hwload::store {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what) {
  throw StoreError(rc, what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

}  // namespace

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_ref(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  const std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
  sqlite3_reset(stmt_);
  fail(db, rc, "sqlite step failed (" + sql.substr(0, 60) + ")");
}

void Stmt::exec() {
  while (step()) {
  }
}

std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::string_view Stmt::text_view(int col) const {
  const auto* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string_view();
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool configure_process() { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK; }

std::unique_ptr<Db> Db::open(const std::string& path, const std::string& vfs) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    throw StoreError(rc, "cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 1);
  return std::unique_ptr<Db>(new Db(raw));
}

Db::~Db() {
  by_address_.clear();
  cache_.clear();
  for (auto& [_, s] : raw_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

Stmt& Db::prepare(const std::string& sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    it->second->reset();
    return *it->second;
  }
  sqlite3_stmt* s = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, "prepare failed (" + sql.substr(0, 60) + ")");
  raw_[sql] = s;
  return *cache_.emplace(sql, std::make_unique<Stmt>(s)).first->second;
}

Stmt& Db::prepare_static(const char* sql) {
  if (auto it = by_address_.find(sql); it != by_address_.end()) {
    // Text that did not live as long as the program would find another statement.
    assert(std::strcmp(sqlite3_sql(it->second->handle()), sql) == 0);
    it->second->reset();
    return *it->second;
  }
  Stmt& s = prepare(std::string(sql));
  by_address_.emplace(sql, &s);
  return s;
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError(rc, "exec failed: " + msg);
  }
}

void Db::run(const char* sql) {
  Stmt& s = prepare_static(sql);
  s.exec();
  s.reset();
}

void Db::begin(const char* sql) {
  run(sql);
  try {
    notice_other_commits();
  } catch (const StoreError&) {
    run("ROLLBACK");
    throw;
  }
}

void Db::notice_other_commits() {
  Stmt& s = prepare("PRAGMA data_version");
  s.step();
  const int64_t v = s.int64(0);
  s.reset();
  if (v != data_version_) {
    data_version_ = v;
    ++epoch_;
  }
}

Transaction::Transaction(Db& db) : db_(db), nested_(db.in_transaction()) {
  if (nested_) {
    db_.run("SAVEPOINT tx");
    return;
  }
  db_.begin("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (done_) return;
  db_.bump_epoch();  // what was read inside may have been undone
  try {
    if (nested_) {
      db_.run("ROLLBACK TO tx");
      db_.run("RELEASE tx");
    } else {
      db_.run("ROLLBACK");
    }
  } catch (const StoreError&) {
    // A failed COMMIT may already have rolled back; nothing more to undo.
  }
}

void Transaction::commit() {
  db_.run(nested_ ? "RELEASE tx" : "COMMIT");
  done_ = true;
}

ReadSnapshot::ReadSnapshot(Db& db) : db_(db) {
  // A connection some failure left inside a transaction would refuse every later
  // BEGIN: end that one first.
  if (db_.in_transaction()) {
    db_.bump_epoch();
    db_.run("ROLLBACK");
  }
  db_.begin("BEGIN DEFERRED");
}

ReadSnapshot::~ReadSnapshot() {
  try {
    db_.run("ROLLBACK");
  } catch (const StoreError&) {
    // Nothing was written; a snapshot SQLite already ended needs no more.
  }
}

Savepoint::Savepoint(Db& db) : db_(db) { db_.run("SAVEPOINT item"); }

Savepoint::~Savepoint() {
  if (!done_) rollback();
}

void Savepoint::release() {
  db_.run("RELEASE item");
  done_ = true;
}

void Savepoint::rollback() {
  db_.bump_epoch();
  try {
    db_.run("ROLLBACK TO item");
    db_.run("RELEASE item");
  } catch (const StoreError&) {
  }
  done_ = true;
}

}  // namespace hwload::store
