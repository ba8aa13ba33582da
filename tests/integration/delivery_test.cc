// Webhook delivery against a real receiver on port 0 that fails and hangs: every
// alert arrives, signed, in order per school; duplicates only as retries.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "delivery/dispatcher.h"
#include "delivery/signature.h"
#include "support/test_server.h"
#include "support/webhook_receiver.h"

namespace hwload::testing {
namespace {

constexpr const char* kSecret = "bureau-secret-0123456789";

TEST(Signature, MatchesRfc4231TestCase2) {
  EXPECT_EQ(delivery::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const std::string header = delivery::signature_header("Jefe", "what do ya want for nothing?");
  EXPECT_TRUE(delivery::verify_signature("Jefe", "what do ya want for nothing?", header));
  EXPECT_FALSE(delivery::verify_signature("Jefe", "what do ya want for nothing!", header));
  EXPECT_FALSE(delivery::verify_signature("jefe", "what do ya want for nothing?", header));
}

TEST(Backoff, DoublesFromTheFirstRetryUpToTheCapScaledByJitter) {
  using ms = std::chrono::milliseconds;
  EXPECT_EQ(delivery::backoff(1, ms(1000), ms(60000), 1.0), ms(1000));
  EXPECT_EQ(delivery::backoff(2, ms(1000), ms(60000), 1.0), ms(2000));
  EXPECT_EQ(delivery::backoff(5, ms(1000), ms(60000), 1.0), ms(16000));
  EXPECT_EQ(delivery::backoff(30, ms(1000), ms(60000), 1.0), ms(60000));
  EXPECT_EQ(delivery::backoff(1, ms(1000), ms(60000), 0.5), ms(500));
}

app::Config fast_delivery() {
  app::Config c;
  c.delivery_timeout_ms = 250;
  c.delivery_first_retry_ms = 20;
  c.delivery_max_backoff_seconds = 1;
  c.delivery_poll_interval_ms = 20;
  return c;
}

void register_school(client::Client& c, const std::string& school_id, const std::string& district) {
  pb::School s;
  s.set_school_id(school_id);
  s.set_name(school_id + " 小学");
  s.set_district(district);
  s.set_profile("national");
  ASSERT_TRUE(c.put_school(s).ok());
  pb::Class k;
  k.set_school_id(school_id);
  k.set_class_id("c2");
  k.set_grade(2);
  k.set_student_count(40);
  ASSERT_TRUE(c.put_class(k).ok());
}

void subscribe(client::Client& c, const std::string& id, const std::string& district, const std::string& url,
               pb::PayloadFormat format = pb::JSON) {
  pb::Subscription s;
  s.set_subscription_id(id);
  s.set_district(district);
  s.set_url(url);
  s.set_secret(kSecret);
  s.set_format(format);
  auto r = c.put_subscription(s);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
}

// Written homework for grade 2 on `date`: a WRITTEN_FORBIDDEN breach (an alert).
pb::Assignment written(const std::string& school_id, const std::string& date, int n) {
  pb::Assignment a = assignment(school_id + "-" + date + "-" + std::to_string(n), "c2", date, 10);
  a.set_school_id(school_id);
  return a;
}

std::vector<pb::Alert> feed(client::Client& c, const std::string& district) {
  std::vector<pb::Alert> out;
  std::string cursor;
  for (;;) {
    auto page = c.alerts(cursor, 1000, district);
    EXPECT_TRUE(page.ok());
    if (!page.ok() || page->alerts_size() == 0) return out;
    out.insert(out.end(), page->alerts().begin(), page->alerts().end());
    cursor = page->next_cursor();
  }
}

// Waits until every alert of `alerts` was answered 2xx at least once.
bool wait_delivered(const WebhookReceiver& receiver, const std::vector<pb::Alert>& alerts,
                    std::chrono::seconds limit = std::chrono::seconds(90)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::set<std::string> ok;
    for (const auto& r : receiver.received()) {
      if (r.answered == 200) ok.insert(r.alert_id);
    }
    bool all = true;
    for (const auto& a : alerts) all = all && ok.contains(a.alert_id());
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Per school, an alert is never sent before every earlier alert of that school was
// answered 2xx: the receiver's attempts, in arrival order, respect seq order.
void expect_order_per_school(const std::vector<WebhookReceiver::Received>& got, const std::vector<pb::Alert>& alerts) {
  std::map<std::string, std::vector<int64_t>> seqs_by_school;
  for (const auto& a : alerts) seqs_by_school[a.breach().school_id()].push_back(a.seq());
  std::set<int64_t> acked;
  for (const auto& r : got) {
    const auto& school = r.alert.breach().school_id();
    for (int64_t earlier : seqs_by_school[school]) {
      if (earlier >= r.alert.seq()) break;
      EXPECT_TRUE(acked.contains(earlier))
          << "alert seq " << r.alert.seq() << " of " << school << " sent before seq " << earlier << " was delivered";
    }
    if (r.answered == 200) acked.insert(r.alert.seq());
  }
}

TEST(Delivery, EveryAlertArrivesSignedInOrderPerSchoolThroughFailuresAndHangs) {
  WebhookReceiver::Options ro;
  ro.fail_rate = 0.3;
  ro.hang_rate = 0.1;
  ro.hang_for = std::chrono::milliseconds(400);
  ro.seed = 42;
  WebhookReceiver receiver(ro);
  WebhookReceiver other_district({});
  TestServer server(fast_delivery(), /*running_clock=*/true);
  auto c = server.client();
  for (const char* s : {"s1", "s2", "s3"}) register_school(*c, s, "d1");
  register_school(*c, "x1", "d2");
  subscribe(*c, "bureau-d1", "d1", receiver.url());
  subscribe(*c, "bureau-d2", "d2", other_district.url());

  // Each school: written homework for grade 2 on six dates (six WRITTEN_FORBIDDEN,
  // REPEATED escalations), then two withdrawn (RESOLVED) and one acknowledged.
  const std::vector<std::string> dates = {"2026-11-16", "2026-11-17", "2026-11-18",
                                          "2026-11-19", "2026-11-20", "2026-11-23"};
  for (const char* s : {"s1", "s2", "s3"}) {
    for (size_t i = 0; i < dates.size(); ++i) {
      pb::AssignmentBatch b;
      *b.add_assignments() = written(s, dates[i], 1);
      ASSERT_TRUE(c->post_assignments(b).ok());
    }
  }
  ASSERT_TRUE(c->withdraw_assignment("s2-2026-11-18-1").ok());
  ASSERT_TRUE(c->withdraw_assignment("s3-2026-11-23-1").ok());
  client::BreachQuery q;
  q.school_id = "s1";
  q.state = "OPEN";
  auto open = c->breaches(q);
  ASSERT_TRUE(open.ok() && open->breaches_size() > 0);
  pb::AcknowledgeRequest ack;
  ack.set_acknowledged_by("教育局督导科");
  ASSERT_TRUE(c->acknowledge(open->breaches(0).breach_id(), ack).ok());

  const auto alerts = feed(*c, "d1");
  ASSERT_GE(alerts.size(), 25u);
  std::set<std::string> events;
  for (const auto& a : alerts) events.insert(a.event());
  EXPECT_EQ(events, (std::set<std::string>{"OPENED", "RESOLVED", "ACKNOWLEDGED"}));

  ASSERT_TRUE(wait_delivered(receiver, alerts)) << "not every alert was delivered";
  const auto got = receiver.received();
  std::map<std::string, std::string> body_by_id;
  std::set<std::string> feed_ids;
  for (const auto& a : alerts) feed_ids.insert(a.alert_id());
  int failures = 0;
  for (const auto& r : got) {
    EXPECT_TRUE(delivery::verify_signature(kSecret, r.body, r.signature)) << r.alert_id;
    EXPECT_EQ(r.alert_id, r.alert.alert_id());
    EXPECT_TRUE(feed_ids.contains(r.alert_id)) << "not in d1's feed: " << r.alert_id;
    EXPECT_EQ(r.alert.district(), "d1");
    // A duplicate is a retry of the same alert: the same bytes.
    auto [it, fresh] = body_by_id.emplace(r.alert_id, r.body);
    if (!fresh) {
      EXPECT_EQ(it->second, r.body);
    }
    failures += r.answered != 200;
  }
  EXPECT_GT(failures, 0);  // the receiver did fail some attempts
  expect_order_per_school(got, alerts);
  EXPECT_TRUE(other_district.received().size() == feed(*c, "d2").size());

  // Nothing is left pending, and /metrics says so.
  auto raw = c->send_raw("GET", "/metrics", "", {});
  ASSERT_TRUE(raw.ok());
  for (int i = 0; i < 100 && raw->body.find("hwload_alert_deliveries_pending 0") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    raw = c->send_raw("GET", "/metrics", "", {});
  }
  EXPECT_NE(raw->body.find("hwload_alert_deliveries_pending 0"), std::string::npos) << raw->body;
  EXPECT_NE(raw->body.find("hwload_alert_oldest_undelivered_age_seconds 0"), std::string::npos);
  EXPECT_NE(raw->body.find("hwload_http_request_duration_seconds_bucket{route=\"/v1/assignments\""), std::string::npos);
}

TEST(Delivery, AFailingSchoolHoldsBackOnlyItsOwnAlerts) {
  WebhookReceiver::Options ro;
  ro.fail_school = "s1";
  WebhookReceiver receiver(ro);
  TestServer server(fast_delivery(), /*running_clock=*/true);
  auto c = server.client();
  register_school(*c, "s1", "d1");
  register_school(*c, "s2", "d1");
  subscribe(*c, "bureau-d1", "d1", receiver.url());
  for (const char* s : {"s1", "s2"}) {
    pb::AssignmentBatch b;
    *b.add_assignments() = written(s, "2026-11-16", 1);
    *b.add_assignments() = written(s, "2026-11-20", 1);
    ASSERT_TRUE(c->post_assignments(b).ok());
  }
  std::vector<pb::Alert> s2_alerts;
  for (const auto& a : feed(*c, "d1")) {
    if (a.breach().school_id() == "s2") s2_alerts.push_back(a);
  }
  ASSERT_EQ(s2_alerts.size(), 2u);
  ASSERT_TRUE(wait_delivered(receiver, s2_alerts, std::chrono::seconds(30)));
  // s1's first alert keeps failing, so its second was never attempted.
  std::set<int64_t> s1_seqs;
  for (const auto& r : receiver.received()) {
    if (r.alert.breach().school_id() == "s1") s1_seqs.insert(r.alert.seq());
  }
  EXPECT_EQ(s1_seqs.size(), 1u);

  receiver.set_options({});  // the endpoint recovers: s1's alerts follow, in order
  ASSERT_TRUE(wait_delivered(receiver, feed(*c, "d1"), std::chrono::seconds(30)));
  expect_order_per_school(receiver.received(), feed(*c, "d1"));
}

TEST(Delivery, ProtobufSubscribersGetOpenedAcknowledgedAndResolvedInOrder) {
  WebhookReceiver receiver({});
  TestServer server(fast_delivery(), /*running_clock=*/true);
  auto c = server.client();
  register_school(*c, "s1", "d1");
  subscribe(*c, "bureau-pb", "d1", receiver.url(), pb::PROTOBUF);
  pb::AssignmentBatch b;
  *b.add_assignments() = written("s1", "2026-11-16", 1);
  ASSERT_TRUE(c->post_assignments(b).ok());
  client::BreachQuery q;
  q.school_id = "s1";
  auto list = c->breaches(q);
  ASSERT_EQ(list->breaches_size(), 1);
  pb::AcknowledgeRequest ack;
  ack.set_acknowledged_by("王科长");
  ack.set_note("已责成学校整改");
  ASSERT_TRUE(c->acknowledge(list->breaches(0).breach_id(), ack).ok());
  ASSERT_TRUE(c->withdraw_assignment("s1-2026-11-16-1").ok());
  const auto alerts = feed(*c, "d1");
  ASSERT_EQ(alerts.size(), 3u);
  ASSERT_TRUE(wait_delivered(receiver, alerts, std::chrono::seconds(30)));
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].alert.event(), "OPENED");
  EXPECT_EQ(got[1].alert.event(), "ACKNOWLEDGED");
  EXPECT_EQ(got[1].alert.breach().acknowledged_by(), "王科长");
  EXPECT_EQ(got[2].alert.event(), "RESOLVED");
  EXPECT_EQ(got[2].alert.breach().state(), pb::RESOLVED);
  for (const auto& r : got) {
    EXPECT_EQ(r.content_type, "application/x-protobuf");
    EXPECT_TRUE(delivery::verify_signature(kSecret, r.body, r.signature));
  }
}

// An https receiver is verified: with its CA trusted (the `ca_file` setting) the
// alert arrives; without it every attempt fails the TLS handshake and stays pending.
TEST(Delivery, HttpsReceiversAreVerifiedAgainstTrustedCertificates) {
  TempDir certs;
  const std::string cert = (certs.path() / "receiver.pem").string();
  const std::string key = (certs.path() / "receiver.key").string();
  make_self_signed_cert(cert, key);
  WebhookReceiver::Options ro;
  ro.tls_cert_file = cert;
  ro.tls_key_file = key;
  WebhookReceiver receiver(ro);
  ASSERT_EQ(receiver.url().rfind("https://", 0), 0u);

  for (bool trusted : {true, false}) {
    app::Config config = fast_delivery();
    if (trusted) config.delivery_ca_file = cert;
    TestServer server(config, /*running_clock=*/true);
    auto c = server.client();
    register_school(*c, "s1", "d1");
    subscribe(*c, "bureau-tls", "d1", receiver.url());
    pb::AssignmentBatch b;
    *b.add_assignments() = written("s1", "2026-11-16", 1);
    ASSERT_TRUE(c->post_assignments(b).ok());
    const auto alerts = feed(*c, "d1");
    ASSERT_EQ(alerts.size(), 1u);
    if (trusted) {
      ASSERT_TRUE(wait_delivered(receiver, alerts, std::chrono::seconds(30)));
      const auto got = receiver.received();
      EXPECT_TRUE(delivery::verify_signature(kSecret, got.back().body, got.back().signature));
    } else {
      const size_t before = receiver.received().size();
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      EXPECT_EQ(receiver.received().size(), before);  // nothing got past the handshake
      auto metrics = c->send_raw("GET", "/metrics", "", {});
      ASSERT_TRUE(metrics.ok());
      EXPECT_NE(metrics->body.find("hwload_alert_deliveries_pending 1"), std::string::npos) << metrics->body;
    }
  }
}

}  // namespace
}  // namespace hwload::testing

namespace hwload::testing {
namespace {

// Which severities are pushed is a profile setting (graded handling, POLICY.md R7).
TEST(GradedAlerts, AProfileCanPushOnlySeriousBreachesOrWarningsToo) {
  auto kinds_alerted = [](analytics::Severity min) {
    app::Config config;
    analytics::PolicyProfile p = *analytics::ProfileSet().find("national");
    p.name = "graded";
    p.alert_min_severity = min;
    config.profiles.push_back(p);
    TestServer server(config);
    auto c = server.client();
    seed_school(*c, "graded");
    pb::AssignmentBatch b;
    *b.add_assignments() = assignment("w1", "c2", "2026-11-16", 10);  // WRITTEN_FORBIDDEN x3 -> REPEATED
    *b.add_assignments() = assignment("w2", "c2", "2026-11-17", 10);
    *b.add_assignments() = assignment("w3", "c2", "2026-11-18", 10);
    *b.add_assignments() = assignment("p1", "c5", "2026-11-18", 70);  // PLANNED_OVER_CAP (WARNING)
    EXPECT_TRUE(c->post_assignments(b).ok());
    std::multiset<std::string> kinds;
    auto page = c->alerts("", 100);
    for (const auto& a : page->alerts()) kinds.insert(pb::BreachKind_Name(a.breach().kind()));
    return kinds;
  };
  EXPECT_EQ(kinds_alerted(analytics::Severity::kSerious), (std::multiset<std::string>{"REPEATED"}));
  EXPECT_EQ(kinds_alerted(analytics::Severity::kBreach),
            (std::multiset<std::string>{"WRITTEN_FORBIDDEN", "WRITTEN_FORBIDDEN", "WRITTEN_FORBIDDEN", "REPEATED"}));
  EXPECT_EQ(kinds_alerted(analytics::Severity::kWarning),
            (std::multiset<std::string>{"WRITTEN_FORBIDDEN", "WRITTEN_FORBIDDEN", "WRITTEN_FORBIDDEN", "REPEATED",
                                        "PLANNED_OVER_CAP"}));
}

}  // namespace
}  // namespace hwload::testing

namespace hwload::testing {
namespace {

TEST(Subscriptions, UrlsTheSenderCannotUseAreRefused) {
  TestServer server;
  auto c = server.client();
  for (const char* url : {"http://host:abc/h", "http://user@host/h", "ftp://host/h", "http://", "http://h:70000/"}) {
    pb::Subscription s;
    s.set_subscription_id("b");
    s.set_district("d1");
    s.set_url(url);
    s.set_secret(kSecret);
    auto r = c->put_subscription(s);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().http_status, 400) << url;
    EXPECT_EQ(r.error().error.details(0).field(), "url") << url;
  }
}

TEST(GradedAlerts, RetriedAcknowledgementWritesOneAlertAndRetriedPostsStillWarn) {
  TestServer server;
  auto c = server.client();
  seed_school(*c);
  pb::AssignmentBatch b;
  *b.add_assignments() = assignment("w1", "c2", "2026-11-16", 10);
  ASSERT_EQ(c->post_assignments(b)->warnings_size(), 1);
  auto again = c->post_assignments(b);  // the same post, retried after a lost answer
  ASSERT_EQ(again->items(0).status(), pb::UNCHANGED);
  ASSERT_EQ(again->warnings_size(), 1);
  EXPECT_EQ(again->warnings(0).code(), pb::WRITTEN_FORBIDDEN);
  client::BreachQuery q;
  q.school_id = "s1";
  const std::string id = c->breaches(q)->breaches(0).breach_id();
  pb::AcknowledgeRequest ack;
  ack.set_acknowledged_by("王科长");
  ASSERT_TRUE(c->acknowledge(id, ack).ok());
  ASSERT_TRUE(c->acknowledge(id, ack).ok());
  EXPECT_EQ(c->alerts("", 100)->alerts_size(), 2);  // OPENED, ACKNOWLEDGED once
}

}  // namespace
}  // namespace hwload::testing
