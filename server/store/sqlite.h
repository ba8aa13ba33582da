// A thin RAII layer over the SQLite C API: a connection with a prepared-statement
// cache, statements with typed binding, and a transaction that rolls back unless
// committed. Not thread-safe: a Db belongs to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace hwload::store {

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, bool v) { return bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  // Binds text without copying it. SQLite reads `v` in place whenever the statement
  // steps, so it must outlive the last step(): say, one expression that ends in
  // exec(), with arguments that live through it. (Db::prepare and reset() clear the
  // binding before the statement is used again.)
  Stmt& bind_ref(int i, std::string_view v);
  Stmt& bind_null(int i);
  Stmt& bind_blob(int i, std::string_view v);

  // Advances to the next row: true while there is one. Throws StoreError on failure.
  bool step();
  // Runs a statement that returns no rows.
  void exec();

  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  int int32(int col) const { return sqlite3_column_int(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  bool boolean(int col) const { return sqlite3_column_int(stmt_, col) != 0; }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const;
  // The column's bytes in place: valid until the next step() or reset(), and until
  // the column is read otherwise (text() reads it the same way).
  std::string_view text_view(int col) const;

  sqlite3_stmt* handle() const { return stmt_; }
  // Resets the statement for reuse (called automatically by Db::prepare).
  void reset();

 private:
  sqlite3_stmt* stmt_;
};

// Thrown for failures that are not the caller's input: I/O errors, a full disk, a
// corrupt file. The request path turns it into a 500/503 with nothing committed.
class StoreError : public std::runtime_error {
 public:
  StoreError(int rc, const std::string& what) : std::runtime_error(what), rc_(rc) {}
  int rc() const { return rc_; }

 private:
  int rc_;
};

// SQLite's process-wide settings for the server, applied before SQLite's first use
// (afterwards SQLite refuses them: returns false, and nothing changes).
// - No memory statistics. SQLite counts every allocation it makes under one global
//   mutex, which every thread with a connection takes; hwload reads no such figure.
bool configure_process();

class Db {
 public:
  // Opens (creating if needed) the SQLite file at `path`; ":memory:" works too.
  // `vfs` names a registered SQLite VFS; empty is the default one.
  static std::unique_ptr<Db> open(const std::string& path, const std::string& vfs = {});
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // A cached prepared statement, reset and with bindings cleared. The reference is
  // valid until the next prepare() of the same SQL text.
  Stmt& prepare(const std::string& sql);
  // The same for SQL text that lives as long as the program (a string literal, or
  // a function-local static's c_str()): found by its address, so a lookup neither
  // copies nor hashes the text. Never pass a temporary's text.
  Stmt& prepare_static(const char* sql);
  template <size_t N>
  Stmt& prepare(const char (&sql)[N]) {
    return prepare_static(sql);
  }
  // Runs SQL text (any number of statements), parsed each time.
  void exec(const std::string& sql);
  // Runs one statement, prepared once and cached: for the transaction statements
  // every request runs.
  // `sql` lives as long as the program (a literal), as for prepare_static.
  void run(const char* sql);
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  sqlite3* handle() const { return db_; }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Moves whenever rows this connection read before may no longer be what the file
  // holds: a rollback (of a transaction or a savepoint), a change a cache above
  // declares (bump_epoch), or another connection's commit, seen when a transaction
  // or a snapshot begins. What a cache read inside a transaction stays true while
  // the epoch stands.
  uint64_t epoch() const { return epoch_; }
  void bump_epoch() { ++epoch_; }

 private:
  friend class Transaction;
  friend class ReadSnapshot;
  explicit Db(sqlite3* db) : db_(db) {}
  // Runs a BEGIN, then looks for other connections' commits (rolled back if that
  // look fails).
  void begin(const char* sql);
  // Inside a transaction: bumps the epoch when another connection committed since
  // the last look (PRAGMA data_version, which also starts a deferred snapshot).
  void notice_other_commits();
  sqlite3* db_;
  uint64_t epoch_ = 0;
  int64_t data_version_ = -1;
  std::unordered_map<std::string, std::unique_ptr<Stmt>> cache_;
  std::unordered_map<std::string, sqlite3_stmt*> raw_;
  std::unordered_map<const char*, Stmt*> by_address_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() ran.
// Inside another transaction it is a SAVEPOINT instead, so a caller can put a
// change and its audit record in one transaction: the inner one's rollback undoes
// only its own work, and nothing is durable until the outermost commits.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool nested_ = false;
  bool done_ = false;
};

// A read snapshot: a deferred BEGIN on construction, ended on destruction. Every
// statement between sees the same commit (WAL), and it takes no write lock, so it
// works on a query_only connection.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Db& db);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Db& db_;
};

// A named SAVEPOINT: released by release(), rolled back to (and released) otherwise.
class Savepoint {
 public:
  explicit Savepoint(Db& db);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();
  void rollback();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace hwload::store
