// Group commit (issue 6): the changing requests queued together run in one SQLite
// transaction, each nested as a SAVEPOINT; each is answered only after the commit;
// one that rolls back undoes only its own work; reads run outside the group.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "app/group_commit.h"
#include "store/sqlite.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::Db::open(path());
    db_->exec("PRAGMA journal_mode=WAL; CREATE TABLE t(v TEXT PRIMARY KEY)");
  }
  std::string path() const { return (dir_.path() / "g.db").string(); }

  // Rows of `t` as another connection sees them: only what was committed.
  std::vector<std::string> committed_rows() const {
    auto other = store::Db::open(path());
    std::vector<std::string> out;
    auto& s = other->prepare("SELECT v FROM t ORDER BY v");
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  // A request whose work inserts `value` in its own (nested) transaction, and rolls
  // it back instead when `fail`.
  http::Work insert(const std::string& method, const std::string& value, bool fail,
                    std::vector<std::pair<std::string, std::vector<std::string>>>& replies) {
    auto req = std::make_shared<http::Request>();
    req->method = method;
    http::Work w;
    w.request = req;
    w.run = [this, value, fail](const http::RequestHandler&) {
      store::Transaction tx(*db_);
      db_->prepare("INSERT INTO t(v) VALUES (?)").bind(1, value).exec();
      http::Response res;
      if (fail) {
        res.status = 400;
        return res;  // not committed: rolled back to its savepoint
      }
      tx.commit();
      return res;
    };
    w.reply = [this, value, &replies](http::Response res) {
      // What another connection sees when the answer is sent.
      replies.emplace_back(value + " " + std::to_string(res.status), committed_rows());
    };
    return w;
  }

  // Each Work here carries its own run; the group's handler is never asked.
  const http::RequestHandler unused_handler = [](const http::Request&) { return http::Response{}; };
  TempDir dir_;
  std::unique_ptr<store::Db> db_;
};

TEST_F(GroupCommitTest, QueuedChangesCommitOnceAndAreAnsweredOnlyAfterTheCommit) {
  boost::asio::io_context store_io;  // not running yet: everything posted waits together
  app::GroupCommit group(store_io, *db_, unused_handler);
  std::vector<std::pair<std::string, std::vector<std::string>>> replies;
  group.post(insert("POST", "a", false, replies));
  group.post(insert("PUT", "b", true, replies));  // refused: rolls back its own work only
  group.post(insert("POST", "c", false, replies));
  EXPECT_TRUE(replies.empty());
  store_io.run();

  const auto c = group.counters();
  EXPECT_EQ(c.groups, 1u);
  EXPECT_EQ(c.requests, 3u);
  EXPECT_EQ(c.largest, 3u);
  ASSERT_EQ(replies.size(), 3u);
  const std::vector<std::string> both = {"a", "c"};
  for (const auto& [answer, seen] : replies) {
    // Every answer, the refused one too, went out after the group's commit.
    EXPECT_EQ(seen, both) << answer;
  }
  EXPECT_EQ(replies[0].first, "a 200");
  EXPECT_EQ(replies[1].first, "b 400");
  EXPECT_EQ(replies[2].first, "c 200");
  EXPECT_FALSE(db_->in_transaction());
}

TEST_F(GroupCommitTest, ReadsRunFirstAndOutsideTheGroup) {
  boost::asio::io_context store_io;
  app::GroupCommit group(store_io, *db_, unused_handler);
  std::vector<std::string> order;
  auto get = std::make_shared<http::Request>();
  get->method = "GET";
  http::Work read;
  read.request = get;
  read.run = [this, &order](const http::RequestHandler&) {
    order.push_back(db_->in_transaction() ? "read in a transaction" : "read");
    return http::Response{};
  };
  read.reply = [](http::Response) {};
  std::vector<std::pair<std::string, std::vector<std::string>>> replies;
  group.post(insert("POST", "w", false, replies));
  group.post(std::move(read));
  store_io.run();
  ASSERT_EQ(order.size(), 1u);
  EXPECT_EQ(order[0], "read");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(group.counters().requests, 1u);  // the read is not counted in a group
}

TEST_F(GroupCommitTest, AGroupThatCannotCommitAnswersEveryChange503AndKeepsNothing) {
  boost::asio::io_context store_io;
  std::vector<std::string> failures;  // what the server logs
  app::GroupCommit group(store_io, *db_, unused_handler, {}, [&failures](const std::string& why, size_t changes) {
    failures.push_back(std::to_string(changes) + ": " + why);
  });
  // Another connection holds the write lock, so the group cannot begin.
  auto other = store::Db::open(path());
  other->exec("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE");
  db_->exec("PRAGMA busy_timeout = 0");
  std::vector<std::pair<std::string, std::vector<std::string>>> replies;
  group.post(insert("POST", "x", false, replies));
  group.post(insert("POST", "y", false, replies));
  store_io.run();
  other->exec("ROLLBACK");
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].first, "x 503");
  EXPECT_EQ(replies[1].first, "y 503");
  EXPECT_TRUE(committed_rows().empty());
  // The operator learns why: SQLite's own words, once for the group.
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_TRUE(Contains(failures[0], "2: ")) << failures[0];
  EXPECT_TRUE(Contains(failures[0], "locked")) << failures[0];
}

}  // namespace
}  // namespace hwload::testing
