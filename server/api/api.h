// The HTTP API: one thin handler per route of PRODUCT.md. Each decodes the body,
// asks Access whether the caller may do it to what it touches, calls the Service
// and encodes its answer; rules live in core/, auth/ and analytics/. handle() is a
// function of a request (it knows no sockets) and runs off the I/O threads, since
// the Service and Access do SQLite work: changes on the store thread, reads on a
// reader's thread over its own read-only connection (one Api per connection).
//
// Every request that may change something runs in one transaction with its audit
// record, so the log holds exactly the changes that were made (and the refusals).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "api/access.h"
#include "core/service.h"
#include "http/message.h"
#include "http/router.h"

namespace hwload::api {

// Request counters and latency histograms per route, in Prometheus text format.
class Metrics {
 public:
  void observe(const std::string& route, const std::string& method, int status, std::chrono::nanoseconds elapsed);
  std::string render() const;
  void count_prepared_body() { ++prepared_bodies_; }

 private:
  struct Series {
    long long count = 0;
    double sum_seconds = 0;
    std::array<long long, 12> buckets{};
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, long long> requests_;
  std::map<std::pair<std::string, std::string>, Series> latency_;
  std::atomic<long long> prepared_bodies_{0};
};

// One request as a route's handler sees it: the request, its path parameters, who
// is asking, and what the audit log will say it was about.
struct Exchange;

class Api {
 public:
  // `extra_metrics`, when set, is appended to /metrics (called on the thread that
  // serves it, with this Api's store). `metrics`: shared with the server's other
  // Api objects (the store thread's and each reader's); null: its own.
  Api(core::Service& service, Access& access, std::function<std::string()> extra_metrics = {},
      Metrics* metrics = nullptr);
  http::Response handle(const http::Request& req);
  // On an I/O thread, before the hand-off (http::ServerOptions::prepare): hashes the
  // bearer token and decodes the body of a route that names its message, into a
  // PreparedRequest. Reads no store, and only the routes, which do not change after
  // construction, so any thread may call it beside handle().
  void prepare(http::Request& req) const;
  Metrics& metrics() { return *metrics_; }

  // Who may reach a route: anyone; a caller with a token; or a person with a
  // browser session or a token, sent to the login page when they have neither.
  enum class Gate { kPublic, kToken, kPage };
  struct Route {
    Gate gate;
    std::function<http::Response(Exchange&)> handler;
    // The body's message type (its default instance), for prepare(); null: none.
    const google::protobuf::Message* body = nullptr;
  };

 private:
  void add_routes();
  void add_notice_routes();
  void add_page_routes();
  http::Response admit(Exchange& ex, const Route& route);
  core::Service& service_;
  Access& access_;
  std::function<std::string()> extra_metrics_;
  http::BasicRouter<Route> router_;
  Metrics own_metrics_;
  Metrics* metrics_;
};

}  // namespace hwload::api
