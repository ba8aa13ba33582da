#include "support/test_server.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <sstream>

#include "app/tokens.h"

namespace hwload::testing {

std::chrono::system_clock::time_point default_now() {
  // 2026-11-23T02:00:00Z
  return std::chrono::system_clock::time_point(std::chrono::seconds(1795399200));
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "hwload-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

TestServer::TestServer(app::Config config, bool running_clock)
    : config_(std::move(config)), clock_(default_now(), running_clock) {
  config_.listen = "127.0.0.1:0";
  config_.db = db_path();
  config_.threads = 2;
  start();
  operator_token_ = issue_token("operator");
}

std::string TestServer::issue_token(const std::string& role, const std::string& district, const std::string& school,
                                    int grade, const std::vector<std::string>& classes) {
  app::TokenCommand cmd;
  cmd.db = db_path();
  cmd.action = "create";
  cmd.role = role;
  cmd.district = district;
  cmd.school_id = school;
  cmd.grade = grade;
  cmd.classes = classes;
  cmd.label = "test " + role;
  std::ostringstream out, err;
  if (app::run_token_command(cmd, clock_, out, err) != 0) {
    throw std::runtime_error("token create " + role + " failed: " + err.str());
  }
  std::string text = out.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.substr(text.rfind('\n') + 1);
}

TestServer::~TestServer() { app_->stop(); }

void TestServer::start() {
  auto log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  app_ = std::make_unique<app::App>(config_, log, &clock_);
  app_->start();
}

void TestServer::restart() {
  app_->stop();
  app_.reset();
  start();
}

std::unique_ptr<client::Client> TestServer::client(client::Encoding encoding) const {
  return client_with(operator_token_, encoding);
}

std::unique_ptr<client::Client> TestServer::client_with(const std::string& token, client::Encoding encoding) const {
  client::ClientOptions o;
  o.token = token;
  o.base_url = url();
  o.ca_file = ca_file_;
  o.encoding = encoding;
  o.timeout = std::chrono::seconds(20);
  return std::make_unique<client::Client>(o);
}

void seed_school(client::Client& c, const std::string& profile) {
  pb::School s;
  s.set_school_id("s1");
  s.set_name("第一实验学校");
  s.set_district("d1");
  s.set_profile(profile);
  auto r = c.put_school(s);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  for (auto [id, grade] : {std::pair{"c2", 2}, {"c5", 5}, {"c8", 8}}) {
    pb::Class k;
    k.set_school_id("s1");
    k.set_class_id(id);
    k.set_grade(grade);
    k.set_student_count(40);
    auto rc = c.put_class(k);
    ASSERT_TRUE(rc.ok()) << rc.error().to_string();
  }
}

void seed_second_school(client::Client& c) {
  pb::School s2;
  s2.set_school_id("s2");
  s2.set_name("第二实验学校");
  s2.set_district("d2");
  s2.set_profile("national");
  auto r = c.put_school(s2);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  for (auto [id, grade] : {std::pair{"k2", 2}, {"k5", 5}}) {
    pb::Class k;
    k.set_school_id("s2");
    k.set_class_id(id);
    k.set_grade(grade);
    k.set_student_count(40);
    auto rc = c.put_class(k);
    ASSERT_TRUE(rc.ok()) << rc.error().to_string();
  }
}

::testing::AssertionResult Contains(const std::string& text, std::string_view needle) {
  if (text.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected to find \"" << needle << "\" in:\n" << text;
}

::testing::AssertionResult Lacks(const std::string& text, std::string_view needle) {
  const size_t at = text.find(needle);
  if (at == std::string::npos) return ::testing::AssertionSuccess();
  const size_t from = at < 80 ? 0 : at - 80;
  return ::testing::AssertionFailure() << "found \"" << needle << "\" at " << at << ": ..." << text.substr(from, 200)
                                       << "...";
}

pb::School padded_school(int i, int padding) {
  pb::School s;
  s.set_school_id("s" + std::to_string(i));
  s.set_name("school " + std::to_string(i) + std::string(static_cast<size_t>(padding), 'x'));
  s.set_district("d1");
  s.set_profile("national");
  return s;
}

pb::Assignment assignment(const std::string& id, const std::string& class_id, const std::string& date, int minutes,
                          const std::string& subject) {
  pb::Assignment a;
  a.set_assignment_id(id);
  a.set_school_id("s1");
  a.set_class_id(class_id);
  a.set_teacher_id("t1");
  a.set_subject(subject);
  a.set_assigned_date(date);
  a.set_type(pb::WRITTEN);
  a.set_tier(pb::REQUIRED);
  a.set_estimated_minutes(minutes);
  a.set_title(subject + "练习");
  return a;
}

pb::TimingReport report(const std::string& assignment_id, const std::vector<int>& minutes) {
  pb::TimingReport r;
  r.set_assignment_id(assignment_id);
  for (size_t i = 0; i < minutes.size(); ++i) {
    auto* s = r.add_students();
    const std::string n = std::to_string(i + 1);
    s->set_student_key("s" + std::string(n.size() < 2 ? 2 - n.size() : 0, '0') + n);
    s->set_minutes(minutes[i]);
  }
  return r;
}

pb::BatchResult post_batch(client::Client& c, std::vector<pb::Assignment> items, bool validate_only) {
  pb::AssignmentBatch b;
  b.set_validate_only(validate_only);
  for (auto& a : items) *b.add_assignments() = std::move(a);
  auto r = c.post_assignments(b);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(!r.ok() || r->items_size() == b.assignments_size());
  return r.ok() ? *r : pb::BatchResult();
}

pb::BatchResult post_timings(client::Client& c, std::vector<pb::TimingReport> reports) {
  pb::TimingBatch b;
  for (auto& rep : reports) *b.add_reports() = std::move(rep);
  auto r = c.post_timings(b);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(!r.ok() || r->items_size() == b.reports_size());
  return r.ok() ? *r : pb::BatchResult();
}

pb::DayLoad day_load(client::Client& c, const std::string& class_id, const std::string& date) {
  auto r = c.class_load("s1", class_id, date, date);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() && r->days_size() == 1 ? r->days(0) : pb::DayLoad();
}

}  // namespace hwload::testing
