#include "store/wal_buffer.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <type_traits>

namespace hwload::store {

// A WAL file: this header, then the underlying VFS's file (`real`).
struct WalBufferVfs::File {
  sqlite3_file base;  // first: SQLite sees a File as its sqlite3_file
  WalBufferVfs* owner;
  sqlite3_file* real;
  char* data;  // the writes not yet made, contiguous from `offset`
  size_t size, capacity;
  sqlite3_int64 offset;

  static File& of(sqlite3_file* f) { return *reinterpret_cast<File*>(f); }
  // Where the underlying file starts in the space SQLite allocates: after this, at
  // a multiple of 16 bytes from its start (SQLite aligns that space to 8).
  static constexpr size_t real_at() {
    constexpr size_t a = alignof(std::max_align_t);
    return (sizeof(File) + a - 1) / a * a;
  }
  const sqlite3_io_methods& io() const { return *real->pMethods; }

  // The unix VFS writes at most 128 KiB - 1 bytes a call (seekAndWrite masks the
  // length with 0x1ffff): the buffer goes out in pieces of whole 4 KiB pages.
  static constexpr size_t kPiece = 31 * 4096;

  int flush() {
    int rc = SQLITE_OK;
    for (size_t done = 0; done < size && rc == SQLITE_OK; done += kPiece) {
      const size_t n = std::min(kPiece, size - done);
      rc = io().xWrite(real, data + done, static_cast<int>(n), offset + static_cast<sqlite3_int64>(done));
      owner->flushes_.fetch_add(1, std::memory_order_relaxed);
    }
    size = 0;  // written or failed, they are not SQLite's to read back from here
    return rc;
  }

  // The same before a call that is not a write: a read, a size, a truncation. The
  // buffer then holds frames the open transaction spilled, which SQLite believes
  // are in the file. Its answer to SQLITE_FULL, in a statement with a statement
  // journal, is to roll back that statement only, and it would go on reading those
  // frames from the file; an I/O error makes it roll back the whole transaction,
  // which forgets them. So any failure here is an I/O error. (A failed write or
  // sync puts the pager in its error state, or fails the commit, either way.)
  int flush_before_other() {
    const int rc = flush();
    return rc == SQLITE_OK ? rc : SQLITE_IOERR_WRITE;
  }

  // Takes a write into the buffer if it continues it, else makes the buffered ones
  // and starts over with it.
  int buffer(const void* bytes, int amount, sqlite3_int64 at) {
    owner->writes_.fetch_add(1, std::memory_order_relaxed);
    const auto n = static_cast<size_t>(amount);
    if (size > 0 && at == offset + static_cast<sqlite3_int64>(size) && size + n <= owner->limit_ && reserve(size + n)) {
      std::memcpy(data + size, bytes, n);
      size += n;
      return SQLITE_OK;
    }
    if (const int rc = flush(); rc != SQLITE_OK) return rc;
    if (n > kPiece || n > owner->limit_ || !reserve(n)) {
      owner->flushes_.fetch_add(1, std::memory_order_relaxed);
      return io().xWrite(real, bytes, amount, at);
    }
    std::memcpy(data, bytes, n);
    size = n;
    offset = at;
    return SQLITE_OK;
  }

  // The sqlite3_io_methods of a WAL file: each makes the buffered writes first
  // where the call could depend on them, then forwards to the underlying file.
  static int close(sqlite3_file* f) {
    File& w = of(f);
    const int flushed = w.flush_before_other();
    const int closed = w.io().xClose(w.real);
    std::free(w.data);
    w.data = nullptr;
    w.capacity = 0;
    return flushed != SQLITE_OK ? flushed : closed;
  }
  static int read(sqlite3_file* f, void* out, int amount, sqlite3_int64 at) {
    File& w = of(f);
    if (const int rc = w.flush_before_other(); rc != SQLITE_OK) return rc;
    return w.io().xRead(w.real, out, amount, at);
  }
  static int write(sqlite3_file* f, const void* bytes, int amount, sqlite3_int64 at) {
    return of(f).buffer(bytes, amount, at);
  }
  static int truncate(sqlite3_file* f, sqlite3_int64 size) {
    File& w = of(f);
    if (const int rc = w.flush_before_other(); rc != SQLITE_OK) return rc;
    return w.io().xTruncate(w.real, size);
  }
  static int sync(sqlite3_file* f, int flags) {
    File& w = of(f);
    if (const int rc = w.flush(); rc != SQLITE_OK) return rc;
    return w.io().xSync(w.real, flags);
  }
  static int file_size(sqlite3_file* f, sqlite3_int64* out) {
    File& w = of(f);
    if (const int rc = w.flush_before_other(); rc != SQLITE_OK) return rc;
    return w.io().xFileSize(w.real, out);
  }
  static int lock(sqlite3_file* f, int level) { return of(f).io().xLock(of(f).real, level); }
  static int unlock(sqlite3_file* f, int level) { return of(f).io().xUnlock(of(f).real, level); }
  static int check_reserved_lock(sqlite3_file* f, int* out) { return of(f).io().xCheckReservedLock(of(f).real, out); }
  static int file_control(sqlite3_file* f, int op, void* arg) {
    File& w = of(f);
    if (op == SQLITE_FCNTL_VFSNAME) {
      // Name this VFS in front of the underlying one's, as SQLite's shims do.
      w.io().xFileControl(w.real, op, arg);
      auto** out = static_cast<char**>(arg);
      char* below = *out;
      *out = below != nullptr ? sqlite3_mprintf("%s/%z", w.owner->name_.c_str(), below)
                              : sqlite3_mprintf("%s", w.owner->name_.c_str());
      return SQLITE_OK;
    }
    return w.io().xFileControl(w.real, op, arg);
  }
  static int sector_size(sqlite3_file* f) { return of(f).io().xSectorSize(of(f).real); }
  static int device_characteristics(sqlite3_file* f) { return of(f).io().xDeviceCharacteristics(of(f).real); }
  // A WAL file has no shared memory and is never mapped (those are the database
  // file's), but the calls are passed on all the same.
  static int shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
    File& w = of(f);
    return w.io().iVersion >= 2 ? w.io().xShmMap(w.real, region, size, extend, out) : SQLITE_IOERR_SHMMAP;
  }
  static int shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    File& w = of(f);
    return w.io().iVersion >= 2 ? w.io().xShmLock(w.real, offset, n, flags) : SQLITE_IOERR_SHMLOCK;
  }
  static void shm_barrier(sqlite3_file* f) {
    File& w = of(f);
    if (w.io().iVersion >= 2) w.io().xShmBarrier(w.real);
  }
  static int shm_unmap(sqlite3_file* f, int remove) {
    File& w = of(f);
    return w.io().iVersion >= 2 ? w.io().xShmUnmap(w.real, remove) : SQLITE_OK;
  }
  static int fetch(sqlite3_file* f, sqlite3_int64 at, int amount, void** out) {
    File& w = of(f);
    *out = nullptr;
    if (const int rc = w.flush_before_other(); rc != SQLITE_OK) return rc;
    return w.io().iVersion >= 3 ? w.io().xFetch(w.real, at, amount, out) : SQLITE_OK;
  }
  static int unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) {
    File& w = of(f);
    return w.io().iVersion >= 3 ? w.io().xUnfetch(w.real, at, p) : SQLITE_OK;
  }
  static const sqlite3_io_methods kMethods;

  bool reserve(size_t n) {
    if (n <= capacity) return true;
    size_t grown = capacity == 0 ? size_t{64} << 10 : capacity * 2;
    while (grown < n) grown *= 2;
    grown = std::min(grown, std::max(n, owner->limit_));
    void* p = std::realloc(data, grown);
    if (p == nullptr) return false;  // the write goes straight to the file instead
    data = static_cast<char*>(p);
    capacity = grown;
    return true;
  }
};

const sqlite3_io_methods WalBufferVfs::File::kMethods = {
    3,
    &File::close,
    &File::read,
    &File::write,
    &File::truncate,
    &File::sync,
    &File::file_size,
    &File::lock,
    &File::unlock,
    &File::check_reserved_lock,
    &File::file_control,
    &File::sector_size,
    &File::device_characteristics,
    &File::shm_map,
    &File::shm_lock,
    &File::shm_barrier,
    &File::shm_unmap,
    &File::fetch,
    &File::unfetch,
};

WalBufferVfs::WalBufferVfs(std::string name, size_t limit)
    : name_(std::move(name)), limit_(limit), base_(sqlite3_vfs_find(nullptr)) {
  static_assert(std::is_standard_layout_v<File> && std::is_trivially_destructible_v<File>);
  if (base_ == nullptr) throw std::runtime_error("SQLite has no default VFS");
  vfs_.iVersion = 2;
  vfs_.szOsFile = static_cast<int>(File::real_at()) + base_->szOsFile;
  vfs_.mxPathname = base_->mxPathname;
  vfs_.zName = name_.c_str();
  vfs_.pAppData = this;
  vfs_.xOpen = &WalBufferVfs::open;
  vfs_.xDelete = [](sqlite3_vfs* v, const char* n, int sync_dir) {
    auto* b = below(v);
    return b->xDelete(b, n, sync_dir);
  };
  vfs_.xAccess = [](sqlite3_vfs* v, const char* n, int flags, int* out) {
    auto* b = below(v);
    return b->xAccess(b, n, flags, out);
  };
  vfs_.xFullPathname = [](sqlite3_vfs* v, const char* n, int size, char* out) {
    auto* b = below(v);
    return b->xFullPathname(b, n, size, out);
  };
  vfs_.xDlOpen = [](sqlite3_vfs* v, const char* n) {
    auto* b = below(v);
    return b->xDlOpen(b, n);
  };
  vfs_.xDlError = [](sqlite3_vfs* v, int size, char* out) {
    auto* b = below(v);
    b->xDlError(b, size, out);
  };
  vfs_.xDlSym = [](sqlite3_vfs* v, void* h, const char* sym) {
    auto* b = below(v);
    return b->xDlSym(b, h, sym);
  };
  vfs_.xDlClose = [](sqlite3_vfs* v, void* h) {
    auto* b = below(v);
    b->xDlClose(b, h);
  };
  vfs_.xRandomness = [](sqlite3_vfs* v, int size, char* out) {
    auto* b = below(v);
    return b->xRandomness(b, size, out);
  };
  vfs_.xSleep = [](sqlite3_vfs* v, int us) {
    auto* b = below(v);
    return b->xSleep(b, us);
  };
  vfs_.xCurrentTime = [](sqlite3_vfs* v, double* out) {
    auto* b = below(v);
    return b->xCurrentTime(b, out);
  };
  vfs_.xGetLastError = [](sqlite3_vfs* v, int size, char* out) {
    auto* b = below(v);
    return b->xGetLastError(b, size, out);
  };
  // Left null where the VFS below has none: SQLite then derives it from xCurrentTime.
  if (base_->iVersion >= 2 && base_->xCurrentTimeInt64 != nullptr) {
    vfs_.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* out) {
      auto* b = below(v);
      return b->xCurrentTimeInt64(b, out);
    };
  }
  if (const int rc = sqlite3_vfs_register(&vfs_, 0); rc != SQLITE_OK) {
    throw std::runtime_error("cannot register the SQLite VFS " + name_ + ": " + sqlite3_errstr(rc));
  }
}

WalBufferVfs::~WalBufferVfs() { sqlite3_vfs_unregister(&vfs_); }

WalBufferVfs::Counters WalBufferVfs::counters() const {
  return Counters{writes_.load(std::memory_order_relaxed), flushes_.load(std::memory_order_relaxed)};
}

int WalBufferVfs::open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto& self = *static_cast<WalBufferVfs*>(vfs->pAppData);
  // Anything but a WAL file is the underlying VFS's own, in the space SQLite gave.
  if ((flags & SQLITE_OPEN_WAL) == 0) return self.base_->xOpen(self.base_, name, file, flags, out_flags);
  auto* w = new (file) File{};
  w->owner = &self;
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + File::real_at());
  const int rc = self.base_->xOpen(self.base_, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (w->real->pMethods != nullptr) w->real->pMethods->xClose(w->real);
    w->base.pMethods = nullptr;  // SQLite then does not close it
    return rc;
  }
  w->base.pMethods = &File::kMethods;
  return SQLITE_OK;
}

}  // namespace hwload::store
