// The hwload client SDK: one typed method per route of PRODUCT.md.
//
// A Client keeps one HTTP/1.1 keep-alive connection and is not thread-safe (use
// one per thread). Every call returns a Result: the decoded response, or an
// ApiError carrying the server's Error (code, message, field details) and the HTTP
// status, or a transport failure (status 0). Calls that are idempotent by the
// contract (PUTs, GETs, DELETE, and POSTs of assignments and timings, which carry
// client-chosen ids) are retried on connection failures, 429 and 503 with
// exponential backoff; acknowledging is retried too (it sets, not adds).
//
// Over https the server's certificate must chain to a trusted CA (the system's, or
// `ca_file`) and name the host of base_url; when it does not, calls fail at once
// (status 0, code CERTIFICATE_VERIFY_FAILED) and are not retried.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hwload/v1/hwload.pb.h"

namespace hwload::client {

namespace pb = ::hwload::v1;

enum class Encoding { kProtobuf, kJson };

struct ClientOptions {
  std::string base_url = "http://127.0.0.1:8080";  // http://HOST[:PORT] or https://HOST[:PORT] (80, 443)
  Encoding encoding = Encoding::kProtobuf;
  std::chrono::milliseconds timeout{30000};  // per attempt
  int max_attempts = 4;                      // for retried calls
  std::chrono::milliseconds first_backoff{100};
  // An access token (hwl_<id>_<secret>), sent as `Authorization: Bearer`; empty:
  // none. A header given to send_raw overrides it.
  std::string token;
  // PEM file of CAs trusted for https, in addition to the system's default ones.
  std::string ca_file;
};

struct ApiError {
  int http_status = 0;  // 0: no HTTP answer (connection or timeout failure)
  pb::Error error;
  std::string to_string() const;  // "404 NOT_FOUND: unknown school \"x\""
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(ApiError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<T>(v_); }
  T& value() { return std::get<T>(v_); }
  const T* operator->() const { return &value(); }
  const T& operator*() const { return value(); }
  const ApiError& error() const { return std::get<ApiError>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

struct Empty {};

// A raw HTTP exchange, for tools and tests that need to send what the typed
// methods never would (garbage bodies, odd headers).
struct RawResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

// The wire code under every typed call, for callers that bring their own transport
// (hwload-bench's asynchronous load generator): what a call sends, and what its
// answer means. The Client's methods are built on the same functions.
namespace wire {

// Where a base URL points: http://HOST[:PORT] or https://HOST[:PORT] (80, 443 by
// default; an IPv6 literal in brackets). `error` says why a URL cannot work.
struct Endpoint {
  bool tls = false;
  std::string host;
  std::string port;
  std::string error;
};
Endpoint parse_base_url(const std::string& base_url);

struct Request {
  std::string method;
  std::string target;  // path and query
  std::string body;    // encoded; empty for none
  std::map<std::string, std::string> headers;  // Accept, and Content-Type with a body
};

// `body` (null: none) encoded as `encoding`, with the headers that say so.
Request request(std::string method, std::string target, const google::protobuf::Message* body, Encoding encoding);
Request post_assignments(const pb::AssignmentBatch& batch, Encoding encoding);
Request post_timings(const pb::TimingBatch& batch, Encoding encoding);
Request class_load(const std::string& school_id, const std::string& class_id, const std::string& from,
                   const std::string& to, Encoding encoding);

// A 2xx answer decoded into `out` (null: nothing to decode) gives no error. Any other
// status gives the server's Error (or HTTP_<status> with the start of the body), and
// a 2xx body that does not decode gives BAD_RESPONSE.
std::optional<ApiError> decode(const RawResponse& raw, google::protobuf::Message* out);

}  // namespace wire

struct BreachQuery {
  std::string school_id, district, class_id, from, to, state;
  int grade = 0;
  int limit = 0;
};

struct ComplianceQuery {
  std::string district, school_id, from, to;
  int grade = 0;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result<pb::School> put_school(const pb::School& school);
  Result<pb::School> get_school(const std::string& school_id);
  Result<pb::Class> put_class(const pb::Class& klass);
  Result<pb::ClassList> list_classes(const std::string& school_id, int grade = 0);
  Result<pb::Calendar> put_calendar(const pb::Calendar& calendar);
  Result<pb::Calendar> get_calendar(const std::string& school_id);

  Result<pb::BatchResult> post_assignments(const pb::AssignmentBatch& batch);
  Result<pb::BatchResult> put_assignment(const pb::Assignment& assignment);
  Result<pb::Assignment> get_assignment(const std::string& assignment_id);
  Result<Empty> withdraw_assignment(const std::string& assignment_id);
  Result<pb::BatchResult> post_timings(const pb::TimingBatch& batch);

  Result<pb::ClassLoad> class_load(const std::string& school_id, const std::string& class_id, const std::string& from,
                                   const std::string& to);
  Result<pb::GradeWeek> grade_week(const std::string& school_id, int grade, const std::string& week);
  Result<pb::BreachList> breaches(const BreachQuery& query);
  Result<pb::Compliance> compliance(const ComplianceQuery& query);
  Result<pb::Breach> acknowledge(const std::string& breach_id, const pb::AcknowledgeRequest& request);

  Result<pb::AlertPage> alerts(const std::string& after, int limit = 100, const std::string& district = "");
  Result<pb::Subscription> put_subscription(const pb::Subscription& subscription);
  Result<pb::SubscriptionList> list_subscriptions(const std::string& district = "");

  // Disclosure notices. Publishing is safe to retry: unchanged content returns the
  // latest version instead of making a new one.
  Result<pb::Notice> publish_notice(const std::string& school_id, const pb::PublishNoticeRequest& request);
  Result<pb::Notice> get_notice(const std::string& school_id, const std::string& notice_id);
  Result<pb::NoticeList> list_notices(const std::string& school_id, int limit = 100);
  Result<pb::NoticeSchedule> put_notice_schedule(const pb::NoticeSchedule& schedule);
  Result<pb::NoticeSchedule> get_notice_schedule(const std::string& school_id);

  // The audit log of changes: a school admin reads its school's, a bureau its
  // district's, an operator everyone's. `after` is an AuditPage.next_after.
  Result<pb::AuditPage> audit(const std::string& school_id = "", const std::string& district = "", int64_t after = 0,
                              int limit = 100);

  Result<Empty> healthz();

  // Sends one request as given (no retries) and returns whatever came back.
  Result<RawResponse> send_raw(const std::string& method, const std::string& target, const std::string& body,
                               const std::map<std::string, std::string>& headers);

  // Percent-encodes a path segment or query value.
  static std::string escape(const std::string& s);

 private:
  template <typename Resp>
  Result<Resp> call(const std::string& method, const std::string& target, const google::protobuf::Message* body,
                    bool retry);
  template <typename Resp>
  Result<Resp> call(const wire::Request& request, bool retry);
  Result<RawResponse> exchange(const std::string& method, const std::string& target, const std::string& body,
                               const std::map<std::string, std::string>& headers);

  struct Connection;
  ClientOptions options_;
  std::string host_;
  std::string port_;
  std::unique_ptr<Connection> conn_;
};

// Helpers for building messages from text (the CLI, CSV import).
std::optional<pb::HomeworkType> parse_homework_type(const std::string& text);  // WRITTEN or 书面 ...
std::optional<pb::Tier> parse_tier(const std::string& text);                   // REQUIRED or 必做 ...
// A new assignment id: a time-ordered version-7 UUID, so that the server's index of
// assignment ids grows at its end.
std::string new_uuid();

}  // namespace hwload::client
