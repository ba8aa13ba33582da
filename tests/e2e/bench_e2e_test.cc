// hwload-bench, the load generator of docs/PERFORMANCE.md, against the real server:
// what it reports as acknowledged is what the SQLite file holds, its exactly-once
// check fails when records are not there, and failed requests are counted, not
// hidden. Short runs with a few connections: behaviour, not speed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cstdio>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/certs.h"
#include "support/process.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

const std::string kLimitsOff = std::string(HWLOAD_SOURCE_DIR) + "/deploy/bench/hwload-bench.toml";

std::string show(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

// The number before " requests" and before " failed" in the run's summary line
// ("mode assign, 8 connections, 1.0 s: 812 requests, 803 acknowledged/s, 0 failed").
long long summary(const std::string& out, const std::string& what) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("s: ([0-9]+) requests, [0-9]+ acknowledged/s, ([0-9]+) failed"))) return -1;
  return std::stoll(m.str(what == "requests" ? 1 : 2));
}

// The first number after `label` in the output, or -1.
long long number_after(const std::string& out, const std::string& label) {
  const auto at = out.find(label);
  if (at == std::string::npos) return -1;
  std::smatch m;
  const std::string rest = out.substr(at + label.size());
  if (!std::regex_search(rest, m, std::regex("[0-9]+"))) return -1;
  return std::stoll(m.str());
}

long long count(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  long long n = -1;
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

// A listening TCP socket on a free loopback port, closed when it goes; it accepts
// nothing by itself.
struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("cannot listen on a loopback port");
    }
    port = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

class Bench : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(HWLOAD_SERVER_BIN, db_, dir_.path().string(),
                                              std::vector<std::string>{"--config", kLimitsOff});
  }

  CommandResult bench(const std::vector<std::string>& args, const std::string& url = "") const {
    std::vector<std::string> argv = {HWLOAD_BENCH_BIN, "--server", url.empty() ? server_->url() : url,
                                     "--token", server_->operator_token(), "--schools", "1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }

  TempDir dir_;
  std::string db_ = (dir_.path() / "hwload.db").string();
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Bench, AssignModeStoresExactlyWhatItAcknowledges) {
  const auto r = bench({"--mode", "assign", "--connections", "8", "--seconds", "1", "--verify-db", db_});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_NE(r.out.find(", 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("latency ms: p50"), std::string::npos) << r.out;
  const long long acked = number_after(r.out, "verify: ");
  ASSERT_GT(acked, 0) << r.out;
  EXPECT_NE(r.out.find("missing 0, wrong count 0, acked twice 0"), std::string::npos) << r.out;
  // Nothing but the acknowledged assignments was stored: the file holds exactly them.
  EXPECT_EQ(count(db_, "SELECT COUNT(*) FROM assignments WHERE assignment_id LIKE 'bench-%'"), acked);
  EXPECT_EQ(number_after(r.out, "records stored: "), acked) << r.out;
}

TEST_F(Bench, TimingsModeReportsEveryPoolAssignmentOnceWithFortyStudents) {
  // One school has 36 classes: the pool's 36 slots go one to each, and the 8 of
  // grades 1-2 (no written homework to time) are skipped.
  const auto r = bench({"--mode", "timings", "--connections", "4", "--seconds", "5", "--pool", "36",
                        "--verify-db", db_});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  const long long acked = number_after(r.out, "verify: ");
  const long long pool = count(db_, "SELECT COUNT(*) FROM assignments WHERE assignment_id LIKE 'bench-%'");
  ASSERT_EQ(pool, 28);
  EXPECT_EQ(acked, pool) << r.out;  // the pool ran out before the time did
  EXPECT_EQ(count(db_, "SELECT COUNT(*) FROM timings WHERE assignment_id LIKE 'bench-%'"), 40 * pool);
  EXPECT_EQ(number_after(r.out, "records stored: "), 40 * pool) << r.out;
  EXPECT_NE(r.out.find("missing 0, wrong count 0, acked twice 0"), std::string::npos) << r.out;
}

TEST_F(Bench, MixedModeReadsBackWhatItWroteThroughTheApi) {
  const auto r = bench({"--mode", "mixed", "--connections", "4", "--seconds", "1", "--client-threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << show(r);
  EXPECT_NE(r.out.find(", 0 failed"), std::string::npos) << r.out;
  const long long acked = number_after(r.out, "verify (API): ");
  ASSERT_GT(acked, 0) << r.out;
  EXPECT_NE(r.out.find(", 0 not found"), std::string::npos) << r.out;
  // Reads were answered too: more requests than stored assignments.
  EXPECT_GT(summary(r.out, "requests"), acked) << r.out;
}

TEST_F(Bench, TheExactlyOnceCheckFailsWhenAcknowledgedRecordsAreNotInTheFile) {
  // Checked against another server's file, which never saw them.
  TempDir other_dir;
  const std::string other_db = (other_dir.path() / "other.db").string();
  ServerProcess other(HWLOAD_SERVER_BIN, other_db, other_dir.path().string(), {"--config", kLimitsOff});
  const auto r = bench({"--mode", "assign", "--connections", "2", "--seconds", "0.5", "--verify-db", other_db});
  EXPECT_EQ(r.exit_code, 1) << show(r);
  const long long acked = number_after(r.out, "verify: ");
  ASSERT_GT(acked, 0) << r.out;
  EXPECT_EQ(number_after(r.out, "missing "), acked) << r.out;
}

TEST_F(Bench, RefusedRequestsAreCountedAsFailuresWithTheServersAnswer) {
  std::vector<std::string> argv = {HWLOAD_BENCH_BIN, "--server", server_->url(), "--token", "hwl_nope_nope",
                                   "--schools", "1", "--no-setup", "--mode", "assign", "--connections", "2",
                                   "--seconds", "0.3"};
  const auto r = run(argv);
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.out.find(" 0 acknowledged/s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("first failure: 401 UNAUTHENTICATED"), std::string::npos) << r.out;
  ASSERT_GT(summary(r.out, "requests"), 0) << r.out;
  EXPECT_EQ(summary(r.out, "failed"), summary(r.out, "requests")) << r.out;
  EXPECT_EQ(count(db_, "SELECT COUNT(*) FROM assignments"), 0);
}

TEST_F(Bench, AServerThatIsNotThereCountsEveryAttemptAsFailed) {
  // A port nothing listens on: every attempt fails to connect, and is counted.
  const auto r = bench({"--no-setup", "--mode", "assign", "--connections", "2", "--seconds", "0.3"},
                       "http://127.0.0.1:1");
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.out.find("first failure: POST /v1/assignments: Connection refused"), std::string::npos) << r.out;
  ASSERT_GT(summary(r.out, "requests"), 0) << r.out;
  EXPECT_EQ(summary(r.out, "failed"), summary(r.out, "requests")) << r.out;
}

TEST_F(Bench, AServerThatNeverAnswersTimesOutInsteadOfHanging) {
  // A socket that listens but never accepts: connections complete in the kernel's
  // backlog, and no answer ever comes.
  const Listener listener;
  const auto started = std::chrono::steady_clock::now();
  const auto r = bench({"--no-setup", "--mode", "assign", "--connections", "2", "--seconds", "0.3", "--timeout", "1"},
                       listener.url());
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.exit_code, 1) << show(r);
  EXPECT_NE(r.out.find("first failure: POST /v1/assignments: The socket was closed due to a timeout"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(summary(r.out, "requests"), 2) << r.out;  // one per connection, each given up after 1 s
  EXPECT_EQ(summary(r.out, "failed"), 2) << r.out;
  EXPECT_LT(took, std::chrono::seconds(20));  // a hang would run into the test's own timeout
}

TEST(BenchKeepAlive, ARequestOnAConnectionTheServerClosedIsResentOnceAndCounted) {
  // A server that answers one request per connection with a kept-alive 200 and then
  // closes it: every request after a connection's first finds it closed.
  const Listener listener;
  const int fd = listener.fd;
  std::atomic<bool> stop{false};
  std::thread server([&] {
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) continue;
      std::string in;
      char buf[4096];
      // The whole request: headers, then Content-Length bytes of body.
      for (;;) {
        const auto head = in.find("\r\n\r\n");
        if (head != std::string::npos) {
          const auto cl = in.find("Content-Length: ");
          const size_t body = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
          if (in.size() >= head + 4 + body) break;
        }
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
      }
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n";
      (void)!::write(c, answer.data(), answer.size());
      ::close(c);
    }
  });
  const auto r = run({HWLOAD_BENCH_BIN, "--server", listener.url(),
                      "--schools", "1", "--mode", "assign", "--baseline", "--connections", "1", "--seconds", "0.5"});
  stop = true;
  server.join();
  EXPECT_EQ(r.exit_code, 0) << show(r);
  const long long requests = summary(r.out, "requests");
  ASSERT_GT(requests, 2) << r.out;
  EXPECT_EQ(summary(r.out, "failed"), 0) << r.out;
  // Each request but the first went out twice: on the closed connection, then anew.
  EXPECT_EQ(number_after(r.out, "resent on a new connection (the server had closed the kept-alive one): "),
            requests - 1)
      << r.out;
}

TEST(BenchTls, DrivesAnHttpsServerTrustingItsCa) {
  TempDir dir;
  const auto certs = make_test_certs(dir.path());
  const std::string db = (dir.path() / "hwload.db").string();
  ServerProcess server(HWLOAD_SERVER_BIN, db, dir.path().string(),
                       {"--config", kLimitsOff, "--tls-cert", certs.server_cert, "--tls-key", certs.server_key});
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port());
  auto args = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> a = {HWLOAD_BENCH_BIN, "--server", url, "--token", server.operator_token(),
                                  "--schools", "1", "--mode", "assign", "--connections", "2", "--seconds", "0.5"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const auto trusted = run(args({"--ca-file", certs.ca_cert, "--verify-db", db}));
  ASSERT_EQ(trusted.exit_code, 0) << show(trusted);
  EXPECT_NE(trusted.out.find("missing 0, wrong count 0, acked twice 0"), std::string::npos) << trusted.out;

  // Without the CA the certificate is not trusted: every request fails at the
  // handshake, and is counted.
  const auto untrusted = run(args({"--no-setup"}));
  EXPECT_EQ(untrusted.exit_code, 1) << show(untrusted);
  EXPECT_NE(untrusted.out.find("first failure: POST /v1/assignments: certificate verify failed"), std::string::npos)
      << untrusted.out;
}

}  // namespace
}  // namespace hwload::testing
