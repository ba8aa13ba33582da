#include "hwload/client/client.h"

#include "hwload/uuid.h"

#include <google/protobuf/util/json_util.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <thread>

namespace hwload::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection at a time, plain or TLS; a new stream for each connection (a TLS
// stream cannot be reused once closed).
struct Client::Connection {
  asio::io_context io;
  bool tls = false;
  std::optional<ssl::context> tls_context;
  std::string setup_error;  // set: the options cannot work (bad scheme, unreadable CA file)
  std::optional<beast::tcp_stream> plain;
  std::optional<TlsStream> secure;
  beast::flat_buffer buffer;
  bool open = false;

  void new_stream() {
    plain.reset();
    secure.reset();
    if (tls) {
      secure.emplace(io, *tls_context);
    } else {
      plain.emplace(io);
    }
  }
  beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  void close() {
    if (plain || secure) {
      beast::error_code ignored;
      tcp().socket().close(ignored);
    }
    open = false;
  }
  // The TLS handshake on a connected `secure` stream, checking the certificate
  // against `host`. Closes the connection and returns the error when it fails.
  std::optional<ApiError> handshake(const std::string& host, const std::string& port,
                                    std::chrono::milliseconds timeout);
};

namespace {

constexpr const char* kProtobufType = "application/x-protobuf";
constexpr const char* kJsonType = "application/json";
// Transport failures worth retrying; other codes of a status-0 error are not.
constexpr const char* kTransientCode = "UNAVAILABLE";
constexpr const char* kUnverifiedCode = "CERTIFICATE_VERIFY_FAILED";

ApiError transport_error(const std::string& what, const char* code = kTransientCode) {
  ApiError e;
  e.http_status = 0;
  e.error.set_code(code);
  e.error.set_message(what);
  return e;
}

bool is_ip_address(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Asio's host name check, recording a mismatch in the verify result so that the
// error can say what was wrong.
struct VerifyHost {
  ssl::host_name_verification check;
  bool ip;
  bool operator()(bool preverified, ssl::verify_context& ctx) {
    const bool ok = check(preverified, ctx);
    if (preverified && !ok) {
      X509_STORE_CTX_set_error(ctx.native_handle(), ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
    }
    return ok;
  }
};

bool is_protobuf(const std::string& content_type) { return content_type.rfind(kProtobufType, 0) == 0; }

bool parse_body(const RawResponse& raw, google::protobuf::Message& msg) {
  if (is_protobuf(raw.content_type)) return msg.ParseFromString(raw.body);
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;  // a newer server may add fields
  return google::protobuf::util::JsonStringToMessage(raw.body, &msg, o).ok();
}

ApiError error_of(const RawResponse& raw) {
  ApiError e;
  e.http_status = raw.status;
  if (!parse_body(raw, e.error) || e.error.code().empty()) {
    e.error.set_code("HTTP_" + std::to_string(raw.status));
    e.error.set_message(raw.body.substr(0, 200));
  }
  return e;
}

}  // namespace

std::string ApiError::to_string() const {
  std::string out = http_status ? std::to_string(http_status) + " " : std::string();
  out += error.code() + ": " + error.message();
  return out;
}

Client::Client(ClientOptions options) : options_(std::move(options)), conn_(std::make_unique<Connection>()) {
  Connection& c = *conn_;
  const wire::Endpoint at = wire::parse_base_url(options_.base_url);
  c.tls = at.tls;
  c.setup_error = at.error;
  host_ = at.host;
  port_ = at.port;
  if (c.tls) {
    c.tls_context.emplace(ssl::context::tls_client);
    c.tls_context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                               ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
    SSL_CTX_set_min_proto_version(c.tls_context->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    c.tls_context->set_default_verify_paths(ec);
    if (!options_.ca_file.empty()) {
      c.tls_context->load_verify_file(options_.ca_file, ec);
      if (ec) c.setup_error = "cannot read the CA file " + options_.ca_file + ": " + ec.message();
    }
    c.tls_context->set_verify_mode(ssl::verify_peer);
  }
}

Client::~Client() = default;

std::string Client::escape(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<RawResponse> Client::exchange(const std::string& method, const std::string& target, const std::string& body,
                                     const std::map<std::string, std::string>& headers) {
  Connection& c = *conn_;
  if (!c.setup_error.empty()) return transport_error(c.setup_error, "INVALID_ARGUMENT");
  for (int fresh = 0; fresh < 2; ++fresh) {
    const bool reused = c.open;
    beast::error_code ec;
    if (!c.open) {
      tcp::resolver resolver(c.io);
      auto endpoints = resolver.resolve(host_, port_, ec);
      if (ec) return transport_error("cannot resolve " + host_ + ": " + ec.message());
      c.new_stream();
      c.tcp().expires_after(options_.timeout);  // honoured by asynchronous operations only
      c.tcp().async_connect(endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
      c.io.restart();
      c.io.run();
      if (ec) {
        c.close();
        return transport_error("cannot connect to " + host_ + ":" + port_ + ": " + ec.message());
      }
      if (c.tls) {
        if (auto failed = c.handshake(host_, port_, options_.timeout)) return *failed;
      }
      c.open = true;
      c.buffer.clear();
    }
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, host_);
    req.set(bhttp::field::user_agent, "hwload-client/0.1");
    if (!options_.token.empty()) req.set(bhttp::field::authorization, "Bearer " + options_.token);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    // Sync Beast calls on a tcp_stream honour expires_after only through async ops,
    // so run them as async operations on the private io_context.
    c.tcp().expires_after(options_.timeout);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256ull * 1024 * 1024);
    beast::error_code wec, rec;
    auto write_then_read = [&](auto& stream) {
      bhttp::async_write(stream, req, [&](beast::error_code e, size_t) {
        wec = e;
        if (e) return;
        bhttp::async_read(stream, c.buffer, parser, [&](beast::error_code e2, size_t) { rec = e2; });
      });
    };
    if (c.secure) {
      write_then_read(*c.secure);
    } else {
      write_then_read(*c.plain);
    }
    c.io.restart();
    c.io.run();
    if (wec || rec) {
      c.close();
      // A kept-alive connection the server closed meanwhile: try once on a new one.
      if (reused && fresh == 0 &&
          (rec == bhttp::error::end_of_stream || rec == asio::error::connection_reset ||
           rec == ssl::error::stream_truncated || wec == asio::error::broken_pipe ||
           wec == asio::error::connection_reset)) {
        continue;
      }
      return transport_error(method + " " + target + ": " + (wec ? wec : rec).message());
    }
    auto& res = parser.get();
    RawResponse out;
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[bhttp::field::content_type]);
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out.headers[name] = std::string(f.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) c.close();
    return out;
  }
  return transport_error("connection closed");
}

std::optional<ApiError> Client::Connection::handshake(const std::string& host, const std::string& port,
                                                      std::chrono::milliseconds timeout) {
  const bool ip = is_ip_address(host);
  // SNI carries names only (RFC 6066); the certificate must name the host either way.
  if (!ip && !SSL_set_tlsext_host_name(secure->native_handle(), host.c_str())) {
    close();
    return transport_error("TLS: cannot set the server name " + host, "INVALID_ARGUMENT");
  }
  secure->set_verify_callback(VerifyHost{ssl::host_name_verification(host), ip});
  beast::error_code ec;
  tcp().expires_after(timeout);
  secure->async_handshake(ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
  io.restart();
  io.run();
  if (!ec) return std::nullopt;
  const long verify = SSL_get_verify_result(secure->native_handle());
  close();
  const bool unverified = verify != X509_V_OK ||
                          (ec.category() == asio::error::get_ssl_category() &&
                           ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED);
  if (unverified) {
    std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ec.message();
    std::string hint = verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH
                           ? "; it is not issued for " + host
                           : "; is its CA trusted (the system's, or the CA file)?";
    return transport_error("the certificate of " + host + ":" + port + " could not be verified: " + why + hint,
                           kUnverifiedCode);
  }
  return transport_error("TLS handshake with " + host + ":" + port + " failed: " + ec.message());
}

Result<RawResponse> Client::send_raw(const std::string& method, const std::string& target, const std::string& body,
                                     const std::map<std::string, std::string>& headers) {
  return exchange(method, target, body, headers);
}

namespace wire {

Endpoint parse_base_url(const std::string& base_url) {
  Endpoint at;
  std::string url = base_url;
  if (url.rfind("https://", 0) == 0) {
    at.tls = true;
    url = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    url = url.substr(7);
  } else if (url.find("://") != std::string::npos) {
    at.error = "unsupported URL scheme in " + base_url + " (use http:// or https://)";
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  const auto colon = url.rfind(':');
  if (colon == std::string::npos || url.back() == ']') {  // no port (an IPv6 literal has colons)
    at.host = url;
    at.port = at.tls ? "443" : "80";
  } else {
    at.host = url.substr(0, colon);
    at.port = url.substr(colon + 1);
  }
  if (at.host.size() > 2 && at.host.front() == '[') at.host = at.host.substr(1, at.host.size() - 2);
  return at;
}

Request request(std::string method, std::string target, const google::protobuf::Message* body, Encoding encoding) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  const bool pbuf = encoding == Encoding::kProtobuf;
  r.headers["Accept"] = pbuf ? kProtobufType : kJsonType;
  if (body) {
    r.headers["Content-Type"] = pbuf ? kProtobufType : kJsonType;
    if (pbuf) {
      body->SerializeToString(&r.body);
    } else {
      (void)google::protobuf::util::MessageToJsonString(*body, &r.body);
    }
  }
  return r;
}

std::optional<ApiError> decode(const RawResponse& raw, google::protobuf::Message* out) {
  if (raw.status < 200 || raw.status >= 300) return error_of(raw);
  if (out && !raw.body.empty() && !parse_body(raw, *out)) {
    ApiError e;
    e.http_status = raw.status;
    e.error.set_code("BAD_RESPONSE");
    e.error.set_message("cannot decode the server's " + out->GetTypeName());
    return e;
  }
  return std::nullopt;
}

}  // namespace wire

template <typename Resp>
Result<Resp> Client::call(const std::string& method, const std::string& target, const google::protobuf::Message* body,
                          bool retry) {
  return call<Resp>(wire::request(method, target, body, options_.encoding), retry);
}

template <typename Resp>
Result<Resp> Client::call(const wire::Request& req, bool retry) {
  const int attempts = retry ? std::max(1, options_.max_attempts) : 1;
  auto backoff = options_.first_backoff;
  std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    auto raw = exchange(req.method, req.target, req.body, req.headers);
    const bool transient =
        raw.ok() ? raw->status == 503 || raw->status == 429 : raw.error().error.code() == kTransientCode;
    if (transient && attempt < attempts) {
      auto wait = backoff + std::chrono::milliseconds(jitter() % (backoff.count() + 1));
      if (raw.ok()) {
        if (auto it = raw->headers.find("retry-after"); it != raw->headers.end()) {
          const int secs = std::atoi(it->second.c_str());
          if (secs > 0 && secs <= 30) wait = std::chrono::seconds(secs);
        }
      }
      std::this_thread::sleep_for(wait);
      backoff *= 2;
      continue;
    }
    if (!raw.ok()) return raw.error();
    if constexpr (std::is_same_v<Resp, Empty>) {
      if (auto e = wire::decode(*raw, nullptr)) return *e;
      return Empty{};
    } else {
      Resp msg;
      if (auto e = wire::decode(*raw, &msg)) return *e;
      return msg;
    }
  }
}

namespace {
std::string query(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    out += out.empty() ? "?" : "&";
    out += k;
    out += "=";
    out += Client::escape(v);
  }
  return out;
}
std::string num(int v) { return v ? std::to_string(v) : std::string(); }
}  // namespace

namespace wire {
Request post_assignments(const pb::AssignmentBatch& batch, Encoding encoding) {
  return request("POST", "/v1/assignments", &batch, encoding);
}
Request post_timings(const pb::TimingBatch& batch, Encoding encoding) {
  return request("POST", "/v1/timings", &batch, encoding);
}
Request class_load(const std::string& school_id, const std::string& class_id, const std::string& from,
                   const std::string& to, Encoding encoding) {
  return request("GET",
                 "/v1/schools/" + Client::escape(school_id) + "/classes/" + Client::escape(class_id) + "/load" +
                     query({{"from", from}, {"to", to}}),
                 nullptr, encoding);
}
}  // namespace wire

Result<pb::School> Client::put_school(const pb::School& s) {
  return call<pb::School>("PUT", "/v1/schools/" + escape(s.school_id()), &s, true);
}
Result<pb::School> Client::get_school(const std::string& id) {
  return call<pb::School>("GET", "/v1/schools/" + escape(id), nullptr, true);
}
Result<pb::Class> Client::put_class(const pb::Class& c) {
  return call<pb::Class>("PUT", "/v1/schools/" + escape(c.school_id()) + "/classes/" + escape(c.class_id()), &c, true);
}
Result<pb::ClassList> Client::list_classes(const std::string& school_id, int grade) {
  return call<pb::ClassList>("GET", "/v1/schools/" + escape(school_id) + "/classes" + query({{"grade", num(grade)}}),
                             nullptr, true);
}
Result<pb::Calendar> Client::put_calendar(const pb::Calendar& c) {
  return call<pb::Calendar>("PUT", "/v1/schools/" + escape(c.school_id()) + "/calendar", &c, true);
}
Result<pb::Calendar> Client::get_calendar(const std::string& school_id) {
  return call<pb::Calendar>("GET", "/v1/schools/" + escape(school_id) + "/calendar", nullptr, true);
}
Result<pb::BatchResult> Client::post_assignments(const pb::AssignmentBatch& b) {
  return call<pb::BatchResult>(wire::post_assignments(b, options_.encoding), true);
}
Result<pb::BatchResult> Client::put_assignment(const pb::Assignment& a) {
  return call<pb::BatchResult>("PUT", "/v1/assignments/" + escape(a.assignment_id()), &a, true);
}
Result<pb::Assignment> Client::get_assignment(const std::string& id) {
  return call<pb::Assignment>("GET", "/v1/assignments/" + escape(id), nullptr, true);
}
Result<Empty> Client::withdraw_assignment(const std::string& id) {
  return call<Empty>("DELETE", "/v1/assignments/" + escape(id), nullptr, true);
}
Result<pb::BatchResult> Client::post_timings(const pb::TimingBatch& b) {
  return call<pb::BatchResult>(wire::post_timings(b, options_.encoding), true);
}
Result<pb::ClassLoad> Client::class_load(const std::string& s, const std::string& c, const std::string& from,
                                         const std::string& to) {
  return call<pb::ClassLoad>(wire::class_load(s, c, from, to, options_.encoding), true);
}
Result<pb::GradeWeek> Client::grade_week(const std::string& s, int grade, const std::string& week) {
  return call<pb::GradeWeek>(
      "GET", "/v1/schools/" + escape(s) + "/grades/" + std::to_string(grade) + "/weeks/" + escape(week), nullptr, true);
}
Result<pb::BreachList> Client::breaches(const BreachQuery& q) {
  return call<pb::BreachList>("GET",
                              "/v1/breaches" + query({{"school_id", q.school_id},
                                                      {"district", q.district},
                                                      {"class_id", q.class_id},
                                                      {"grade", num(q.grade)},
                                                      {"from", q.from},
                                                      {"to", q.to},
                                                      {"state", q.state},
                                                      {"limit", num(q.limit)}}),
                              nullptr, true);
}
Result<pb::Compliance> Client::compliance(const ComplianceQuery& q) {
  return call<pb::Compliance>("GET",
                              "/v1/compliance" + query({{"district", q.district},
                                                        {"school_id", q.school_id},
                                                        {"grade", num(q.grade)},
                                                        {"from", q.from},
                                                        {"to", q.to}}),
                              nullptr, true);
}
Result<pb::Breach> Client::acknowledge(const std::string& breach_id, const pb::AcknowledgeRequest& r) {
  return call<pb::Breach>("POST", "/v1/breaches/" + escape(breach_id) + ":acknowledge", &r, true);
}
Result<pb::AlertPage> Client::alerts(const std::string& after, int limit, const std::string& district) {
  return call<pb::AlertPage>(
      "GET", "/v1/alerts" + query({{"after", after}, {"limit", num(limit)}, {"district", district}}), nullptr, true);
}
Result<pb::AuditPage> Client::audit(const std::string& school_id, const std::string& district, int64_t after,
                                    int limit) {
  return call<pb::AuditPage>("GET",
                             "/v1/audit" + query({{"school_id", school_id},
                                                  {"district", district},
                                                  {"after", after ? std::to_string(after) : std::string()},
                                                  {"limit", num(limit)}}),
                             nullptr, true);
}
Result<pb::Subscription> Client::put_subscription(const pb::Subscription& s) {
  return call<pb::Subscription>("PUT", "/v1/subscriptions/" + escape(s.subscription_id()), &s, true);
}
Result<pb::SubscriptionList> Client::list_subscriptions(const std::string& district) {
  return call<pb::SubscriptionList>("GET", "/v1/subscriptions" + query({{"district", district}}), nullptr, true);
}
Result<pb::Notice> Client::publish_notice(const std::string& s, const pb::PublishNoticeRequest& r) {
  return call<pb::Notice>("POST", "/v1/schools/" + escape(s) + "/notices", &r, true);
}
Result<pb::Notice> Client::get_notice(const std::string& s, const std::string& notice_id) {
  return call<pb::Notice>("GET", "/v1/schools/" + escape(s) + "/notices/" + escape(notice_id), nullptr, true);
}
Result<pb::NoticeList> Client::list_notices(const std::string& s, int limit) {
  return call<pb::NoticeList>("GET", "/v1/schools/" + escape(s) + "/notices" + query({{"limit", num(limit)}}), nullptr,
                              true);
}
Result<pb::NoticeSchedule> Client::put_notice_schedule(const pb::NoticeSchedule& schedule) {
  return call<pb::NoticeSchedule>("PUT", "/v1/schools/" + escape(schedule.school_id()) + "/notice-schedule", &schedule,
                                  true);
}
Result<pb::NoticeSchedule> Client::get_notice_schedule(const std::string& s) {
  return call<pb::NoticeSchedule>("GET", "/v1/schools/" + escape(s) + "/notice-schedule", nullptr, true);
}
Result<Empty> Client::healthz() { return call<Empty>("GET", "/healthz", nullptr, true); }

std::optional<pb::HomeworkType> parse_homework_type(const std::string& text) {
  static const std::map<std::string, pb::HomeworkType> kNames = {
      {"WRITTEN", pb::WRITTEN},   {"书面", pb::WRITTEN},     {"READING", pb::READING},   {"阅读", pb::READING},
      {"PRACTICE", pb::PRACTICE}, {"实践", pb::PRACTICE},    {"PHYSICAL", pb::PHYSICAL}, {"体育", pb::PHYSICAL},
      {"体育锻炼", pb::PHYSICAL}, {"ARTS", pb::ARTS},        {"艺术", pb::ARTS},         {"INQUIRY", pb::INQUIRY},
      {"探究", pb::INQUIRY},      {"科学探究", pb::INQUIRY}, {"LABOR", pb::LABOR},       {"劳动", pb::LABOR},
      {"OTHER", pb::OTHER},       {"其他", pb::OTHER}};
  std::string key = text;
  for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto it = kNames.find(key); it != kNames.end()) return it->second;
  if (auto it = kNames.find(text); it != kNames.end()) return it->second;
  return std::nullopt;
}

std::optional<pb::Tier> parse_tier(const std::string& text) {
  static const std::map<std::string, pb::Tier> kNames = {{"", pb::REQUIRED},     {"REQUIRED", pb::REQUIRED},
                                                         {"必做", pb::REQUIRED}, {"OPTIONAL", pb::OPTIONAL},
                                                         {"选做", pb::OPTIONAL}, {"拓展", pb::OPTIONAL}};
  std::string key = text;
  for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto it = kNames.find(key); it != kNames.end()) return it->second;
  if (auto it = kNames.find(text); it != kNames.end()) return it->second;
  return std::nullopt;
}

std::string new_uuid() {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^
                                          (static_cast<uint64_t>(std::random_device{}()) << 32));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  const uint64_t rand_hi = rng();
  return format_uuid_v7(static_cast<uint64_t>(ms), rand_hi, rng());
}

}  // namespace hwload::client
