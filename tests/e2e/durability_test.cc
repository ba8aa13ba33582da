// The executables as an operator runs them: an acknowledged record survives
// kill -9; SIGTERM drains and exits 0.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "support/process.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

std::unique_ptr<client::Client> connect(const ServerProcess& server) {
  client::ClientOptions o;
  o.base_url = server.url();
  o.token = server.operator_token();
  o.max_attempts = 1;
  return std::make_unique<client::Client>(o);
}

TEST(Durability, AcknowledgedRecordsSurviveKillNine) {
  TempDir dir;
  const std::string db = (dir.path() / "hwload.db").string();
  std::vector<std::string> ids;
  std::vector<pb::AssignmentBatch> batches;
  {
    ServerProcess server(HWLOAD_SERVER_BIN, db, dir.path().string());
    auto c = connect(server);
    seed_school(*c);
    // Acknowledged batches, then kill -9 right after the last acknowledgement.
    for (int batch = 0; batch < 20; ++batch) {
      pb::AssignmentBatch b;
      for (int i = 0; i < 10; ++i) {
        const std::string id = "k" + std::to_string(batch) + "-" + std::to_string(i);
        *b.add_assignments() = assignment(id, "c5", "2026-11-17", 1);
        ids.push_back(id);
      }
      auto r = c->post_assignments(b);
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      for (const auto& item : r->items()) ASSERT_EQ(item.status(), pb::CREATED);
      batches.push_back(b);
    }
    server.kill9();
  }
  ServerProcess server(HWLOAD_SERVER_BIN, db, dir.path().string());
  auto c = connect(server);
  auto load = c->class_load("s1", "c5", "2026-11-17", "2026-11-17");
  ASSERT_TRUE(load.ok()) << load.error().to_string();
  EXPECT_EQ(load->days(0).planned_minutes(), static_cast<int>(ids.size()));
  // Each batch again: every item is found stored as it was (UNCHANGED), none made
  // anew. (One request a batch: one a record would pass the token's burst of 200.)
  for (const auto& b : batches) {
    auto r = c->post_assignments(b);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->items_size(), b.assignments_size());
    for (int i = 0; i < r->items_size(); ++i) {
      EXPECT_EQ(r->items(i).status(), pb::UNCHANGED) << b.assignments(i).assignment_id();
    }
  }
}

// A request whose headers have arrived when SIGTERM comes is still served (with
// Connection: close) and stored; then the server exits 0.
TEST(Durability, SigtermDrainsARequestInFlightAndExitsZero) {
  TempDir dir;
  const std::string db = (dir.path() / "hwload.db").string();
  ServerProcess server(HWLOAD_SERVER_BIN, db, dir.path().string(), {"--log-level", "debug"});
  {
    auto c = connect(server);
    seed_school(*c);
  }
  auto wait_for_log = [&](const std::string& text) {
    for (int i = 0; i < 600 && server.log().find(text) == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return server.log().find(text) != std::string::npos;
  };
  pb::AssignmentBatch batch;
  *batch.add_assignments() = assignment("drain-1", "c5", "2026-11-17", 25);
  std::string body;
  batch.SerializeToString(&body);
  const std::string head =
      "POST /v1/assignments HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
      "Authorization: Bearer " +
      server.operator_token() + "\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
  ASSERT_TRUE(wait_for_log("header read: POST /v1/assignments")) << server.log();
  ::kill(server.pid(), SIGTERM);
  ASSERT_TRUE(wait_for_log("draining")) << server.log();
  ASSERT_EQ(::write(fd, body.data(), body.size()), static_cast<ssize_t>(body.size()));
  std::string reply;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
  EXPECT_EQ(server.wait_exit(), 0) << server.log();
  EXPECT_NE(server.log().find("stopped"), std::string::npos) << server.log();

  ServerProcess again(HWLOAD_SERVER_BIN, db, dir.path().string());
  EXPECT_TRUE(connect(again)->get_assignment("drain-1").ok());
}

TEST(Durability, DemoLoadsOnceAndServesBreaches) {
  TempDir dir;
  const std::string db = (dir.path() / "hwload.db").string();
  {
    ServerProcess server(HWLOAD_SERVER_BIN, db, dir.path().string(), {"--demo"});
    auto c = connect(server);
    client::BreachQuery q;
    q.school_id = "hy-yanfeng-01";
    auto list = c->breaches(q);
    ASSERT_TRUE(list.ok()) << list.error().to_string();
    EXPECT_GE(list->breaches_size(), 6);
    EXPECT_EQ(server.terminate(), 0);
  }
  ServerProcess again(HWLOAD_SERVER_BIN, db, dir.path().string(), {"--demo"});
  EXPECT_NE(again.log().find("already present"), std::string::npos) << again.log();
}

TEST(Durability, BadConfigFileIsRefusedWithTheKeyNamed) {
  TempDir dir;
  const std::string cfg = (dir.path() / "bad.toml").string();
  FILE* f = std::fopen(cfg.c_str(), "w");
  std::fputs("[profiles.x]\nschool_day_caps = [0, 60]\n", f);
  std::fclose(f);
  auto r = run({HWLOAD_SERVER_BIN, "--config", cfg, "--db", (dir.path() / "x.db").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("profiles.x.school_day_caps"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hwload::testing

namespace hwload::testing {
namespace {

TEST(Durability, ABusyPortIsAClearErrorNotACrash) {
  TempDir dir;
  ServerProcess first(HWLOAD_SERVER_BIN, (dir.path() / "a.db").string(), dir.path().string());
  auto r = run({HWLOAD_SERVER_BIN, "--listen", "127.0.0.1:" + std::to_string(first.port()), "--db",
                (dir.path() / "b.db").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("cannot run"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hwload::testing
