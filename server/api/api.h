// The HTTP API: one thin handler per route of PRODUCT.md. Each decodes the body,
// calls the Service and encodes its answer; rules live in core/ and analytics/.
// handle() is a function of a request (it knows no sockets) and runs on the store
// thread, since the Service it calls does SQLite work.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "core/service.h"
#include "http/message.h"
#include "http/router.h"

namespace hwload::api {

// Request counters and latency histograms per route, in Prometheus text format.
class Metrics {
 public:
  void observe(const std::string& route, const std::string& method, int status, std::chrono::nanoseconds elapsed);
  std::string render() const;

 private:
  struct Series {
    long long count = 0;
    double sum_seconds = 0;
    std::array<long long, 12> buckets{};
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, long long> requests_;
  std::map<std::pair<std::string, std::string>, Series> latency_;
};

class Api {
 public:
  // `extra_metrics`, when set, is appended to /metrics (called on the store thread).
  explicit Api(core::Service& service, std::function<std::string()> extra_metrics = {});
  http::Response handle(const http::Request& req);
  Metrics& metrics() { return metrics_; }

 private:
  void add_routes();
  void add_notice_routes();
  core::Service& service_;
  std::function<std::string()> extra_metrics_;
  http::Router router_;
  Metrics metrics_;
};

}  // namespace hwload::api
