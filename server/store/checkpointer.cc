#include "store/checkpointer.h"

#include "hwload/thread_name.h"

namespace hwload::store {

Checkpointer::Checkpointer(const std::string& path, Db& writer, Options options)
    : writer_(writer), options_(options), own_(Db::open(path)) {
  own_->exec("PRAGMA synchronous=FULL");  // the copied pages are fsynced before the log may be reused
  sqlite3_wal_hook(writer_.handle(), &Checkpointer::on_commit, this);
  thread_ = std::thread([this] { run(); });
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_autocheckpoint(writer_.handle(), 1000);  // SQLite's own again (it replaces the hook)
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

Checkpointer::Counters Checkpointer::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

int Checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages) {
  auto& c = *static_cast<Checkpointer*>(self);
  if (pages >= c.options_.catch_up_pages) {
    // The commit's own changes are durable already; this only lets the log start
    // over. SQLITE_BUSY (the background copy is running) means: at a later commit.
    const int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    std::lock_guard lock(c.mu_);
    if (rc == SQLITE_OK) {
      ++c.counters_.caught_up;
    } else if (rc != SQLITE_BUSY) {
      ++c.counters_.failed;
    }
    return SQLITE_OK;
  }
  bool wake = false;
  {
    std::lock_guard lock(c.mu_);
    if (pages < c.copied_) c.copied_ = 0;  // the log started over
    if (pages - c.copied_ >= c.options_.pages && !c.running_ && !c.wanted_) {
      c.wanted_ = true;
      wake = true;
    }
  }
  if (wake) c.wake_.notify_one();
  return SQLITE_OK;
}

void Checkpointer::run() {
  name_this_thread("hwload-ckpt");
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    running_ = true;
    lock.unlock();
    int log = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    lock.lock();
    running_ = false;
    if (rc == SQLITE_OK) {
      ++counters_.background;
      copied_ = copied;
    } else if (rc != SQLITE_BUSY) {
      ++counters_.failed;
    }
  }
}

}  // namespace hwload::store
