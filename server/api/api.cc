#include "api/api.h"

#include <charconv>
#include <cstdio>
#include <algorithm>
#include <set>

#include "auth/token.h"
#include "http/codec.h"
#include "notices/pages.h"
#include "store/sqlite.h"

namespace hwload::api {
namespace {

namespace pb = ::hwload::v1;
using http::Params;
using http::Request;
using http::Response;

// The largest body Api::prepare decodes ahead (see there).
constexpr size_t kPrepareBodyLimit = 64 * 1024;

constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

template <typename T>
Response reply(const Request& req, const StatusOr<T>& result, int status = 200) {
  if (!result.is_ok()) return http::respond_error(req, result.status());
  return http::respond(req, *result, status);
}

// The request's body as a T: taken from what prepare() decoded on the I/O thread
// (once: a request is handled once), or parsed here.
template <typename T>
StatusOr<T> decoded(const Request& req) {
  if (auto* prepared = dynamic_cast<PreparedRequest*>(req.prepared.get()); prepared && prepared->body) {
    std::unique_ptr<google::protobuf::Message> body = std::move(prepared->body);
    if (auto* msg = dynamic_cast<T*>(body.get())) {
      prepared->body_taken = true;
      return std::move(*msg);
    }
  }
  T msg;
  if (Status st = http::decode(req, msg); !st.is_ok()) return st;
  return msg;
}

// A route's body type, for prepare().
template <typename T>
const google::protobuf::Message* body_of() {
  return &T::default_instance();
}

std::string param(const Request& req, const std::string& name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? std::string() : it->second;
}

// An integer query parameter; `fallback` when absent.
template <typename Int = int>
StatusOr<Int> int_param(const Request& req, const std::string& name, Int fallback) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return fallback;
  Int v = 0;
  const auto& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return Status::invalid(name, "must be an integer");
  return v;
}

StatusOr<int> grade_of(const std::string& text) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 1 || v > 9) {
    return Status::invalid("grade", "must be an integer between 1 and 9");
  }
  return v;
}

// Headers of every HTML page: no scripts may run, forms post only to us.
void html_headers(Response& res) {
  res.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Referrer-Policy", "same-origin");
}

Response html(std::string body, int status = 200) {
  Response res;
  res.status = status;
  res.content_type = "text/html; charset=utf-8";
  res.body = std::move(body);
  html_headers(res);
  return res;
}

// An error on an HTML route: the same status, as a page a person can read.
Response html_error(const Status& st) {
  const int status = http::http_status(st.code());
  return html(notices::render_error_page(status, st.message()), status);
}

}  // namespace

struct Exchange {
  const Request& req;
  const Params& params;
  const std::string& route;  // the route's pattern
  Access& access;
  Caller caller;
  // What the audit log says the request was about: the last target authorized,
  // and the resource (the path, or a summary of a batch).
  auth::Target target;
  std::string what;

  const std::string& p(const char* name) const { return params.at(name); }
  const auth::Principal& who() const { return *caller.principal; }

  // Whether the caller may do `action` to `t`: OK; 404 with `not_found` when `t`
  // lies outside the caller's scope (it must not learn that `t` exists); 403 when
  // it lies inside but the role may not do that.
  Status allow(auth::Action action, const auth::Target& t, const Status& not_found) {
    target = t;
    switch (auth::authorize(who(), action, t)) {
      case auth::Decision::kAllow:
        return {};
      case auth::Decision::kNotFound:
        return not_found;
      case auth::Decision::kForbidden:
        break;
    }
    return forbidden();
  }
  // For a route under /v1/schools/{school_id}: `action` on that school.
  Status allow_school(auth::Action action) {
    const std::string& id = p("school_id");
    return allow(action, access.school(id), core::unknown_school(id));
  }
  // For a list, a feed or a query: what it leaves open is first narrowed to the
  // caller's scope (a bureau's breaches are its district's), then authorized.
  Status allow_query(auth::Action action, auth::Target& t, const Status& not_found) {
    narrow_to_scope(who(), t);
    return allow(action, t, not_found);
  }
  // For where a change would put something (a school's new district, an
  // assignment's new class): outside the scope is 403, since the caller named it.
  Status allow_into(auth::Action action, const auth::Target& t, const std::string& what_it_is) {
    const Status st = allow(action, t, Status::not_found(""));
    if (st.code() == Code::kNotFound) {
      return Status(Code::kPermissionDenied, what_it_is + " lies outside this token's scope");
    }
    return st;
  }
  Status forbidden() const {
    return Status(Code::kPermissionDenied, "a " + std::string(auth::role_name(who().role)) + " token may not " +
                                               req.method + " " + route);
  }
};

namespace {

template <typename T>
Response reply(Exchange& ex, const StatusOr<T>& result, int status = 200) {
  return reply(ex.req, result, status);
}
Response fail(Exchange& ex, const Status& st) { return http::respond_error(ex.req, st); }

// The audit log's line for a batch: its ids, and what became of them.
std::string batch_summary(const char* kind, const pb::BatchResult& result, bool validate_only) {
  int stored = 0, rejected = 0;
  std::string ids;
  for (const auto& item : result.items()) {
    (item.status() == pb::REJECTED ? rejected : stored) += 1;
    if (ids.size() < 600) ids += (ids.empty() ? "" : " ") + item.id();
  }
  if (validate_only) {
    return std::to_string(result.items_size()) + " " + kind + " checked, nothing stored (" + std::to_string(stored) +
           " acceptable, " + std::to_string(rejected) + " rejected): " + ids;
  }
  return std::to_string(result.items_size()) + " " + kind + " (" + std::to_string(stored) + " stored, " +
         std::to_string(rejected) + " rejected): " + ids;
}

// A batch of an operator names no school in its target: when all its items are of
// one school, the audit log files it under that school (and its district).
void attribute_to_school(Exchange& ex, Access& acc, const std::set<std::string>& schools) {
  if (ex.target.school_id.empty() && schools.size() == 1) ex.target = acc.school(*schools.begin());
}

// Refuses batch items whose class lies outside the caller's scope.
core::ItemGate class_gate(Exchange& ex) {
  return [&ex](const std::string& school_id, const std::string& class_id) -> Status {
    const auth::Target t = ex.access.klass(school_id, class_id);
    if (auth::authorize(ex.who(), auth::Action::kWriteAssignment, t) == auth::Decision::kAllow) return {};
    return Status(Code::kPermissionDenied,
                  "class \"" + class_id + "\" of school \"" + school_id + "\" is outside this token's scope");
  };
}

// What a query for a school or district outside the caller's scope answers: that
// it does not exist.
Status unknown_scope(const std::string& school_id, const std::string& district) {
  if (!school_id.empty()) return core::unknown_school(school_id);
  return Status::not_found("unknown district \"" + district + "\"");
}

// The target of a resource that exists; for one that does not, the caller's own
// scope, so that the role decides (403) and the service then says it is unknown.
auth::Target exists_or_any(const Exchange& ex, std::optional<auth::Target> existing) {
  if (existing) return *existing;
  auth::Target t;
  narrow_to_scope(ex.who(), t);
  return t;
}

// A login page's `next`: only a path of our own pages, so the login cannot be used
// to send someone elsewhere.
std::string safe_next(const std::string& next) {
  const bool control = std::any_of(next.begin(), next.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;  // CR/LF would split the header
  });
  if (control || next.rfind("/ui/", 0) != 0 || next.find("//") != std::string::npos ||
      next.find('\\') != std::string::npos) {
    return "/ui/";
  }
  return next;
}

Response redirect(std::string location) {
  Response res;
  res.status = 303;
  res.headers.emplace_back("Location", std::move(location));
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

std::map<std::string, std::string> form_of(const Request& req, Status& st) {
  std::map<std::string, std::string> form;
  if (req.content_type.rfind("application/x-www-form-urlencoded", 0) != 0) {
    st = Status(Code::kUnsupportedMediaType, "the form must be sent as application/x-www-form-urlencoded");
  } else if (!http::parse_query(req.body, form)) {
    st = Status::invalid("body", "malformed form encoding");
  }
  return form;
}

// The weekly review of a /ui/ week route (grade and week from the path), once the
// caller may read that grade's week; `t` is set to the grade's target.
StatusOr<notices::WeekReview> allowed_review(Exchange& ex, Access& acc, core::Service& svc, auth::Target& t) {
  auto grade = grade_of(ex.p("grade"));
  if (!grade.is_ok()) return grade.status();
  t = acc.school(ex.p("school_id"));
  t.grade = *grade;
  if (Status st = ex.allow(auth::Action::kReadGradeWeek, t, core::unknown_school(t.school_id)); !st.is_ok()) return st;
  return svc.week_review(t.school_id, *grade, ex.p("week"));
}

// Who acknowledged, when they did not say: the token's label, or its role and id.
std::string acknowledger(const Caller& caller) {
  if (!caller.label.empty()) return caller.label;
  return std::string(auth::role_name(caller.principal->role)) + " " + caller.principal->token_id;
}

notices::Viewer viewer_of(const Caller& caller) {
  notices::Viewer v;
  if (!caller.principal) return v;
  v.label = caller.label;
  v.role = std::string(auth::role_name(caller.principal->role));
  v.csrf = Access::csrf(caller);
  return v;
}

}  // namespace

void Metrics::observe(const std::string& route, const std::string& method, int status,
                      std::chrono::nanoseconds elapsed) {

  const double secs = std::chrono::duration<double>(elapsed).count();
  std::lock_guard lock(mu_);
  requests_[{route, method, status}] += 1;
  Series& s = latency_[{route, method}];
  s.count += 1;
  s.sum_seconds += secs;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (secs <= kBuckets[i]) s.buckets[i] += 1;
  }
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  char buf[512];
  out += "# HELP hwload_http_requests_total HTTP requests by route, method and status.\n";
  out += "# TYPE hwload_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    std::snprintf(buf, sizeof buf, "hwload_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %lld\n",
                  route.c_str(), method.c_str(), status, n);
    out += buf;
  }
  out += "# HELP hwload_http_request_duration_seconds Time to handle a request, by route.\n";
  out += "# TYPE hwload_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : latency_) {
    const auto& [route, method] = key;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      std::snprintf(buf, sizeof buf,
                    "hwload_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %lld\n",
                    route.c_str(), method.c_str(), kBuckets[i], s.buckets[i]);
      out += buf;
    }
    std::snprintf(buf, sizeof buf,
                  "hwload_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %lld\n"
                  "hwload_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n"
                  "hwload_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %lld\n",
                  route.c_str(), method.c_str(), s.count, route.c_str(), method.c_str(), s.sum_seconds, route.c_str(),
                  method.c_str(), s.count);
    out += buf;
  }
  out +=
      "# HELP hwload_http_prepared_bodies_total Request bodies decoded on an I/O thread before the hand-off "
      "and used by their handler.\n";
  out += "# TYPE hwload_http_prepared_bodies_total counter\n";
  out += "hwload_http_prepared_bodies_total " + std::to_string(prepared_bodies_.load()) + "\n";
  return out;
}

Api::Api(core::Service& service, Access& access, std::function<std::string()> extra_metrics, Metrics* metrics)
    : service_(service),
      access_(access),
      extra_metrics_(std::move(extra_metrics)),
      metrics_(metrics ? metrics : &own_metrics_) {
  add_routes();
}

http::Response Api::handle(const Request& req) {
  const auto start = std::chrono::steady_clock::now();
  const auto m = router_.match(req.method, req.path);
  Response res;
  std::string route = "unmatched";
  if (m.handler) {
    route = *m.pattern;
    Exchange ex{req, m.params, *m.pattern, access_, {}, {}, req.path};
    try {
      // A change and its audit record are one transaction: the log holds exactly
      // what was done, and the refusals.
      std::optional<store::Transaction> tx;
      if (req.may_change()) tx.emplace(access_.db());
      res = admit(ex, *m.handler);
      if (const auto* prepared = dynamic_cast<const PreparedRequest*>(req.prepared.get());
          prepared && prepared->body_taken) {
        metrics_->count_prepared_body();
      }
      if (tx) {
        if (ex.caller.principal) access_.record(ex.caller, req, route, ex.target, ex.what, res.status);
        tx->commit();
      }
    } catch (const store::StoreError& e) {
      res = http::respond_error(req, Status(Code::kUnavailable, "storage is unavailable; nothing was stored"));
    }
  } else if (m.method_mismatch) {
    res = http::respond_error(req, Status(Code::kMethodNotAllowed, req.method + " is not allowed on " + req.path));
    res.headers.emplace_back("Allow", m.allowed);
  } else {
    res = http::respond_error(req, Status::not_found("no route " + req.method + " " + req.path));
  }
  metrics_->observe(route, req.method, res.status, std::chrono::steady_clock::now() - start);
  return res;
}

void Api::prepare(Request& req) const {
  auto prepared = std::make_shared<PreparedRequest>();
  if (auto presented = auth::parse_bearer(req.authorization)) {
    prepared->token_id = std::move(presented->token_id);
    prepared->secret_hash = auth::sha256(presented->secret);
  }
  // Only a small body of a request that presents a token is decoded ahead. A
  // request without a token is refused before its body is read for meaning, and a
  // large body waits until the store thread has checked the token: anyone can send
  // a token of the right shape, and decoding megabytes for them here would hold up
  // the I/O thread's other connections.
  if (!prepared->token_id.empty() && req.body.size() <= kPrepareBodyLimit) {
    if (const auto m = router_.match(req.method, req.path); m.handler && m.handler->body) {
      std::unique_ptr<google::protobuf::Message> body(m.handler->body->New());
      // A body that does not decode is left to the handler, which answers for it.
      if (http::decode(req, *body).is_ok()) prepared->body = std::move(body);
    }
  }
  req.prepared = std::move(prepared);
}

// Who is asking, whether they may ask at all, and how often: then the route.
Response Api::admit(Exchange& ex, const Route& route) {
  const Request& req = ex.req;
  if (route.gate == Gate::kPublic) return route.handler(ex);
  auto caller = access_.identify(req, route.gate == Gate::kPage);
  if (!caller.is_ok() || !caller->principal) {
    const bool presented = !caller.is_ok();
    if (route.gate == Gate::kPage && req.authorization.empty()) {
      // A person without a (live) session: to the login page, and back here after.
      Response res = req.method == "GET" ? redirect("/ui/login?next=" + http::percent_encode(req.target))
                                         : html(notices::render_error_page(401, "请先登录（/ui/login）。"), 401);
      if (presented) res.headers.emplace_back("Set-Cookie", access_.clear_cookie());
      return res;
    }
    Response res = http::respond_error(
        req, presented ? caller.status()
                       : Status(Code::kUnauthenticated, "this route needs a token: Authorization: Bearer hwl_…"));
    res.headers.emplace_back("WWW-Authenticate",
                             presented ? "Bearer realm=\"hwload\", error=\"invalid_token\"" : "Bearer realm=\"hwload\"");
    return res;
  }
  ex.caller = std::move(*caller);
  if (auto wait = access_.over_rate(ex.caller)) {
    Response res = http::respond_error(
        req, Status(Code::kResourceExhausted, "too many requests with this token; retry in " +
                                                  std::to_string(wait->count()) + " s"));
    std::erase_if(res.headers, [](const auto& h) { return h.first == "Retry-After"; });
    res.headers.emplace_back("Retry-After", std::to_string(wait->count()));
    return res;
  }
  return route.handler(ex);
}

void Api::add_routes() {
  core::Service& svc = service_;
  Access& acc = access_;
  auto& r = router_;
  using auth::Action;
  const auto token = Gate::kToken;

  r.add("GET", "/healthz", {Gate::kPublic, [](Exchange&) {
                              Response res;
                              res.content_type = "text/plain; charset=utf-8";
                              res.body = "ok\n";
                              return res;
                            }});
  r.add("GET", "/metrics", {acc.options().metrics_public ? Gate::kPublic : token, [this](Exchange& ex) {
                              if (ex.caller.principal) {
                                auth::Target all;
                                if (Status st = ex.allow_query(Action::kReadMetrics, all, Status::not_found("not found")); !st.is_ok())
                                  return fail(ex, st);
                              }
                              Response res;
                              res.content_type = "text/plain; version=0.0.4; charset=utf-8";
                              res.body = metrics_->render();
                              if (extra_metrics_) res.body += extra_metrics_();
                              return res;
                            }});

  // ---- registry ----
  r.add("PUT", "/v1/schools/{school_id}", {token, [&svc, &acc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          const auth::Target existing = acc.school(id);
          // A school not yet registered has no district: only what the body says.
          if (!existing.district.empty()) {
            if (Status st = ex.allow(Action::kPutSchool, existing, core::unknown_school(id)); !st.is_ok())
              return fail(ex, st);
          }
          auto body = decoded<pb::School>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          auth::Target into = existing;
          into.district = body->district();
          if (Status st = ex.allow_into(Action::kPutSchool, into, "district \"" + body->district() + "\"");
              !st.is_ok())
            return fail(ex, st);
          if (!existing.district.empty() && existing.district != body->district() &&
              ex.who().role == auth::Role::kSchoolAdmin) {
            return fail(ex, Status(Code::kPermissionDenied,
                                   "a school_admin token may not move its school to another district"));
          }
          return reply(ex, svc.put_school(id, std::move(*body)));
        }, body_of<pb::School>()});
  r.add("GET", "/v1/schools/{school_id}", {token, [&svc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          if (Status st = ex.allow_school(Action::kReadSchool); !st.is_ok()) return fail(ex, st);
          return reply(ex, svc.get_school(id));
        }});
  r.add("PUT", "/v1/schools/{school_id}/classes/{class_id}", {token, [&svc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          if (Status st = ex.allow_school(Action::kPutClass); !st.is_ok()) return fail(ex, st);
          auto body = decoded<pb::Class>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          return reply(ex, svc.put_class(id, ex.p("class_id"), std::move(*body)));
        }, body_of<pb::Class>()});
  r.add("GET", "/v1/schools/{school_id}/classes", {token, [&svc, &acc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          auto grade = int_param(ex.req, "grade", 0);
          if (!grade.is_ok()) return fail(ex, grade.status());
          // A grade leader's list is its grade's.
          auth::Target t = acc.school(id);
          t.grade = *grade;
          if (Status st = ex.allow_query(Action::kReadClasses, t, core::unknown_school(id)); !st.is_ok())
            return fail(ex, st);
          auto classes = svc.list_classes(id, t.grade);
          if (!classes.is_ok()) return fail(ex, classes.status());
          pb::ClassList list;
          for (auto& c : *classes) *list.add_classes() = std::move(c);
          return http::respond(ex.req, list);
        }});
  r.add("PUT", "/v1/schools/{school_id}/calendar", {token, [&svc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          if (Status st = ex.allow_school(Action::kPutCalendar); !st.is_ok()) return fail(ex, st);
          auto body = decoded<pb::Calendar>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          return reply(ex, svc.put_calendar(id, std::move(*body)));
        }, body_of<pb::Calendar>()});
  r.add("GET", "/v1/schools/{school_id}/calendar", {token, [&svc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          if (Status st = ex.allow_school(Action::kReadCalendar); !st.is_ok()) return fail(ex, st);
          return reply(ex, svc.get_calendar(id));
        }});

  // ---- records: items of classes outside the caller's scope are rejected ----
  r.add("POST", "/v1/assignments", {token, [&svc, &acc](Exchange& ex) {
          auth::Target any;
          if (Status st = ex.allow_query(Action::kWriteAssignment, any, Status::not_found("not found")); !st.is_ok())
            return fail(ex, st);
          auto body = decoded<pb::AssignmentBatch>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          auto result = svc.post_assignments(*body, class_gate(ex));
          if (result.is_ok()) ex.what = batch_summary("assignments", *result, body->validate_only());
          std::set<std::string> schools;
          for (const auto& a : body->assignments()) schools.insert(a.school_id());
          attribute_to_school(ex, acc, schools);
          return reply(ex, result);
        }, body_of<pb::AssignmentBatch>()});
  r.add("PUT", "/v1/assignments/{assignment_id}", {token, [&svc, &acc](Exchange& ex) {
          const std::string& id = ex.p("assignment_id");
          if (auto existing = acc.assignment(id)) {
            if (Status st = ex.allow(Action::kWriteAssignment, *existing, core::unknown_assignment(id)); !st.is_ok())
              return fail(ex, st);
          } else {
            auth::Target any;
            if (Status st = ex.allow_query(Action::kWriteAssignment, any, Status::not_found("not found")); !st.is_ok())
              return fail(ex, st);
          }
          auto body = decoded<pb::Assignment>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          if (Status st = ex.allow_into(Action::kWriteAssignment, acc.klass(body->school_id(), body->class_id()),
                                        "class \"" + body->class_id() + "\" of school \"" + body->school_id() + "\"");
              !st.is_ok())
            return fail(ex, st);
          return reply(ex, svc.put_assignment(id, std::move(*body)));
        }, body_of<pb::Assignment>()});
  r.add("GET", "/v1/assignments/{assignment_id}", {token, [&svc, &acc](Exchange& ex) {
          const std::string& id = ex.p("assignment_id");
          if (Status st = ex.allow(Action::kReadAssignment, exists_or_any(ex, acc.assignment(id)),
                                   core::unknown_assignment(id));
              !st.is_ok())
            return fail(ex, st);
          return reply(ex, svc.get_assignment(id));
        }});
  r.add("DELETE", "/v1/assignments/{assignment_id}", {token, [&svc, &acc](Exchange& ex) {
          const std::string& id = ex.p("assignment_id");
          if (Status st = ex.allow(Action::kWriteAssignment, exists_or_any(ex, acc.assignment(id)),
                                   core::unknown_assignment(id));
              !st.is_ok())
            return fail(ex, st);
          if (Status st = svc.withdraw_assignment(id); !st.is_ok()) return fail(ex, st);
          Response res;
          res.status = 204;
          return res;
        }});
  r.add("POST", "/v1/timings", {token, [&svc, &acc](Exchange& ex) {
          auth::Target any;
          if (Status st = ex.allow_query(Action::kWriteAssignment, any, Status::not_found("not found")); !st.is_ok())
            return fail(ex, st);
          auto body = decoded<pb::TimingBatch>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          auto result = svc.post_timings(*body, class_gate(ex));
          if (result.is_ok()) ex.what = batch_summary("timing reports", *result, body->validate_only());
          std::set<std::string> schools;
          if (ex.target.school_id.empty()) {
            for (const auto& report : body->reports()) {
              if (auto t = acc.assignment(report.assignment_id())) schools.insert(t->school_id);
            }
          }
          attribute_to_school(ex, acc, schools);
          return reply(ex, result);
        }, body_of<pb::TimingBatch>()});

  // ---- loads, breaches, compliance ----
  r.add("GET", "/v1/schools/{school_id}/classes/{class_id}/load", {token, [&svc, &acc](Exchange& ex) {
          const std::string &school = ex.p("school_id"), &klass = ex.p("class_id");
          if (Status st = ex.allow(Action::kReadClassLoad, acc.klass(school, klass),
                                   core::unknown_class(school, klass));
              !st.is_ok())
            return fail(ex, st);
          return reply(ex, svc.class_load(school, klass, param(ex.req, "from"), param(ex.req, "to")));
        }});
  r.add("GET", "/v1/schools/{school_id}/grades/{grade}/weeks/{week}", {token, [&svc, &acc](Exchange& ex) {
          auto grade = grade_of(ex.p("grade"));
          if (!grade.is_ok()) return fail(ex, grade.status());
          auth::Target t = acc.school(ex.p("school_id"));
          t.grade = *grade;
          if (Status st = ex.allow(Action::kReadGradeWeek, t, core::unknown_school(t.school_id)); !st.is_ok())
            return fail(ex, st);
          return reply(ex, svc.grade_week(t.school_id, *grade, ex.p("week")));
        }});
  r.add("GET", "/v1/breaches", {token, [&svc, &acc](Exchange& ex) {
          core::BreachQuery q;
          q.school_id = param(ex.req, "school_id");
          q.district = param(ex.req, "district");
          q.class_id = param(ex.req, "class_id");
          q.from = param(ex.req, "from");
          q.to = param(ex.req, "to");
          q.state = param(ex.req, "state");
          auto grade = int_param(ex.req, "grade", 0);
          auto limit = int_param(ex.req, "limit", 1000);
          if (!grade.is_ok()) return fail(ex, grade.status());
          if (!limit.is_ok()) return fail(ex, limit.status());
          auth::Target t = q.class_id.empty() || q.school_id.empty() ? acc.school(q.school_id)
                                                                      : acc.klass(q.school_id, q.class_id);
          if (t.district.empty()) t.district = q.district;
          if (*grade) t.grade = *grade;
          if (Status st = ex.allow_query(Action::kReadBreaches, t, unknown_scope(q.school_id, q.district));
              !st.is_ok())
            return fail(ex, st);
          q.school_id = t.school_id;
          q.district = t.district;
          q.grade = t.grade;
          q.limit = *limit;
          return reply(ex, svc.breaches(q));
        }});
  r.add("GET", "/v1/compliance", {token, [&svc, &acc](Exchange& ex) {
          core::ComplianceQuery q;
          q.district = param(ex.req, "district");
          q.school_id = param(ex.req, "school_id");
          q.from = param(ex.req, "from");
          q.to = param(ex.req, "to");
          auto grade = int_param(ex.req, "grade", 0);
          if (!grade.is_ok()) return fail(ex, grade.status());
          auth::Target t = acc.school(q.school_id);
          if (t.district.empty()) t.district = q.district;
          t.grade = *grade;
          if (Status st =
                  ex.allow_query(Action::kReadCompliance, t, unknown_scope(q.school_id, q.district));
              !st.is_ok())
            return fail(ex, st);
          q.school_id = t.school_id;
          q.district = t.district;
          q.grade = t.grade;
          return reply(ex, svc.compliance(q));
        }});
  r.add("POST", "/v1/breaches/{breach_id}:acknowledge", {token, [&svc, &acc](Exchange& ex) {
          const std::string& id = ex.p("breach_id");
          if (Status st = ex.allow(Action::kAcknowledge, exists_or_any(ex, acc.breach(id)), core::unknown_breach(id));
              !st.is_ok())
            return fail(ex, st);
          auto body = decoded<pb::AcknowledgeRequest>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          if (body->acknowledged_by().empty()) body->set_acknowledged_by(acknowledger(ex.caller));
          return reply(ex, svc.acknowledge(id, *body));
        }, body_of<pb::AcknowledgeRequest>()});

  // ---- the bureau's alert feed and webhooks ----
  r.add("GET", "/v1/alerts", {token, [&svc](Exchange& ex) {
          auto limit = int_param(ex.req, "limit", 100);
          if (!limit.is_ok()) return fail(ex, limit.status());
          auth::Target t;
          t.district = param(ex.req, "district");
          if (Status st = ex.allow_query(Action::kReadAlerts, t, unknown_scope("", t.district));
              !st.is_ok())
            return fail(ex, st);
          return reply(ex, svc.alerts(param(ex.req, "after"), *limit, t.district));
        }});
  r.add("PUT", "/v1/subscriptions/{subscription_id}", {token, [&svc, &acc](Exchange& ex) {
          const std::string& id = ex.p("subscription_id");
          if (auto existing = acc.subscription(id)) {
            if (Status st = ex.allow(Action::kWriteSubscription, *existing, Status::not_found("unknown subscription \"" + id + "\"")); !st.is_ok())
              return fail(ex, st);
          }
          auto body = decoded<pb::Subscription>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          auth::Target into;
          into.district = body->district();
          if (Status st =
                  ex.allow_into(Action::kWriteSubscription, into, "district \"" + body->district() + "\"");
              !st.is_ok())
            return fail(ex, st);
          ex.what = ex.req.path + " -> " + body->url();
          return reply(ex, svc.put_subscription(id, std::move(*body)));
        }, body_of<pb::Subscription>()});
  r.add("GET", "/v1/subscriptions", {token, [&svc](Exchange& ex) {
          auth::Target t;
          t.district = param(ex.req, "district");
          if (Status st = ex.allow_query(Action::kReadSubscriptions, t, unknown_scope("", t.district));
              !st.is_ok())
            return fail(ex, st);
          auto subs = svc.list_subscriptions(t.district);
          if (!subs.is_ok()) return fail(ex, subs.status());
          pb::SubscriptionList list;
          for (auto& s : *subs) *list.add_subscriptions() = std::move(s);
          return http::respond(ex.req, list);
        }});

  // ---- the audit log ----
  r.add("GET", "/v1/audit", {token, [&acc](Exchange& ex) {
          auto limit = int_param(ex.req, "limit", 100);
          auto after = int_param<int64_t>(ex.req, "after", 0);
          if (!limit.is_ok()) return fail(ex, limit.status());
          if (!after.is_ok()) return fail(ex, after.status());
          if (*limit < 1 || *limit > 1000) return fail(ex, Status::invalid("limit", "must be between 1 and 1000"));
          const std::string school_id = param(ex.req, "school_id"), district = param(ex.req, "district");
          auth::Target t = acc.school(school_id);
          if (t.district.empty()) t.district = district;
          if (Status st = ex.allow_query(Action::kReadAudit, t, unknown_scope(school_id, district));
              !st.is_ok())
            return fail(ex, st);
          // Narrowed: a school admin reads its school's entries, a bureau its district's.
          return http::respond(ex.req, acc.audit(t.school_id, t.district, *after, *limit));
        }});

  add_notice_routes();
  add_page_routes();
}

// Disclosure notices: published by school admins (or on their schedule), read by
// anyone.
void Api::add_notice_routes() {
  core::Service& svc = service_;
  auto& r = router_;
  using auth::Action;
  const auto token = Gate::kToken;
  const notices::PageOptions page_options{svc.options().utc_offset_minutes};

  r.add("POST", "/v1/schools/{school_id}/notices", {token, [&svc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          if (Status st = ex.allow_school(Action::kPublishNotice); !st.is_ok()) return fail(ex, st);
          auto body = decoded<pb::PublishNoticeRequest>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          auto published = svc.publish_notice(id, *body);
          if (!published.is_ok()) return fail(ex, published.status());
          ex.what = ex.req.path + "/" + published->notice.notice_id() + " version " +
                    std::to_string(published->notice.version()) + (published->created ? "" : " (unchanged)");
          // 200 either way, as every route of the contract answers; a new version also
          // carries its address in Location.
          Response res = http::respond(ex.req, published->notice);
          if (published->created) {
            res.headers.emplace_back("Location", "/v1/schools/" + id + "/notices/" + published->notice.notice_id());
          }
          return res;
        }, body_of<pb::PublishNoticeRequest>()});
  r.add("GET", "/v1/schools/{school_id}/notices", {Gate::kPublic, [&svc](Exchange& ex) {
          auto limit = int_param(ex.req, "limit", 100);
          if (!limit.is_ok()) return fail(ex, limit.status());
          auto before = int_param<int64_t>(ex.req, "before", 0);
          if (!before.is_ok()) return fail(ex, before.status());
          return reply(ex, svc.list_notices(ex.p("school_id"), *limit, *before));
        }});
  r.add("GET", "/v1/schools/{school_id}/notices/{notice_id}", {Gate::kPublic, [&svc](Exchange& ex) {
          return reply(ex, svc.get_notice(ex.p("school_id"), ex.p("notice_id")));
        }});
  r.add("PUT", "/v1/schools/{school_id}/notice-schedule", {token, [&svc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          if (Status st = ex.allow_school(Action::kWriteNoticeSchedule); !st.is_ok()) return fail(ex, st);
          auto body = decoded<pb::NoticeSchedule>(ex.req);
          if (!body.is_ok()) return fail(ex, body.status());
          return reply(ex, svc.put_notice_schedule(id, std::move(*body)));
        }, body_of<pb::NoticeSchedule>()});
  r.add("GET", "/v1/schools/{school_id}/notice-schedule", {token, [&svc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          if (Status st = ex.allow_school(Action::kReadNoticeSchedule); !st.is_ok()) return fail(ex, st);
          return reply(ex, svc.get_notice_schedule(id));
        }});

  r.add("GET", "/notices/{school_id}", {Gate::kPublic, [&svc, page_options](Exchange& ex) {
          auto school = svc.get_school(ex.p("school_id"));
          if (!school.is_ok()) return html_error(school.status());
          auto before = int_param<int64_t>(ex.req, "before", 0);
          if (!before.is_ok()) return html_error(before.status());
          auto list = svc.list_notices(ex.p("school_id"), 50, *before);
          if (!list.is_ok()) return html_error(list.status());
          return html(notices::render_notice_index(*school, *list, page_options));
        }});
  r.add("GET", "/notices/{school_id}/{notice_id}", {Gate::kPublic, [&svc, page_options](Exchange& ex) {
          auto notice = svc.get_notice(ex.p("school_id"), ex.p("notice_id"));
          if (!notice.is_ok()) return html_error(notice.status());
          Response res = html(notices::render_notice_page(*notice, page_options));
          // Revalidated on every view: an older version's page changes when a newer one
          // is published (it says so).
          res.headers.emplace_back("Cache-Control", "no-cache");
          return res;
        }});
}

// The grade leader's pages (/ui/): a browser session or a token; the login page.
void Api::add_page_routes() {
  core::Service& svc = service_;
  Access& acc = access_;
  auto& r = router_;
  using auth::Action;
  const auto page = Gate::kPage;

  r.add("GET", "/ui/login", {Gate::kPublic, [](Exchange& ex) {
          Response res = html(notices::render_login_page(safe_next(param(ex.req, "next")), ""));
          res.headers.emplace_back("Cache-Control", "no-store");
          return res;
        }});
  r.add("POST", "/ui/login", {Gate::kPublic, [&acc](Exchange& ex) {
          Status st;
          auto form = form_of(ex.req, st);
          if (!st.is_ok()) return html_error(st);
          const std::string next = safe_next(form["next"]);
          auto session = acc.login(form["token"], ex.req.secure);
          const auto presented = auth::parse_token(form["token"]);
          if (!session.is_ok()) {
            if (presented) acc.record_login(ex.req, presented->token_id, "", 401);
            Response res = html(notices::render_login_page(next, "令牌无效或已撤销，请核对后重试。"), 401);
            res.headers.emplace_back("Cache-Control", "no-store");
            return res;
          }
          acc.record_login(ex.req, session->principal.token_id, std::string(auth::role_name(session->principal.role)),
                           303);
          Response res = redirect(next);
          res.headers.emplace_back("Set-Cookie", session->set_cookie);
          return res;
        }});
  r.add("POST", "/ui/logout", {page, [&acc](Exchange& ex) {
          Status st;
          auto form = form_of(ex.req, st);
          if (!st.is_ok()) return html_error(st);
          if (!Access::csrf_ok(ex.caller, form["csrf"])) {
            return html_error(Status(Code::kPermissionDenied, "表单已过期，请刷新页面后重试。"));
          }
          acc.logout(ex.caller.session_id);
          Response res = redirect("/ui/login");
          res.headers.emplace_back("Set-Cookie", acc.clear_cookie());
          return res;
        }});
  r.add("GET", "/ui/", {page, [&acc](Exchange& ex) {
          const auth::Principal& p = ex.who();
          if (!p.school_id.empty()) return redirect("/ui/schools/" + http::percent_encode(p.school_id));
          Response res = html(notices::render_overview(acc.schools(p.district), viewer_of(ex.caller)));
          res.headers.emplace_back("Cache-Control", "no-store");
          return res;
        }});
  r.add("GET", "/ui/schools/{school_id}", {page, [&svc, &acc](Exchange& ex) {
          const std::string& id = ex.p("school_id");
          if (Status st = ex.allow_school(Action::kReadSchool); !st.is_ok()) return html_error(st);
          auto school = svc.get_school(id);
          if (!school.is_ok()) return html_error(school.status());
          auto classes = svc.list_classes(id, 0);
          if (!classes.is_ok()) return html_error(classes.status());
          // The grades whose weekly review the caller may read.
          std::vector<int> grades;
          for (const auto& c : *classes) {
            if (!grades.empty() && grades.back() == c.grade()) continue;
            auth::Target t = acc.school(id);
            t.grade = c.grade();
            if (auth::authorize(ex.who(), Action::kReadGradeWeek, t) == auth::Decision::kAllow)
              grades.push_back(c.grade());
          }
          Response res = html(notices::render_school_home(*school, grades, svc.current_week(), viewer_of(ex.caller)));
          res.headers.emplace_back("Cache-Control", "no-store");
          return res;
        }});
  // The CSV route comes first: `{week}` alone would also match "2026-W47.csv".
  r.add("GET", "/ui/schools/{school_id}/grades/{grade}/weeks/{week}.csv", {page, [&svc, &acc](Exchange& ex) {
          auth::Target t;
          auto review = allowed_review(ex, acc, svc, t);
          if (!review.is_ok()) return html_error(review.status());
          Response res;
          res.content_type = "text/csv; charset=utf-8";
          res.body = notices::render_week_csv(*review);
          res.headers.emplace_back("Content-Disposition", "attachment; filename=\"hwload-" +
                                                              review->school.school_id() + "-grade" +
                                                              std::to_string(t.grade) + "-" + review->week.week() +
                                                              ".csv\"");
          res.headers.emplace_back("Cache-Control", "no-store");
          return res;
        }});
  r.add("GET", "/ui/schools/{school_id}/grades/{grade}/weeks/{week}", {page, [&svc, &acc](Exchange& ex) {
          auth::Target t;
          auto review = allowed_review(ex, acc, svc, t);
          if (!review.is_ok()) return html_error(review.status());
          review->viewer = viewer_of(ex.caller);
          review->can_acknowledge = auth::authorize(ex.who(), Action::kAcknowledge, t) == auth::Decision::kAllow;
          Response res = html(notices::render_week_review(*review));
          res.headers.emplace_back("Cache-Control", "no-store");
          return res;
        }});
  // The review page's acknowledge button: a form post (with the session's CSRF
  // token), answered with a redirect back to the week of the breach.
  r.add("POST", "/ui/breaches/{breach_id}/acknowledge", {page, [&svc, &acc](Exchange& ex) {
          const std::string& id = ex.p("breach_id");
          Status st;
          auto form = form_of(ex.req, st);
          if (!st.is_ok()) return html_error(st);
          if (!Access::csrf_ok(ex.caller, form["csrf"])) {
            return html_error(Status(Code::kPermissionDenied, "表单已过期，请刷新页面后重试。"));
          }
          if (Status allowed = ex.allow(Action::kAcknowledge, exists_or_any(ex, acc.breach(id)), core::unknown_breach(id));
              !allowed.is_ok())
            return html_error(allowed);
          pb::AcknowledgeRequest ack;
          ack.set_acknowledged_by(form["acknowledged_by"].empty() ? acknowledger(ex.caller) : form["acknowledged_by"]);
          ack.set_note(form["note"]);
          auto breach = svc.acknowledge(id, ack);
          if (!breach.is_ok()) return html_error(breach.status());
          const auto date = analytics::parse_date(breach->date());
          return redirect("/ui/schools/" + breach->school_id() + "/grades/" + std::to_string(breach->grade()) +
                          "/weeks/" + analytics::format_iso_week(analytics::iso_week_of(*date)));
        }});
}

}  // namespace hwload::api
