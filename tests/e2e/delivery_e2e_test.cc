// Webhook delivery across a crash: kill -9 of hwload-server while it delivers loses
// no alert; after a restart every alert arrives, in order per school.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "delivery/signature.h"
#include "support/process.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

namespace hwload::testing {
namespace {

constexpr const char* kSecret = "bureau-secret-0123456789";

std::unique_ptr<client::Client> connect(const ServerProcess& server) {
  client::ClientOptions o;
  o.base_url = server.url();
  o.token = server.operator_token();
  return std::make_unique<client::Client>(o);
}

std::set<std::string> delivered_ids(const WebhookReceiver& r) {
  std::set<std::string> out;
  for (const auto& x : r.received()) {
    if (x.answered == 200) out.insert(x.alert_id);
  }
  return out;
}

TEST(DeliveryCrash, KillNineDuringDeliveryLosesNoAlert) {
  WebhookReceiver::Options ro;
  ro.delay = std::chrono::milliseconds(60);  // slow enough to be cut off mid-delivery
  ro.fail_rate = 0.2;
  WebhookReceiver receiver(ro);
  TempDir dir;
  const std::string db = (dir.path() / "hwload.db").string();
  const std::string cfg = (dir.path() / "hwload.toml").string();
  std::ofstream(cfg) << "[delivery]\ntimeout_ms = 1000\nfirst_retry_ms = 20\nmax_backoff_seconds = 1\n"
                        "poll_interval_ms = 20\n";

  std::vector<pb::Alert> alerts;
  {
    ServerProcess server(HWLOAD_SERVER_BIN, db, dir.path().string(), {"--config", cfg});
    auto c = connect(server);
    for (const char* s : {"s1", "s2", "s3"}) {
      pb::School school;
      school.set_school_id(s);
      school.set_name(s);
      school.set_district("d1");
      school.set_profile("national");
      ASSERT_TRUE(c->put_school(school).ok());
      pb::Class k;
      k.set_school_id(s);
      k.set_class_id("c2");
      k.set_grade(2);
      ASSERT_TRUE(c->put_class(k).ok());
    }
    pb::Subscription sub;
    sub.set_subscription_id("bureau");
    sub.set_district("d1");
    sub.set_url(receiver.url());
    sub.set_secret(kSecret);
    ASSERT_TRUE(c->put_subscription(sub).ok());
    for (const char* s : {"s1", "s2", "s3"}) {
      for (int day = 16; day <= 27; ++day) {
        pb::AssignmentBatch b;
        pb::Assignment a =
            assignment(std::string(s) + "-" + std::to_string(day), "c2", "2026-11-" + std::to_string(day), 10);
        a.set_school_id(s);
        *b.add_assignments() = a;
        ASSERT_TRUE(c->post_assignments(b).ok());
      }
    }
    auto page = c->alerts("", 1000);
    ASSERT_TRUE(page.ok());
    alerts.assign(page->alerts().begin(), page->alerts().end());
    ASSERT_GE(alerts.size(), 36u);
    // Kill once some, but not all, have been delivered.
    for (int i = 0; i < 400 && delivered_ids(receiver).size() < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server.kill9();
    ASSERT_LT(delivered_ids(receiver).size(), alerts.size()) << "delivery finished before the kill";
  }

  ServerProcess again(HWLOAD_SERVER_BIN, db, dir.path().string(), {"--config", cfg});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (delivered_ids(receiver).size() < alerts.size() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto ids = delivered_ids(receiver);
  for (const auto& a : alerts) EXPECT_TRUE(ids.contains(a.alert_id())) << "lost: seq " << a.seq();

  // Order per school held across the crash, and every attempt was signed.
  std::map<std::string, int64_t> last_delivered;
  std::set<std::string> seen;
  for (const auto& r : receiver.received()) {
    EXPECT_TRUE(delivery::verify_signature(kSecret, r.body, r.signature));
    if (r.answered != 200 || !seen.insert(r.alert_id).second) continue;
    const auto& school = r.alert.breach().school_id();
    EXPECT_GT(r.alert.seq(), last_delivered[school]) << school;
    last_delivered[school] = r.alert.seq();
  }
}

}  // namespace
}  // namespace hwload::testing
