// The WAL write buffer on a real file: the writer's commits reach the WAL in one
// write each, another connection sees each commit as soon as it is made, and
// nothing is lost across checkpoints, the log starting over, or a reopen.
#include "store/wal_buffer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/checkpointer.h"
#include "store/store.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

pb::School school(int i) { return padded_school(i, 300); }

int64_t schools(store::Db& db) {
  store::Stmt& s = db.prepare("SELECT count(*) FROM schools");
  s.step();
  const int64_t n = s.int64(0);
  s.reset();
  return n;
}

// What a fresh connection through the default VFS finds in the file: the school
// count, after an integrity check.
int64_t schools_on_reopen(const std::string& path) {
  auto db = store::Db::open(path);
  store::Stmt& check = db->prepare("PRAGMA integrity_check");
  EXPECT_TRUE(check.step());
  EXPECT_EQ(check.text(0), "ok");
  check.reset();
  return schools(*db);
}

// Files this process writes may not grow past `bytes` while it stands (EFBIG, not
// SIGXFSZ); the limit and the signal's handler come back when it goes.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(uintmax_t bytes) {
    EXPECT_EQ(getrlimit(RLIMIT_FSIZE, &old_), 0);
    handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit low = old_;
    low.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &low), 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit old_{};
  sighandler_t handler_{};
};

void put_schools(store::Store& store, int from, int count) {
  store::Transaction tx(store.db());
  for (int i = from; i < from + count; ++i) store.put_school(school(i), "t");
  tx.commit();
}

// A file with a writer through the buffer and a reader through the default VFS.
class WalBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_ = store::Store::open(path_, vfs_.name());
    reader_ = store::Store::open_reader(path_);
  }
  // Closes both: the writer's close copies the WAL into the file.
  void close() {
    reader_.reset();
    writer_.reset();
  }
  // After a transaction that failed or was rolled back: the writer and the reader
  // see the 10 schools committed before it, and the store takes `more` from `first`.
  void expect_ten_schools_kept_and_the_store_goes_on(int first, int more) {
    EXPECT_EQ(schools(writer_->db()), 10);
    EXPECT_EQ(schools(reader_->db()), 10);
    put_schools(*writer_, first, more);
    EXPECT_EQ(schools(reader_->db()), 10 + more);
  }

  TempDir dir_;
  const std::string path_ = (dir_.path() / "w.db").string();
  store::WalBufferVfs vfs_{"wal-buffer-test"};
  std::unique_ptr<store::Store> writer_, reader_;
};

TEST_F(WalBufferTest, EachCommitIsOneWriteAndAnotherConnectionSeesItAtOnce) {
  const auto before = vfs_.counters();
  constexpr int kCommits = 200;
  for (int i = 0; i < kCommits; ++i) {
    store::Transaction tx(writer_->db());
    for (int j = 0; j < 5; ++j) writer_->put_school(school(i * 5 + j), "t");
    tx.commit();
    ASSERT_EQ(schools(reader_->db()), (i + 1) * 5) << "after commit " << i;
  }
  const auto after = vfs_.counters();
  const auto writes = after.writes - before.writes, flushes = after.flushes - before.flushes;
  // SQLite writes each frame as two pieces: the commits' pages made hundreds of writes.
  EXPECT_GT(writes, 4u * kCommits);
  EXPECT_LE(flushes, 2u * kCommits) << writes << " writes";
}

TEST_F(WalBufferTest, PagesSpilledInsideATransactionAreReadBackAndARollbackLeavesNoTrace) {
  // A page cache of a few pages: a large transaction writes its pages to the WAL
  // before it commits, and reads them back from there.
  writer_->db().exec("PRAGMA cache_size=8");
  put_schools(*writer_, 0, 10);
  {
    const auto before = vfs_.counters();
    store::Transaction tx(writer_->db());
    for (int i = 1000; i < 1400; ++i) writer_->put_school(school(i), "t");
    // Every school's row, its own included: the pages that left the cache are read
    // back from the WAL, so the buffer went out first.
    store::Stmt& names = writer_->db().prepare("SELECT count(*), sum(length(name)) FROM schools");
    ASSERT_TRUE(names.step());
    EXPECT_EQ(names.int64(0), 410);
    EXPECT_EQ(names.int64(1), 10 * 308 + 400 * 311);  // "school N" and 300 x
    names.reset();
    const auto during = vfs_.counters();
    EXPECT_GT(during.writes, before.writes) << "nothing was spilled";
    EXPECT_GT(during.flushes, before.flushes) << "nothing was read back";
  }  // rolled back
  expect_ten_schools_kept_and_the_store_goes_on(2000, 400);
  close();
  EXPECT_EQ(schools_on_reopen(path_), 410);
}

TEST_F(WalBufferTest, NothingIsLostAcrossCheckpointsTheLogStartingOverAndAReopen) {
  constexpr int kCommits = 1500;
  {
    store::Checkpointer::Options o;
    o.pages = 20;
    o.catch_up_pages = 80;
    store::Checkpointer checkpointer(path_, writer_->db(), o);
    for (int i = 0; i < kCommits; ++i) {
      put_schools(*writer_, i * 2, 2);
      if (i % 100 == 99) {
        ASSERT_EQ(schools(reader_->db()), (i + 1) * 2);
      }
    }
    const auto c = checkpointer.counters();
    EXPECT_GT(c.background + c.caught_up, 0u);
    EXPECT_EQ(c.failed, 0u);
  }
  close();
  EXPECT_EQ(schools_on_reopen(path_), kCommits * 2);
}

// A write the file refuses (here: past the process's file-size limit) fails the
// commit that made it, as it would without the buffer: the commit's changes are
// gone, what was committed before stays, and the store goes on.
TEST_F(WalBufferTest, AFailedWriteFailsItsCommitAndKeepsWhatWasCommitted) {
  put_schools(*writer_, 0, 10);
  const auto wal = std::filesystem::file_size(path_ + "-wal");
  {
    FileSizeLimit limit(wal + 8192);  // room for two frames, not for 200 schools'
    try {
      put_schools(*writer_, 100, 200);
      ADD_FAILURE() << "the commit went through past the file-size limit";
    } catch (const store::StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("disk"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(writer_->db().in_transaction());
  expect_ten_schools_kept_and_the_store_goes_on(1000, 200);
  close();
  EXPECT_EQ(schools_on_reopen(path_), 210);
}

// A counter of /metrics (a GET: a reader answers it), or -1.
long long metric(client::Client& c, const std::string& name) {
  auto r = c.send_raw("GET", "/metrics", "", {});
  if (!r || r->status != 200) return -1;
  const auto at = r->body.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stoll(r->body.substr(at + name.size() + 2));
}

// The server's writer goes through the buffer, and the readers (their own
// connections, default VFS) answer each acknowledged write at once.
TEST(WalBuffer, TheServersWriterUsesItAndItsReadersSeeEachAcknowledgedWrite) {
  TestServer ts;
  auto c = ts.client();
  seed_school(*c);
  for (int i = 0; i < 20; ++i) {
    post_batch(*c, {assignment("w" + std::to_string(i), "c5", "2026-11-24", 5)});
    ASSERT_EQ(day_load(*c, "c5", "2026-11-24").planned_minutes(), 5 * (i + 1));
  }
  const long long writes = metric(*c, "hwload_wal_writes_total");
  const long long flushes = metric(*c, "hwload_wal_write_flushes_total");
  EXPECT_GT(flushes, 20);  // a commit a POST, at least
  EXPECT_GT(writes, 2 * flushes) << flushes << " flushes";
}

// The frames a large transaction spilled are in the buffer only; when they cannot
// be written as SQLite reads them back, SQLite must give the whole transaction up
// (it would otherwise go on with pages it believes are in the file), and nothing
// of it may be committed. (Here the lost frames lie past the file's end, where a
// read fails by itself too. The buffer reports any such failure as an I/O error,
// not SQLITE_FULL, for the case this cannot stage: a full disk under a WAL file
// being reused, where a statement with a statement journal would otherwise only be
// rolled back by itself.)
TEST_F(WalBufferTest, SpilledPagesThatCannotBeWrittenEndTheWholeTransaction) {
  writer_->db().exec("PRAGMA cache_size=8");
  put_schools(*writer_, 0, 10);
  const auto wal = std::filesystem::file_size(path_ + "-wal");
  {
    FileSizeLimit limit(wal + 8192);
    store::Transaction tx(writer_->db());
    bool failed = false;
    try {
      for (int i = 1000; i < 1400; ++i) writer_->put_school(school(i), "t");
      store::Stmt& names = writer_->db().prepare("SELECT count(*), sum(length(name)) FROM schools");
      names.step();
      names.reset();
    } catch (const store::StoreError&) {
      failed = true;
    }
    EXPECT_TRUE(failed) << "every spilled page was written past the file-size limit";
    EXPECT_FALSE(writer_->db().in_transaction()) << "SQLite kept the transaction whose spilled pages were lost";
  }
  expect_ten_schools_kept_and_the_store_goes_on(2000, 400);
  close();
  EXPECT_EQ(schools_on_reopen(path_), 410);
}

// Where SQLite would publish a commit's frames without syncing them first, the
// buffer could hold frames readers look for: the store refuses to use it there.
TEST(WalBuffer, TheStoreRefusesItWhereCommitsAreNotSyncedBeforeReadersSeeThem) {
  TempDir dir;
  const std::string path = (dir.path() / "w.db").string();
  store::WalBufferVfs vfs("wal-buffer-test-7");
  try {
    store::Store::open("file:" + path + "?psow=0", vfs.name());
    ADD_FAILURE() << "opened without powersafe overwrite";
  } catch (const store::StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("powersafe"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(store::Store::open("file:" + path, vfs.name()));
}

}  // namespace
}  // namespace hwload::testing
