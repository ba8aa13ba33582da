// Test support: a whole hwload server started in-process on port 0, with a
// temporary SQLite file and an injected clock; and helpers to seed a school.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/app.h"
#include "core/clock.h"
#include "hwload/client/client.h"

namespace hwload::testing {

namespace pb = ::hwload::v1;

// 2026-11-23T10:00:00+08:00, a Monday (the week after 2026-W47).
std::chrono::system_clock::time_point default_now();

// A fresh temporary directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class TestServer {
 public:
  // `running_clock`: the injected clock starts at default_now() and moves on in real
  // time (for retries and timers); otherwise it stays where the test sets it.
  explicit TestServer(app::Config config = {}, bool running_clock = false);
  ~TestServer();

  uint16_t port() const { return app_->port(); }
  // https:// when the config has a TLS certificate (test certificates name 127.0.0.1).
  std::string url() const {
    return (config_.tls_cert_file.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") + std::to_string(port());
  }
  // The CA file the clients of client() and client_with() trust (for https).
  void set_ca_file(std::string ca_file) { ca_file_ = std::move(ca_file); }
  // A client carrying the operator token the server was started with.
  std::unique_ptr<client::Client> client(client::Encoding encoding = client::Encoding::kProtobuf) const;
  // A client carrying `token` (empty: no token at all).
  std::unique_ptr<client::Client> client_with(const std::string& token,
                                              client::Encoding encoding = client::Encoding::kProtobuf) const;
  // Issues a token through `hwload-server token create`'s code, against this
  // server's database; returns it.
  std::string issue_token(const std::string& role, const std::string& district = "", const std::string& school = "",
                          int grade = 0, const std::vector<std::string>& classes = {});
  const std::string& operator_token() const { return operator_token_; }
  ManualClock& clock() { return clock_; }
  std::string db_path() const { return (dir_.path() / "hwload.db").string(); }
  // Stops the server and starts a new one on the same database file.
  void restart();

 private:
  void start();
  TempDir dir_;
  app::Config config_;
  ManualClock clock_;
  std::unique_ptr<app::App> app_;
  std::string operator_token_;
  std::string ca_file_;
};

// Registers school "s1" (district "d1", `profile`) with classes c2 (grade 2),
// c5 (grade 5) and c8 (grade 8) of 40 students each. Asserts success.
void seed_school(client::Client& c, const std::string& profile = "national");

// Whether `text` holds `needle`, or lacks it; a failure shows where to look.
::testing::AssertionResult Contains(const std::string& text, std::string_view needle);
::testing::AssertionResult Lacks(const std::string& text, std::string_view needle);

// Registers school "s2" (district "d2", national profile) with classes k2 (grade 2)
// and k5 (grade 5) of 40 students each: a school outside d1's scopes. Asserts
// success.
void seed_second_school(client::Client& c);

// School "s<i>" (district d1, national profile) whose name is padded with `padding`
// x's: rows large enough that a few hundred of them fill many pages.
pb::School padded_school(int i, int padding);

// A WRITTEN REQUIRED assignment of `minutes` for class `class_id` of s1.
pb::Assignment assignment(const std::string& id, const std::string& class_id, const std::string& date, int minutes,
                          const std::string& subject = "数学");

// A timing report where student i (keys s01, s02, ...) took minutes[i].
pb::TimingReport report(const std::string& assignment_id, const std::vector<int>& minutes);

// Posts `items` as one batch; expects an answer with one item per input.
pb::BatchResult post_batch(client::Client& c, std::vector<pb::Assignment> items, bool validate_only = false);
// Posts `reports` as one batch; expects an answer with one item per report.
pb::BatchResult post_timings(client::Client& c, std::vector<pb::TimingReport> reports);
// The day load of class `class_id` of s1 on `date` (an empty DayLoad on failure).
pb::DayLoad day_load(client::Client& c, const std::string& class_id, const std::string& date);

}  // namespace hwload::testing
