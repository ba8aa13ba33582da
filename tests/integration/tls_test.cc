// TLS on the server's own listener, and the transport's per-address abuse limits:
// a whole server on port 0 driven through the SDK and raw sockets, with
// certificates made in the test.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "app/app.h"
#include "support/certs.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

// A raw TCP connection to 127.0.0.1:`port`, from `source` (any 127/8 address), with
// a 10 s receive timeout.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port, const char* source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  void send(const std::string& bytes) { (void)!::write(fd_, bytes.data(), bytes.size()); }
  // Everything until the peer closes (or the timeout).
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd_, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// One plain-HTTP GET on a new connection; the whole raw answer.
std::string raw_get(uint16_t port, const std::string& target, const char* source = "127.0.0.1") {
  RawConnection c(port, source);
  c.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n");
  return c.read_all();
}

int status_of(const std::string& raw) { return raw.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(raw.c_str() + 9) : 0; }

client::ClientOptions options_for(const TestServer& server) {
  client::ClientOptions o;
  o.base_url = server.url();
  o.token = server.operator_token();
  o.timeout = std::chrono::seconds(20);
  return o;
}

pb::School school_s1() {
  pb::School s;
  s.set_school_id("s1");
  s.set_name("第一实验学校");
  s.set_district("d1");
  s.set_profile("national");
  return s;
}

app::Config tls_config(const TestCerts& certs) {
  app::Config c;
  c.tls_cert_file = certs.server_cert;
  c.tls_key_file = certs.server_key;
  return c;
}

// ---- TLS ------------------------------------------------------------------------

TEST(Tls, SdkOverHttpsWithTheCaFileServesTypedCalls) {
  TempDir dir;
  const auto certs = make_test_certs(dir.path());
  TestServer server(tls_config(certs));
  server.set_ca_file(certs.ca_cert);
  ASSERT_EQ(server.url().rfind("https://127.0.0.1:", 0), 0u) << server.url();

  auto c = server.client();
  auto health = c->healthz();
  ASSERT_TRUE(health.ok()) << health.error().to_string();
  auto put = c->put_school(school_s1());
  ASSERT_TRUE(put.ok()) << put.error().to_string();
  // Further calls reuse the kept-alive TLS connection.
  for (int i = 0; i < 3; ++i) {
    auto got = c->get_school("s1");
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    EXPECT_EQ(got->name(), "第一实验学校");
  }
  // JSON on the wire works the same.
  auto json = server.client(client::Encoding::kJson)->get_school("s1");
  ASSERT_TRUE(json.ok()) << json.error().to_string();
  EXPECT_EQ(json->district(), "d1");
}

// Over the connection cap a TLS listener closes at once: a readable refusal would
// cost it a handshake per refused connection.
TEST(Tls, OverTheConnectionCapATlsConnectionIsClosedWithoutAHandshake) {
  TempDir dir;
  const auto certs = make_test_certs(dir.path());
  app::Config config = tls_config(certs);
  config.max_connections_per_address = 1;
  TestServer server(config);
  server.set_ca_file(certs.ca_cert);
  auto holder = server.client();
  ASSERT_TRUE(holder->healthz().ok());  // keeps its connection open
  auto refused = server.client()->healthz();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().http_status, 0) << refused.error().to_string();
  ASSERT_TRUE(holder->healthz().ok());  // the first connection is untouched
}

TEST(Tls, WithoutTheCaFileTheCallFailsVerificationAtOnceAndNothingIsStored) {
  TempDir dir;
  const auto certs = make_test_certs(dir.path());
  TestServer server(tls_config(certs));

  auto o = options_for(server);  // no ca_file: only the system's CAs, which never signed this
  o.max_attempts = 4;
  o.first_backoff = std::chrono::seconds(2);  // a retry would show in the elapsed time
  client::Client untrusting(o);
  const auto start = std::chrono::steady_clock::now();
  auto put = untrusting.put_school(school_s1());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().http_status, 0);
  EXPECT_EQ(put.error().error.code(), "CERTIFICATE_VERIFY_FAILED");
  EXPECT_NE(put.error().error.message().find("could not be verified"), std::string::npos) << put.error().to_string();
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500)) << "a verification failure must not be retried";

  server.set_ca_file(certs.ca_cert);
  auto got = server.client()->get_school("s1");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().http_status, 404) << got.error().to_string();
}

TEST(Tls, PlainHttpToTheTlsPortIsServedNothingInClear) {
  TempDir dir;
  const auto certs = make_test_certs(dir.path());
  TestServer server(tls_config(certs));

  const std::string raw = raw_get(server.port(), "/healthz");
  EXPECT_EQ(raw.find("HTTP/1."), std::string::npos) << raw;
  EXPECT_EQ(raw.find("ok"), std::string::npos) << raw;

  auto o = options_for(server);
  o.base_url = "http://127.0.0.1:" + std::to_string(server.port());
  o.max_attempts = 1;
  auto health = client::Client(o).healthz();
  ASSERT_FALSE(health.ok());
  EXPECT_EQ(health.error().http_status, 0) << health.error().to_string();

  // The listener is still serving https afterwards.
  server.set_ca_file(certs.ca_cert);
  auto again = server.client()->healthz();
  EXPECT_TRUE(again.ok()) << again.error().to_string();
}

TEST(Tls, CertificateForAnotherHostNameIsRefused) {
  TempDir dir;
  const auto certs = make_test_certs(dir.path(), "other", "DNS:other.example");
  TestServer server(tls_config(certs));
  server.set_ca_file(certs.ca_cert);  // trusted CA, wrong name: only the host check fails

  auto o = options_for(server);
  o.ca_file = certs.ca_cert;
  o.first_backoff = std::chrono::seconds(2);
  auto put = client::Client(o).put_school(school_s1());
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().http_status, 0);
  EXPECT_EQ(put.error().error.code(), "CERTIFICATE_VERIFY_FAILED");
  EXPECT_NE(put.error().error.message().find("could not be verified"), std::string::npos) << put.error().to_string();
  EXPECT_NE(put.error().error.message().find("not issued for 127.0.0.1"), std::string::npos) << put.error().to_string();
}

TEST(Tls, UnusableCertificateOrKeyFilesMakeStartThrowNamingTheFile) {
  TempDir dir;
  const auto certs = make_test_certs(dir.path());
  const auto other = make_test_certs(dir.path(), "other");
  const std::string garbage = (dir.path() / "garbage.pem").string();
  std::ofstream(garbage) << "not a certificate\n";
  const std::string missing = (dir.path() / "missing.pem").string();

  struct Case {
    std::string cert, key, named;
  };
  const Case cases[] = {
      {missing, certs.server_key, missing},                     // no such certificate file
      {garbage, certs.server_key, garbage},                     // not PEM
      {certs.server_cert, garbage, garbage},                    // key not PEM
      {certs.server_cert, other.server_key, other.server_key},  // key of another certificate
      {certs.server_cert, "", certs.server_cert},               // a certificate without a key
  };
  int n = 0;
  for (const auto& k : cases) {
    app::Config c;
    c.listen = "127.0.0.1:0";
    c.db = (dir.path() / ("db" + std::to_string(n++) + ".sqlite")).string();
    c.tls_cert_file = k.cert;
    c.tls_key_file = k.key;
    auto log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    app::App app(c, log);
    try {
      app.start();
      ADD_FAILURE() << "started with cert " << k.cert << " and key " << k.key;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(k.named), std::string::npos) << e.what();
    }
  }
}

// ---- per-address limits ---------------------------------------------------------

TEST(AbuseLimits, PerAddressRateAnswers429WithRetryAfterAndCountsHealthChecks) {
  app::Config config;
  config.per_address_rps = 1;
  config.per_address_burst = 3;
  TestServer server(config);
  auto o = options_for(server);
  o.max_attempts = 1;
  client::Client c(o);

  for (int i = 0; i < 3; ++i) {
    auto r = c.send_raw("GET", "/healthz", "", {});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->status, 200) << i;
  }
  // The fourth quick request from this address, on the same connection, is refused
  // but the connection stays open.
  auto r = c.send_raw("GET", "/healthz", "", {{"Accept", "application/json"}});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 429) << r->body;
  ASSERT_TRUE(r->headers.count("retry-after")) << r->body;
  EXPECT_GE(std::atoi(r->headers.at("retry-after").c_str()), 1);
  EXPECT_NE(r->body.find("RESOURCE_EXHAUSTED"), std::string::npos) << r->body;
  EXPECT_FALSE(r->headers.count("connection") && r->headers.at("connection") == "close");

  // The limit is the address's, whatever the connection (port) or route.
  EXPECT_EQ(status_of(raw_get(server.port(), "/healthz")), 429);
  auto typed = c.get_school("s1");
  ASSERT_FALSE(typed.ok());
  EXPECT_EQ(typed.error().http_status, 429) << typed.error().to_string();

  // Another address has its own bucket.
  EXPECT_EQ(status_of(raw_get(server.port(), "/healthz", "127.0.0.2")), 200);

  // After Retry-After, this address may go on.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto later = c.send_raw("GET", "/healthz", "", {});
  ASSERT_TRUE(later.ok()) << later.error().to_string();
  EXPECT_EQ(later->status, 200);
}

TEST(AbuseLimits, PerAddressConnectionCapAnswers503AndFreesSlotsOnClose) {
  app::Config config;
  config.max_connections_per_address = 2;
  TestServer server(config);

  auto first = std::make_unique<RawConnection>(server.port());
  RawConnection second(server.port());
  ASSERT_TRUE(first->connected() && second.connected());
  {
    RawConnection third(server.port());
    const std::string raw = third.read_all();  // answered at once, without a request
    EXPECT_EQ(status_of(raw), 503) << raw;
    EXPECT_NE(raw.find("Retry-After: 1"), std::string::npos) << raw;
  }
  // Another address is not affected.
  EXPECT_EQ(status_of(raw_get(server.port(), "/healthz", "127.0.0.2")), 200);

  // Closing one frees its slot (once the server has seen the close).
  first.reset();
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = status_of(raw_get(server.port(), "/healthz"));
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace hwload::testing
