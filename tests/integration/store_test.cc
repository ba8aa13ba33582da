// The SQLite store on real files: schema migration, WAL, reopening.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/store.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

TEST(Store, CreatesTheSchemaInWalModeAndReopensWithoutMigratingAgain) {
  TempDir dir;
  const std::string path = (dir.path() / "s.db").string();
  {
    auto store = store::Store::open(path);
    EXPECT_GE(store->schema_version(), 1);
    auto& s = store->db().prepare("PRAGMA journal_mode");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.text(0), "wal");
    s.reset();
    pb::School school;
    school.set_school_id("s1");
    school.set_name("n");
    school.set_district("d");
    school.set_profile("national");
    store->put_school(school, "2026-11-23T00:00:00.000Z");
  }
  auto again = store::Store::open(path);
  ASSERT_TRUE(again->school("s1").has_value());
  EXPECT_EQ(again->school("s1")->district(), "d");
}

TEST(Store, RefusesADatabaseWithANewerSchema) {
  TempDir dir;
  const std::string path = (dir.path() / "s.db").string();
  { store::Store::open(path)->db().exec("PRAGMA user_version = 999"); }
  EXPECT_THROW(store::Store::open(path), store::StoreError);
}

TEST(Store, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  auto store = store::Store::open((dir.path() / "s.db").string());
  pb::School school;
  school.set_school_id("s1");
  school.set_name("n");
  school.set_district("d");
  school.set_profile("national");
  {
    store::Transaction tx(store->db());
    store->put_school(school, "t");
  }
  EXPECT_FALSE(store->school("s1").has_value());
  {
    store::Transaction tx(store->db());
    store->put_school(school, "t");
    tx.commit();
  }
  EXPECT_TRUE(store->school("s1").has_value());
}

TEST(Store, AnUnwritableFileIsAnErrorNotACrash) {
  EXPECT_THROW(store::Store::open("/nonexistent-dir/x/y.db"), store::StoreError);
}

}  // namespace
}  // namespace hwload::testing
