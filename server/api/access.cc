#include "api/access.h"

#include "auth/session.h"
#include "auth/token.h"

namespace hwload::api {
namespace {

Status unauthenticated(std::string message) { return Status(Code::kUnauthenticated, std::move(message)); }

int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

void narrow_to_scope(const auth::Principal& p, auth::Target& t) {
  switch (p.role) {
    case auth::Role::kOperator:
      return;
    case auth::Role::kBureau:
      if (t.district.empty()) t.district = p.district;
      return;
    case auth::Role::kGradeLeader:
      if (t.grade == 0) t.grade = p.grade;
      [[fallthrough]];
    case auth::Role::kSchoolAdmin:
    case auth::Role::kTeacher:
      if (t.school_id.empty()) t.school_id = p.school_id;
      return;
  }
}

TokenRates::TokenRates(const AccessOptions& options)
    : limiter_(options.per_token_rps, options.per_token_burst > 0 ? options.per_token_burst : 1) {}

std::optional<std::chrono::seconds> TokenRates::take(const std::string& token_id) {
  std::lock_guard lock(mu_);
  const auto verdict = limiter_.take(token_id, auth::RateLimiter::Clock::now());
  if (verdict.allowed) return std::nullopt;
  return verdict.retry_after;
}

Access::Access(store::Store& store, const Clock& clock, AccessOptions options, TokenRates* rates)
    : store_(store),
      clock_(clock),
      options_(options),
      own_rates_(rates ? nullptr : std::make_unique<TokenRates>(options)),
      rates_(rates ? rates : own_rates_.get()) {}

StatusOr<auth::Principal> Access::principal_of(const std::optional<store::TokenRecord>& record) {
  if (!record) return unauthenticated("the token is not known");
  if (!record->revoked_at.empty()) return unauthenticated("the token was revoked");
  auto role = auth::parse_role(record->role);
  if (!role) return unauthenticated("the token has no valid role");
  auth::Principal p;
  p.token_id = record->token_id;
  p.role = *role;
  p.district = record->district;
  p.school_id = record->school_id;
  p.grade = record->grade;
  p.classes.insert(record->classes.begin(), record->classes.end());
  return p;
}

StatusOr<Caller> Access::identify(const http::Request& req, bool allow_session) {
  Caller caller;
  if (!req.authorization.empty()) {
    // Hashed on the I/O thread when the request was prepared; here otherwise.
    const auto* prepared = dynamic_cast<const PreparedRequest*>(req.prepared.get());
    std::string token_id, digest;
    if (prepared && !prepared->token_id.empty()) {
      token_id = prepared->token_id;
      digest = prepared->secret_hash;
    } else if (auto presented = auth::parse_bearer(req.authorization)) {
      token_id = std::move(presented->token_id);
      digest = auth::sha256(presented->secret);
    } else {
      return unauthenticated("the Authorization header must be `Bearer hwl_<id>_<secret>`");
    }
    auto record = store_.token(token_id);
    // The same answer whether the id is unknown or the secret wrong, and the
    // secret is compared (in constant time) even when the id is unknown.
    const bool matches = auth::digest_matches(digest, record ? record->secret_hash : std::string(32, '\0'));
    if (!record || !matches) return unauthenticated("the token is not known");
    auto p = principal_of(record);
    if (!p.is_ok()) return p.status();
    caller.principal = std::move(*p);
    caller.label = record->label;
    return caller;
  }
  if (!allow_session) return caller;
  auto session_id = auth::cookie_value(req.cookie, auth::kSessionCookie);
  if (!session_id || session_id->empty()) return caller;
  auto session = store_.session(auth::sha256(*session_id));
  if (!session) return unauthenticated("the session has ended; log in again");
  if (session->second <= epoch_ms(clock_.now())) return unauthenticated("the session has expired; log in again");
  const auto record = store_.token(session->first);
  auto p = principal_of(record);
  if (!p.is_ok()) return unauthenticated("the session's token is no longer valid; log in again");
  caller.principal = std::move(*p);
  caller.session_id = *session_id;
  caller.label = record->label;
  return caller;
}

std::optional<std::chrono::seconds> Access::over_rate(const Caller& caller) {
  if (!caller.principal || options_.per_token_rps <= 0) return std::nullopt;
  return rates_->take(caller.principal->token_id);
}

auth::Target Access::school(const std::string& school_id) {
  auth::Target t;
  t.school_id = school_id;
  if (auto s = store_.school(school_id)) t.district = s->district();
  return t;
}

auth::Target Access::klass(const std::string& school_id, const std::string& class_id) {
  auth::Target t = school(school_id);
  t.class_id = class_id;
  if (auto k = store_.klass(school_id, class_id)) t.grade = k->grade();
  return t;
}

std::optional<auth::Target> Access::assignment(const std::string& assignment_id) {
  auto a = store_.assignment(assignment_id);
  if (!a) return std::nullopt;
  return klass(a->assignment.school_id(), a->assignment.class_id());
}

std::optional<auth::Target> Access::breach(const std::string& breach_id) {
  auto b = store_.breach(breach_id);
  if (!b) return std::nullopt;
  auth::Target t = school(b->school_id());
  t.class_id = b->class_id();
  t.grade = b->grade();
  return t;
}

std::optional<auth::Target> Access::subscription(const std::string& subscription_id) {
  auto s = store_.subscription(subscription_id);
  if (!s) return std::nullopt;
  auth::Target t;
  t.district = s->district();
  return t;
}

StatusOr<Access::Session> Access::login(std::string_view token, bool secure) {
  auto presented = auth::parse_token(token);
  if (!presented) return unauthenticated("that is not an hwload token (hwl_…)");
  auto record = store_.token(presented->token_id);
  const bool matches = auth::secret_matches(presented->secret, record ? record->secret_hash : std::string(32, '\0'));
  if (!record || !matches) return unauthenticated("the token is not known");
  auto p = principal_of(record);
  if (!p.is_ok()) return p.status();
  Session s;
  s.id = auth::new_session_id();
  s.principal = std::move(*p);
  const auto now = clock_.now();
  store_.insert_session(auth::sha256(s.id), s.principal.token_id, epoch_ms(now),
                        epoch_ms(now + options_.session_lifetime));
  s.set_cookie =
      auth::session_set_cookie(s.id, std::chrono::duration_cast<std::chrono::seconds>(options_.session_lifetime),
                               secure || options_.secure_cookies);
  return s;
}

void Access::logout(const std::string& session_id) {
  if (!session_id.empty()) store_.delete_session(auth::sha256(session_id));
}

std::string Access::clear_cookie() const { return auth::session_clear_cookie(options_.secure_cookies); }

std::string Access::csrf(const Caller& caller) {
  if (caller.session_id.empty()) return "";
  return auth::csrf_token(caller.session_id, "hwload csrf");
}

bool Access::csrf_ok(const Caller& caller, std::string_view presented) {
  if (caller.session_id.empty()) return true;
  return auth::csrf_matches(caller.session_id, "hwload csrf", presented);
}

void Access::record(const Caller& caller, const http::Request& req, const std::string& route,
                    const auth::Target& target, const std::string& what, int status) {
  store::AuditEntry e;
  e.at = format_rfc3339(clock_.now());
  if (caller.principal) {
    e.token_id = caller.principal->token_id;
    e.role = std::string(auth::role_name(caller.principal->role));
  }
  e.remote = req.remote;
  e.method = req.method;
  e.route = route;
  e.target = what.size() > 1000 ? what.substr(0, 1000) + "…" : what;
  e.school_id = target.school_id;
  // A bureau reads its district's entries: name the district of a school even when
  // the request only named the school.
  e.district =
      target.district.empty() && !target.school_id.empty() ? school(target.school_id).district : target.district;
  e.status = status;
  store_.insert_audit(e);
}

void Access::record_login(const http::Request& req, const std::string& token_id, const std::string& role, int status) {
  store::AuditEntry e;
  e.at = format_rfc3339(clock_.now());
  e.token_id = token_id;
  e.role = role;
  e.remote = req.remote;
  e.method = req.method;
  e.route = "/ui/login";
  e.target = "session";
  // Only attempts with a token that exists are kept: anyone can make up an id, and
  // the log is append-only.
  auto record = store_.token(token_id);
  if (!record) return;
  e.school_id = record->school_id;
  e.district = record->district.empty() ? school(record->school_id).district : record->district;
  e.status = status;
  store_.insert_audit(e);
}

pb::AuditPage Access::audit(const std::string& school_id, const std::string& district, int64_t after, int limit) {
  pb::AuditPage page;
  for (auto& e : store_.audit(school_id, district, after, limit + 1)) {
    if (page.entries_size() == limit) {
      page.set_next_after(page.entries(limit - 1).seq());
      break;
    }
    pb::AuditEntry& out = *page.add_entries();
    out.set_seq(e.seq);
    out.set_at(std::move(e.at));
    out.set_token_id(std::move(e.token_id));
    out.set_role(std::move(e.role));
    out.set_remote(std::move(e.remote));
    out.set_method(std::move(e.method));
    out.set_route(std::move(e.route));
    out.set_target(std::move(e.target));
    out.set_school_id(std::move(e.school_id));
    out.set_district(std::move(e.district));
    out.set_status(e.status);
  }
  return page;
}

}  // namespace hwload::api
