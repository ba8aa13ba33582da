// Access control for the API (issue 5): who is asking (a Bearer token, or a browser
// session of the /ui/ pages), whether they may do what they ask to what they ask
// it of, how fast they may ask, and the audit log of what they changed.
//
// Decisions are auth::authorize()'s (pure); this class looks up what it needs for
// them in the store: tokens, sessions, and the district, grade or class a request
// touches. Runs on the store thread, like every store user.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/policy.h"
#include "auth/rate_limit.h"
#include "core/clock.h"
#include "core/status.h"
#include "http/message.h"
#include "hwload/v1/hwload.pb.h"
#include "store/store.h"

namespace hwload::api {

namespace pb = ::hwload::v1;

struct AccessOptions {
  double per_token_rps = 50;  // 0: no per-token limit
  double per_token_burst = 200;
  bool metrics_public = false;
  std::chrono::minutes session_lifetime{720};
  bool secure_cookies = false;  // the listener speaks TLS: cookies get `Secure`
};

// What Api::prepare works out on the I/O thread (http::ServerOptions::prepare), so
// the store thread does not: the bearer token's id and its secret hashed, and the
// body decoded into the route's message.
struct PreparedRequest : http::Prepared {
  std::string token_id;                             // set when the Authorization header is a well-formed bearer token
  std::string secret_hash;                          // sha256 of its secret
  std::unique_ptr<google::protobuf::Message> body;  // null: the handler decodes (and reports errors)
  bool body_taken = false;                          // the handler used `body`
};

// Who is asking. No principal: nobody (no credentials were sent).
struct Caller {
  std::optional<auth::Principal> principal;
  std::string session_id;  // set when the principal came from a browser session
  std::string label;       // the token's label, for the pages
};

// Per-token request rates, shared by every Access of one server (the store
// thread's and each reader's), so a token has one budget whichever thread serves
// it. Thread-safe.
class TokenRates {
 public:
  explicit TokenRates(const AccessOptions& options);
  // Takes one request from the token's bucket; when it is empty, how long until it
  // is not.
  std::optional<std::chrono::seconds> take(const std::string& token_id);

 private:
  std::mutex mu_;
  auth::RateLimiter limiter_;
};

class Access {
 public:
  // `rates`: shared with the server's other Access objects; null: its own.
  Access(store::Store& store, const Clock& clock, AccessOptions options, TokenRates* rates = nullptr);

  const AccessOptions& options() const { return options_; }
  // For putting a change and its audit record in one transaction.
  store::Db& db() { return store_.db(); }
  // Schools in a district (empty: all), for a bureau's or operator's start page.
  std::vector<pb::School> schools(const std::string& district) { return store_.schools_in_district(district); }

  // The caller of `req`: from `Authorization: Bearer`, or else (when
  // `allow_session`) the session cookie. No credentials: a caller without a
  // principal. Credentials that are malformed, unknown, revoked or expired: 401.
  StatusOr<Caller> identify(const http::Request& req, bool allow_session);

  // Takes one request from the caller's token bucket; when it is empty, how long
  // until it is not.
  std::optional<std::chrono::seconds> over_rate(const Caller& caller);

  // What the request touches, looked up in the store. Whatever does not exist
  // gives a target with only the ids asked for (which lies in no scope but an
  // operator's, or a school role's own school).
  auth::Target school(const std::string& school_id);
  auth::Target klass(const std::string& school_id, const std::string& class_id);
  std::optional<auth::Target> assignment(const std::string& assignment_id);
  std::optional<auth::Target> breach(const std::string& breach_id);
  std::optional<auth::Target> subscription(const std::string& subscription_id);

  // Browser sessions. `login` takes a token as typed into the login page.
  struct Session {
    std::string id;
    std::string set_cookie;  // the Set-Cookie value
    auth::Principal principal;
  };
  // `secure`: the login came over TLS (its cookie then gets `Secure`).
  StatusOr<Session> login(std::string_view token, bool secure);
  void logout(const std::string& session_id);
  std::string clear_cookie() const;
  // The CSRF token the forms of `caller`'s pages carry; empty without a session.
  static std::string csrf(const Caller& caller);
  // Whether a form post of `caller` may change anything: a session's post must
  // carry its CSRF token; a Bearer caller's needs none (browsers never send one
  // on their own).
  static bool csrf_ok(const Caller& caller, std::string_view presented);

  // The audit log.
  void record(const Caller& caller, const http::Request& req, const std::string& route, const auth::Target& target,
              const std::string& what, int status);
  // A login attempt, with the token id presented (never the secret).
  void record_login(const http::Request& req, const std::string& token_id, const std::string& role, int status);
  pb::AuditPage audit(const std::string& school_id, const std::string& district, int64_t after, int limit);

 private:
  // The principal of a stored token: 401 when there is none, or it is revoked.
  static StatusOr<auth::Principal> principal_of(const std::optional<store::TokenRecord>& record);

  store::Store& store_;
  const Clock& clock_;
  AccessOptions options_;
  std::unique_ptr<TokenRates> own_rates_;
  TokenRates* rates_;
};

// Fills what `target` leaves open with the principal's own scope: a query of a
// school admin without a school is about its school, a bureau's is about its
// district, a grade leader's about its grade. Lists and feeds are narrowed this
// way before they are authorized and run.
void narrow_to_scope(const auth::Principal& principal, auth::Target& target);

}  // namespace hwload::api
