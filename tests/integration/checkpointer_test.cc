// The background checkpointer on a real file: it copies the writer's WAL back into
// the database while the writer commits, the log starts over, and nothing is lost.
#include "store/checkpointer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/store.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

pb::School school(int i) { return padded_school(i, 200); }

// Frames in the WAL file as it stands on disk (its high-water mark).
uintmax_t wal_frames(const std::string& path) {
  const auto bytes = std::filesystem::file_size(path + "-wal");
  return bytes <= 32 ? 0 : (bytes - 32) / (4096 + 24);
}

TEST(Checkpointer, KeepsTheLogBoundedUnderASteadyWriterAndLosesNothing) {
  TempDir dir;
  const std::string path = (dir.path() / "c.db").string();
  constexpr int kCommits = 3000, kAfter = 1200;
  {
    auto store = store::Store::open(path);
    {
      store::Checkpointer::Options o;
      o.pages = 20;
      o.catch_up_pages = 80;
      store::Checkpointer checkpointer(path, store->db(), o);
      for (int i = 0; i < kCommits; ++i) {
        store::Transaction tx(store->db());
        store->put_school(school(i), "t");
        tx.commit();
      }
      const auto c = checkpointer.counters();
      EXPECT_GT(c.background, 0u);
      EXPECT_EQ(c.failed, 0u);
      // Without a copy that catches the log's end, it would hold every commit's pages
      // (thousands of frames); with one, it starts over near catch_up_pages.
      EXPECT_LT(wal_frames(path), 1000u) << "background " << c.background << ", caught up " << c.caught_up;
    }
    // Once the checkpointer is gone, the writer's own automatic checkpoints (at 1000
    // frames) are back: these commits write about three times that, yet the log
    // starts over.
    for (int i = kCommits; i < kCommits + kAfter; ++i) {
      store::Transaction tx(store->db());
      store->put_school(school(i), "t");
      tx.commit();
    }
    EXPECT_LT(wal_frames(path), 2000u);
  }
  auto again = store::Store::open(path);
  EXPECT_EQ(again->schools_in_district("d1").size(), static_cast<size_t>(kCommits + kAfter));
  for (int i : {0, kCommits / 2, kCommits + kAfter - 1}) EXPECT_TRUE(again->school("s" + std::to_string(i)).has_value()) << i;
}

}  // namespace
}  // namespace hwload::testing
