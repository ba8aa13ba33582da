// Checkpoints in the background. SQLite copies the WAL back into the database file
// (a checkpoint) inside the commit that takes the log past 1000 pages, on the
// committing thread: for the server, the store thread, whose every request then
// waits for the copy and the file's fsync. Here a thread of its own, with its own
// connection, does that copy instead (PASSIVE: it never blocks the writer).
//
// A passive checkpoint that runs beside the writer rarely catches the log's very
// end, and SQLite starts the log over only once everything in it is copied. So
// when the log passes `catch_up_pages`, the writer's next commit finishes the copy
// itself: the few pages the background has not reached yet. That keeps the WAL
// file bounded under a steady load.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite.h"

namespace hwload::store {

class Checkpointer {
 public:
  // Larger than SQLite's 1000: a page changed by many commits between two copies
  // is copied once, so fewer bytes reach the disk per commit. At these values the
  // log holds up to about 32,000 frames (130 MB on disk); single POSTs went about
  // 11% faster than at 1000/4000, with a third of the p99 (docs/PERFORMANCE.md).
  struct Options {
    int pages = 8000;            // frames not yet copied that wake the background copy
    int catch_up_pages = 32000;  // past it, the writer's commit finishes the copy
  };
  struct Counters {
    uint64_t background = 0;  // checkpoints the background thread ran
    uint64_t caught_up = 0;   // checkpoints a commit ran to let the log start over
    uint64_t failed = 0;      // checkpoints that failed (an I/O error): retried later
  };

  // Takes over `writer`'s checkpoints (its automatic ones stop); `path` is its
  // file, opened again for the background connection.
  Checkpointer(const std::string& path, Db& writer, Options options);
  // Stops the thread; the writer checkpoints automatically again.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  Counters counters() const;

 private:
  // SQLite's WAL hook: on the writer's thread, after each commit.
  static int on_commit(void* self, sqlite3* db, const char* schema, int pages);
  void run();

  Db& writer_;
  Options options_;
  std::unique_ptr<Db> own_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool wanted_ = false, running_ = false, stopping_ = false;
  int copied_ = 0;  // frames of the current log the background has copied
  Counters counters_;
  std::thread thread_;
};

}  // namespace hwload::store
