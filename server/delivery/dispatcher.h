// Delivers the alert outbox to the bureaus' webhooks (PRODUCT.md "Webhook delivery").
//
// Guarantees: at least once — a delivery is marked done only after a 2xx, and its
// state lives in SQLite, so a restart resumes where it stopped (an attempt cut off
// by a crash is retried; receivers de-duplicate by X-Hwload-Alert-Id). In order per
// school — each (subscription, school) queue sends its oldest pending alert only, so
// a failing alert holds back later alerts of that school for that subscription,
// and no others. Retries back off exponentially with jitter, up to a cap, until
// delivered or the give-up horizon passes.
//
// Threads: timers and HTTP run on the I/O context (one strand); every store access
// is posted to the store thread. Nothing blocks a completion handler.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "core/clock.h"

namespace boost::asio {
class io_context;
}
namespace hwload::store {
class Store;
}

namespace hwload::delivery {

struct DispatcherOptions {
  std::chrono::milliseconds attempt_timeout{5000};
  std::chrono::milliseconds first_retry{1000};  // the first retry comes within this (jittered down to half)
  std::chrono::milliseconds max_backoff{300000};
  std::chrono::hours give_up_after{24 * 7};
  std::chrono::milliseconds poll_interval{250};
  int max_in_flight = 32;
  std::string ca_file;  // extra PEM CA certificates trusted for https receivers
};

struct DispatcherCounters {
  long long attempts = 0, delivered = 0, failed = 0, given_up = 0;
};

class Dispatcher {
 public:
  using StorePoster = std::function<void(std::function<void()>)>;
  Dispatcher(boost::asio::io_context& io, StorePoster post_store, store::Store& store, const Clock& clock,
             DispatcherOptions options, std::shared_ptr<spdlog::logger> log);
  ~Dispatcher();

  void start();
  // Looks for due deliveries now (after a change that may have written alerts).
  void poke();
  // Stops scheduling; attempts in flight finish or time out, their outcome recorded.
  void stop();
  DispatcherCounters counters() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// The delay before attempt `attempts + 1` after `attempts` failures: exponential from
// `first` (doubling), capped at `cap`, scaled by `jitter` in [0.5, 1].
std::chrono::milliseconds backoff(int attempts, std::chrono::milliseconds first, std::chrono::milliseconds cap,
                                  double jitter);

}  // namespace hwload::delivery
