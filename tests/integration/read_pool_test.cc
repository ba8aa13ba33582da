// Reads apart from writes (issue 6): GETs run on readers with their own read-only
// SQLite connections, so a read is answered while the writer waits, and every read
// sees what was acknowledged before it.
#include <gtest/gtest.h>

#include <future>
#include <string>
#include <thread>

#include "app/read_pool.h"
#include "store/store.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

// The store thread's groups begun so far (`hwload_group_commits_total` counts a group
// as it begins its transaction). /metrics is a GET: a reader answers it.
long long groups_begun(client::Client& c) {
  auto r = c.send_raw("GET", "/metrics", "", {});
  if (!r || r->status != 200) return -1;
  const std::string name = "\nhwload_group_commits_total ";
  const auto at = r->body.find(name);
  return at == std::string::npos ? -1 : std::stoll(r->body.substr(at + name.size()));
}

TEST(ReadPool, AReadIsAnsweredWhileTheWriterWaitsForTheDatabaseLock) {
  TestServer ts;
  auto c = ts.client();
  seed_school(*c);
  post_batch(*c, {assignment("a1", "c5", "2026-11-24", 30)});

  // Another process holds SQLite's write lock: the store thread's next group waits.
  auto other = store::Db::open(ts.db_path());
  other->exec("BEGIN IMMEDIATE");
  const long long before = groups_begun(*c);
  ASSERT_GE(before, 0);
  auto writer = ts.client();
  auto pending = std::async(std::launch::async, [&writer] {
    pb::AssignmentBatch b;
    *b.add_assignments() = assignment("a2", "c5", "2026-11-24", 20);
    return writer->post_assignments(b);
  });
  // Until the store thread has begun the write's group, which then waits for the lock
  // (up to SQLite's busy timeout of 5 s).
  while (groups_begun(*c) == before) std::this_thread::yield();

  // A read does not wait for it.
  auto load = c->class_load("s1", "c5", "2026-11-24", "2026-11-24");
  ASSERT_TRUE(load) << load.error().to_string();
  EXPECT_EQ(load->days(0).planned_minutes(), 30);
  EXPECT_EQ(pending.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the write was answered while another connection held the lock";

  other->exec("ROLLBACK");
  auto posted = pending.get();
  ASSERT_TRUE(posted) << posted.error().to_string();
  EXPECT_EQ(posted->items(0).status(), pb::CREATED);
  // Once acknowledged, the write is what every reader sees.
  for (int i = 0; i < 4; ++i) {
    auto after = c->class_load("s1", "c5", "2026-11-24", "2026-11-24");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->days(0).planned_minutes(), 50);
  }
}

TEST(ReadPool, WithReadThreadsZeroTheServerStillAnswersReadsThatSeeEveryWrite) {
  app::Config config;
  config.read_threads = 0;
  TestServer ts(config);
  auto c = ts.client();
  seed_school(*c);
  post_batch(*c, {assignment("a1", "c5", "2026-11-24", 30)});
  EXPECT_EQ(day_load(*c, "c5", "2026-11-24").planned_minutes(), 30);
}

TEST(ReadPool, AReaderConnectionRefusesToWrite) {
  TempDir dir;
  const std::string path = (dir.path() / "r.db").string();
  store::Store::open(path);
  auto reader = store::Store::open_reader(path);
  pb::School s;
  s.set_school_id("s1");
  s.set_name("n");
  s.set_district("d");
  s.set_profile("national");
  EXPECT_THROW(reader->put_school(s, "2026-11-24T00:00:00.000Z"), store::StoreError);
  EXPECT_FALSE(reader->school("s1").has_value());
}

TEST(ReadPool, AReaderRefusesAStoreThatWasNotMigrated) {
  TempDir dir;
  const std::string path = (dir.path() / "empty.db").string();
  EXPECT_THROW(store::Store::open_reader(path), store::StoreError);
}

TEST(ReadPool, StopAnswersEveryQueuedReadWithTheReadersOwnHandler) {
  std::mutex mu;
  std::vector<std::string> answers;
  std::promise<void> gate;
  std::shared_future<void> opened = gate.get_future().share();
  {
    // One reader, held on the first read until all twenty are queued and stop() is
    // called: nineteen are still waiting in the queue when the pool stops.
    app::ReadPool pool({[opened](const http::Request& req) {
      if (req.path == "/0") opened.wait();
      http::Response res;
      res.body = "reader:" + req.path;
      return res;
    }});
    for (int i = 0; i < 20; ++i) {
      auto req = std::make_shared<http::Request>();
      req->method = "GET";
      req->path = "/" + std::to_string(i);
      http::Work w;
      w.request = req;
      w.run = [req](const http::RequestHandler& h) { return h(*req); };
      w.reply = [&mu, &answers](http::Response res) {
        std::lock_guard lock(mu);
        answers.push_back(res.body);
      };
      pool.post(std::move(w));
    }
    gate.set_value();
    pool.stop();
    std::lock_guard lock(mu);
    EXPECT_EQ(answers.size(), 20u) << "stop() returned before every queued read was answered";
  }
  ASSERT_EQ(answers.size(), 20u);
  std::sort(answers.begin(), answers.end());
  EXPECT_EQ(answers.front(), "reader:/0");
}

}  // namespace
}  // namespace hwload::testing
