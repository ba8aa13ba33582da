// A SQLite VFS that gathers the writes to a WAL file and hands them to the kernel
// together. SQLite writes each frame of a commit with two `pwrite`s (its 24-byte
// header, then the page), so a group's commit of some 200 frames makes 400 system
// calls, and the kernel looks up and dirties three page-cache pages a frame where
// one would do. Here the writes go into a buffer, and reach the file as contiguous
// writes of up to 124 KiB (the most the unix VFS writes at once) before anything
// can depend on them: before the WAL is synced, read, sized, truncated or closed,
// and before a write that does not continue the buffer.
//
// Nothing is durable before the sync either way, so what a crash can lose is
// unchanged. What other connections see is unchanged too, on one condition: the
// connection writing through this VFS syncs the WAL at each commit (`PRAGMA
// synchronous=FULL` or EXTRA). SQLite then syncs a commit's frames before it
// publishes them in the WAL index (sqlite3WalFrames), so they are in the file
// before any reader can look for them. Under NORMAL or OFF it would publish them
// unsynced, and a reader could look before the buffer is out: the writer's Store
// sets FULL as it opens, and only it writes through this VFS.
//
// Every file other than a WAL is the underlying VFS's own, opened in place.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace hwload::store {

class WalBufferVfs {
 public:
  // Registers a VFS named `name` over the default one. `limit` bounds the buffer of
  // each WAL file: a write that would take it past flushes it first.
  explicit WalBufferVfs(std::string name, size_t limit = size_t{8} << 20);
  // Unregisters it: every connection opened with it must be closed by then.
  ~WalBufferVfs();
  WalBufferVfs(const WalBufferVfs&) = delete;
  WalBufferVfs& operator=(const WalBufferVfs&) = delete;

  const std::string& name() const { return name_; }

  // What the buffer saved, over all files (for /metrics and the tests).
  struct Counters {
    unsigned long long writes = 0;   // writes SQLite made to WAL files
    unsigned long long flushes = 0;  // writes that reached the files
  };
  Counters counters() const;

 private:
  struct File;
  static int open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags);
  // The VFS underneath the one SQLite calls with (`vfs_`).
  static sqlite3_vfs* below(sqlite3_vfs* vfs) { return static_cast<WalBufferVfs*>(vfs->pAppData)->base_; }

  std::string name_;
  size_t limit_;
  sqlite3_vfs* base_;
  sqlite3_vfs vfs_{};
  std::atomic<unsigned long long> writes_{0}, flushes_{0};
};

}  // namespace hwload::store
