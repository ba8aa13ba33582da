#include "api/api.h"

#include <charconv>
#include <cstdio>

#include "http/codec.h"
#include "notices/pages.h"
#include "store/sqlite.h"

namespace hwload::api {
namespace {

namespace pb = ::hwload::v1;
using http::Params;
using http::Request;
using http::Response;

constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

template <typename T>
Response reply(const Request& req, const StatusOr<T>& result, int status = 200) {
  if (!result.is_ok()) return http::respond_error(req, result.status());
  return http::respond(req, *result, status);
}

template <typename T>
StatusOr<T> decoded(const Request& req) {
  T msg;
  if (Status st = http::decode(req, msg); !st.is_ok()) return st;
  return msg;
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
  return out;
}

Api::Api(core::Service& service, std::function<std::string()> extra_metrics)
    : service_(service), extra_metrics_(std::move(extra_metrics)) {
  add_routes();
}

http::Response Api::handle(const Request& req) {
  const auto start = std::chrono::steady_clock::now();
  const auto m = router_.match(req.method, req.path);
  Response res;
  std::string route = "unmatched";
  if (m.handler) {
    route = *m.pattern;
    try {
      res = (*m.handler)(req, m.params);
    } catch (const store::StoreError& e) {
      res = http::respond_error(req, Status(Code::kUnavailable, "storage is unavailable; nothing was stored"));
    }
  } else if (m.method_mismatch) {
    res = http::respond_error(req, Status(Code::kMethodNotAllowed, req.method + " is not allowed on " + req.path));
    res.headers.emplace_back("Allow", m.allowed);
  } else {
    res = http::respond_error(req, Status::not_found("no route " + req.method + " " + req.path));
  }
  metrics_.observe(route, req.method, res.status, std::chrono::steady_clock::now() - start);
  return res;
}

void Api::add_routes() {
  core::Service& svc = service_;
  auto& r = router_;

  r.add("GET", "/healthz", [](const Request&, const Params&) {
    Response res;
    res.content_type = "text/plain; charset=utf-8";
    res.body = "ok\n";
    return res;
  });
  r.add("GET", "/metrics", [this](const Request&, const Params&) {
    Response res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics_.render();
    if (extra_metrics_) res.body += extra_metrics_();
    return res;
  });

  r.add("PUT", "/v1/schools/{school_id}", [&svc](const Request& req, const Params& p) {
    auto body = decoded<pb::School>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    return reply(req, svc.put_school(p.at("school_id"), std::move(*body)));
  });
  r.add("GET", "/v1/schools/{school_id}",
        [&svc](const Request& req, const Params& p) { return reply(req, svc.get_school(p.at("school_id"))); });
  r.add("PUT", "/v1/schools/{school_id}/classes/{class_id}", [&svc](const Request& req, const Params& p) {
    auto body = decoded<pb::Class>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    return reply(req, svc.put_class(p.at("school_id"), p.at("class_id"), std::move(*body)));
  });
  r.add("GET", "/v1/schools/{school_id}/classes", [&svc](const Request& req, const Params& p) {
    auto grade = int_param(req, "grade", 0);
    if (!grade.is_ok()) return http::respond_error(req, grade.status());
    auto classes = svc.list_classes(p.at("school_id"), *grade);
    if (!classes.is_ok()) return http::respond_error(req, classes.status());
    pb::ClassList list;
    for (auto& c : *classes) *list.add_classes() = std::move(c);
    return http::respond(req, list);
  });
  r.add("PUT", "/v1/schools/{school_id}/calendar", [&svc](const Request& req, const Params& p) {
    auto body = decoded<pb::Calendar>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    return reply(req, svc.put_calendar(p.at("school_id"), std::move(*body)));
  });
  r.add("GET", "/v1/schools/{school_id}/calendar",
        [&svc](const Request& req, const Params& p) { return reply(req, svc.get_calendar(p.at("school_id"))); });

  r.add("POST", "/v1/assignments", [&svc](const Request& req, const Params&) {
    auto body = decoded<pb::AssignmentBatch>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    return reply(req, svc.post_assignments(*body));
  });
  r.add("PUT", "/v1/assignments/{assignment_id}", [&svc](const Request& req, const Params& p) {
    auto body = decoded<pb::Assignment>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    return reply(req, svc.put_assignment(p.at("assignment_id"), std::move(*body)));
  });
  r.add("GET", "/v1/assignments/{assignment_id}",
        [&svc](const Request& req, const Params& p) { return reply(req, svc.get_assignment(p.at("assignment_id"))); });
  r.add("DELETE", "/v1/assignments/{assignment_id}", [&svc](const Request& req, const Params& p) {
    if (Status st = svc.withdraw_assignment(p.at("assignment_id")); !st.is_ok()) return http::respond_error(req, st);
    Response res;
    res.status = 204;
    return res;
  });
  r.add("POST", "/v1/timings", [&svc](const Request& req, const Params&) {
    auto body = decoded<pb::TimingBatch>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    return reply(req, svc.post_timings(*body));
  });

  r.add("GET", "/v1/schools/{school_id}/classes/{class_id}/load", [&svc](const Request& req, const Params& p) {
    return reply(req, svc.class_load(p.at("school_id"), p.at("class_id"), param(req, "from"), param(req, "to")));
  });
  r.add("GET", "/v1/schools/{school_id}/grades/{grade}/weeks/{week}", [&svc](const Request& req, const Params& p) {
    auto grade = grade_of(p.at("grade"));
    if (!grade.is_ok()) return http::respond_error(req, grade.status());
    return reply(req, svc.grade_week(p.at("school_id"), *grade, p.at("week")));
  });
  r.add("GET", "/v1/breaches", [&svc](const Request& req, const Params&) {
    core::BreachQuery q;
    q.school_id = param(req, "school_id");
    q.district = param(req, "district");
    q.class_id = param(req, "class_id");
    q.from = param(req, "from");
    q.to = param(req, "to");
    q.state = param(req, "state");
    auto grade = int_param(req, "grade", 0);
    auto limit = int_param(req, "limit", 1000);
    if (!grade.is_ok()) return http::respond_error(req, grade.status());
    if (!limit.is_ok()) return http::respond_error(req, limit.status());
    q.grade = *grade;
    q.limit = *limit;
    return reply(req, svc.breaches(q));
  });
  r.add("GET", "/v1/compliance", [&svc](const Request& req, const Params&) {
    core::ComplianceQuery q;
    q.district = param(req, "district");
    q.school_id = param(req, "school_id");
    q.from = param(req, "from");
    q.to = param(req, "to");
    auto grade = int_param(req, "grade", 0);
    if (!grade.is_ok()) return http::respond_error(req, grade.status());
    q.grade = *grade;
    return reply(req, svc.compliance(q));
  });
  r.add("POST", "/v1/breaches/{breach_id}:acknowledge", [&svc](const Request& req, const Params& p) {
    auto body = decoded<pb::AcknowledgeRequest>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    return reply(req, svc.acknowledge(p.at("breach_id"), *body));
  });

  r.add("GET", "/v1/alerts", [&svc](const Request& req, const Params&) {
    auto limit = int_param(req, "limit", 100);
    if (!limit.is_ok()) return http::respond_error(req, limit.status());
    return reply(req, svc.alerts(param(req, "after"), *limit, param(req, "district")));
  });
  r.add("PUT", "/v1/subscriptions/{subscription_id}", [&svc](const Request& req, const Params& p) {
    auto body = decoded<pb::Subscription>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    return reply(req, svc.put_subscription(p.at("subscription_id"), std::move(*body)));
  });
  r.add("GET", "/v1/subscriptions", [&svc](const Request& req, const Params&) {
    auto subs = svc.list_subscriptions(param(req, "district"));
    if (!subs.is_ok()) return http::respond_error(req, subs.status());
    pb::SubscriptionList list;
    for (auto& s : *subs) *list.add_subscriptions() = std::move(s);
    return http::respond(req, list);
  });

  add_notice_routes();
}

// Disclosure notices and the grade leader's pages: the JSON/protobuf API, and the
// server-rendered HTML and CSV.
void Api::add_notice_routes() {
  core::Service& svc = service_;
  auto& r = router_;
  const notices::PageOptions page_options{svc.options().utc_offset_minutes};

  r.add("POST", "/v1/schools/{school_id}/notices", [&svc](const Request& req, const Params& p) {
    auto body = decoded<pb::PublishNoticeRequest>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    auto published = svc.publish_notice(p.at("school_id"), *body);
    if (!published.is_ok()) return http::respond_error(req, published.status());
    // 200 either way, as every route of the contract answers; a new version also
    // carries its address in Location.
    Response res = http::respond(req, published->notice);
    if (published->created) {
      res.headers.emplace_back("Location",
                               "/v1/schools/" + p.at("school_id") + "/notices/" + published->notice.notice_id());
    }
    return res;
  });
  r.add("GET", "/v1/schools/{school_id}/notices", [&svc](const Request& req, const Params& p) {
    auto limit = int_param(req, "limit", 100);
    if (!limit.is_ok()) return http::respond_error(req, limit.status());
    auto before = int_param<int64_t>(req, "before", 0);
    if (!before.is_ok()) return http::respond_error(req, before.status());
    return reply(req, svc.list_notices(p.at("school_id"), *limit, *before));
  });
  r.add("GET", "/v1/schools/{school_id}/notices/{notice_id}", [&svc](const Request& req, const Params& p) {
    return reply(req, svc.get_notice(p.at("school_id"), p.at("notice_id")));
  });
  r.add("PUT", "/v1/schools/{school_id}/notice-schedule", [&svc](const Request& req, const Params& p) {
    auto body = decoded<pb::NoticeSchedule>(req);
    if (!body.is_ok()) return http::respond_error(req, body.status());
    return reply(req, svc.put_notice_schedule(p.at("school_id"), std::move(*body)));
  });
  r.add("GET", "/v1/schools/{school_id}/notice-schedule",
        [&svc](const Request& req, const Params& p) { return reply(req, svc.get_notice_schedule(p.at("school_id"))); });

  r.add("GET", "/notices/{school_id}", [&svc, page_options](const Request& req, const Params& p) {
    auto school = svc.get_school(p.at("school_id"));
    if (!school.is_ok()) return html_error(school.status());
    auto before = int_param<int64_t>(req, "before", 0);
    if (!before.is_ok()) return html_error(before.status());
    auto list = svc.list_notices(p.at("school_id"), 50, *before);
    if (!list.is_ok()) return html_error(list.status());
    return html(notices::render_notice_index(*school, *list, page_options));
  });
  r.add("GET", "/notices/{school_id}/{notice_id}", [&svc, page_options](const Request&, const Params& p) {
    auto notice = svc.get_notice(p.at("school_id"), p.at("notice_id"));
    if (!notice.is_ok()) return html_error(notice.status());
    Response res = html(notices::render_notice_page(*notice, page_options));
    // Revalidated on every view: an older version's page changes when a newer one
    // is published (it says so).
    res.headers.emplace_back("Cache-Control", "no-cache");
    return res;
  });

  r.add("GET", "/ui/schools/{school_id}", [&svc](const Request&, const Params& p) {
    auto school = svc.get_school(p.at("school_id"));
    if (!school.is_ok()) return html_error(school.status());
    auto classes = svc.list_classes(p.at("school_id"), 0);
    if (!classes.is_ok()) return html_error(classes.status());
    std::vector<int> grades;
    for (const auto& c : *classes) {
      if (grades.empty() || grades.back() != c.grade()) grades.push_back(c.grade());
    }
    return html(notices::render_school_home(*school, grades, svc.current_week()));
  });
  // The CSV route comes first: `{week}` alone would also match "2026-W47.csv".
  r.add("GET", "/ui/schools/{school_id}/grades/{grade}/weeks/{week}.csv", [&svc](const Request&, const Params& p) {
    auto grade = grade_of(p.at("grade"));
    if (!grade.is_ok()) return html_error(grade.status());
    auto review = svc.week_review(p.at("school_id"), *grade, p.at("week"));
    if (!review.is_ok()) return html_error(review.status());
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.body = notices::render_week_csv(*review);
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"hwload-" + review->school.school_id() +
                                                        "-grade" + std::to_string(*grade) + "-" + review->week.week() +
                                                        ".csv\"");
    res.headers.emplace_back("Cache-Control", "no-store");
    return res;
  });
  r.add("GET", "/ui/schools/{school_id}/grades/{grade}/weeks/{week}", [&svc](const Request&, const Params& p) {
    auto grade = grade_of(p.at("grade"));
    if (!grade.is_ok()) return html_error(grade.status());
    auto review = svc.week_review(p.at("school_id"), *grade, p.at("week"));
    if (!review.is_ok()) return html_error(review.status());
    Response res = html(notices::render_week_review(*review));
    res.headers.emplace_back("Cache-Control", "no-store");
    return res;
  });
  // The review page's acknowledge button: a form post, answered with a redirect
  // back to the week of the breach.
  r.add("POST", "/ui/breaches/{breach_id}/acknowledge", [&svc](const Request& req, const Params& p) {
    if (req.content_type.rfind("application/x-www-form-urlencoded", 0) != 0) {
      return html_error(
          Status(Code::kUnsupportedMediaType, "the form must be sent as application/x-www-form-urlencoded"));
    }
    std::map<std::string, std::string> form;
    if (!http::parse_query(req.body, form)) return html_error(Status::invalid("body", "malformed form encoding"));
    pb::AcknowledgeRequest ack;
    ack.set_acknowledged_by(form["acknowledged_by"]);
    ack.set_note(form["note"]);
    auto breach = svc.acknowledge(p.at("breach_id"), ack);
    if (!breach.is_ok()) return html_error(breach.status());
    const auto date = analytics::parse_date(breach->date());
    Response res;
    res.status = 303;
    res.headers.emplace_back("Location", "/ui/schools/" + breach->school_id() + "/grades/" +
                                             std::to_string(breach->grade()) + "/weeks/" +
                                             analytics::format_iso_week(analytics::iso_week_of(*date)));
    return res;
  });
}

}  // namespace hwload::api
