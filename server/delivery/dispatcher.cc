#include "delivery/dispatcher.h"

#include <boost/asio.hpp>
#include <mutex>
#include <random>
#include <set>
#include <utility>

#include "delivery/signature.h"
#include "delivery/webhook_client.h"
#include "http/codec.h"
#include "store/store.h"

namespace hwload::delivery {

namespace asio = boost::asio;

std::chrono::milliseconds backoff(int attempts, std::chrono::milliseconds first, std::chrono::milliseconds cap,
                                  double jitter) {
  double ms = static_cast<double>(first.count());
  for (int i = 1; i < attempts && ms < static_cast<double>(cap.count()); ++i) ms *= 2;
  ms = std::min(ms, static_cast<double>(cap.count()));
  return std::chrono::milliseconds(static_cast<long long>(ms * jitter));
}

class Dispatcher::Impl : public std::enable_shared_from_this<Dispatcher::Impl> {
 public:
  Impl(asio::io_context& io, StorePoster post_store, store::Store& store, const Clock& clock, DispatcherOptions o,
       std::shared_ptr<spdlog::logger> log)
      : strand_(asio::make_strand(io)),
        timer_(strand_),
        post_store_(std::move(post_store)),
        store_(store),
        clock_(clock),
        options_(o),
        log_(std::move(log)),
        webhooks_(io, o.ca_file),
        rng_(std::random_device{}()) {}

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->schedule(std::chrono::milliseconds(0)); });
  }

  void stop() {
    asio::dispatch(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->timer_.cancel();
    });
  }

  void poke() {
    asio::post(strand_, [self = shared_from_this()] {
      if (!self->stopped_ && !self->polling_) self->poll();
    });
  }

  DispatcherCounters counters() const {
    std::lock_guard lock(counters_mu_);
    return counters_;
  }

 private:
  using Key = std::pair<std::string, std::string>;  // (subscription, school)

  int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  }

  void schedule(std::chrono::milliseconds delay) {
    if (stopped_) return;
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopped_) return;
      self->poll();
      self->schedule(self->options_.poll_interval);
    });
  }

  // On the strand: fetch the due queue heads on the store thread, then send those
  // not already in flight.
  void poll() {
    if (stopped_ || polling_) return;
    const int room = options_.max_in_flight - static_cast<int>(in_flight_.size());
    if (room <= 0) return;
    polling_ = true;
    const int64_t now = now_ms();
    // Heads in flight come back too (and are skipped): ask for enough beyond them.
    const int limit = room + static_cast<int>(in_flight_.size());
    post_store_([self = shared_from_this(), now, limit] {
      std::vector<store::Store::Delivery> due;
      try {
        due = self->store_.due_deliveries(now, limit);
      } catch (const std::exception& e) {
        self->log_->error("delivery: cannot read the outbox: {}", e.what());
      }
      asio::post(self->strand_, [self, due = std::move(due)]() mutable {
        self->polling_ = false;
        for (auto& d : due) self->send(std::move(d));
      });
    });
  }

  void send(store::Store::Delivery d) {
    if (stopped_) return;
    Key key{d.subscription_id, d.school_id};
    if (in_flight_.contains(key) || static_cast<int>(in_flight_.size()) >= options_.max_in_flight) return;
    WebhookUrl url;
    if (!parse_webhook_url(d.url, url)) {
      record(std::move(d), PostResult{0, "unsupported URL " + d.url});
      return;
    }
    in_flight_.insert(key);
    const bool protobuf = d.format == 2;  // PayloadFormat PROTOBUF
    std::string body = http::encode(d.alert, protobuf ? http::Format::kProtobuf : http::Format::kJson);
    std::map<std::string, std::string> headers = {
        {"Content-Type", protobuf ? "application/x-protobuf" : "application/json"},
        {"X-Hwload-Alert-Id", d.alert.alert_id()},
        {"X-Hwload-Signature", signature_header(d.secret, body)},
    };
    {
      std::lock_guard lock(counters_mu_);
      ++counters_.attempts;
    }
    auto shared = std::make_shared<store::Store::Delivery>(std::move(d));
    webhooks_.post(url, std::move(body), std::move(headers), options_.attempt_timeout,
                   [self = shared_from_this(), shared](PostResult r) {
                     asio::post(self->strand_, [self, shared, r = std::move(r)]() mutable {
                       self->record(std::move(*shared), std::move(r));
                     });
                   });
  }

  // On the strand: records the outcome on the store thread, then frees the queue.
  void record(store::Store::Delivery d, PostResult r) {
    const bool ok = r.status / 100 == 2;
    const int64_t now = now_ms();
    const int64_t age_ms = now - d.created_ms;
    const bool give_up =
        !ok && age_ms >= std::chrono::duration_cast<std::chrono::milliseconds>(options_.give_up_after).count();
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    const auto delay = backoff(d.attempts + 1, options_.first_retry, options_.max_backoff, jitter(rng_));
    {
      std::lock_guard lock(counters_mu_);
      if (ok) {
        ++counters_.delivered;
      } else if (give_up) {
        ++counters_.given_up;
      } else {
        ++counters_.failed;
      }
    }
    if (!ok) {
      log_->warn("delivery of alert {} (seq {}) to {} failed (attempt {}): {}{}", d.alert.alert_id(), d.seq,
                 d.subscription_id, d.attempts + 1, r.error, give_up ? "; giving up" : "");
    }
    const std::string stamp = format_rfc3339(clock_.now());
    post_store_([self = shared_from_this(), d = std::move(d), ok, give_up, delay, now, stamp, error = r.error] {
      bool recorded = true;
      try {
        if (ok) {
          self->store_.delivery_succeeded(d.subscription_id, d.seq, stamp);
        } else if (give_up) {
          self->store_.delivery_given_up(d.subscription_id, d.seq, error);
        } else {
          self->store_.delivery_failed(d.subscription_id, d.seq, now + delay.count(), error);
        }
      } catch (const std::exception& e) {
        recorded = false;
        self->log_->error("delivery: cannot record an outcome: {}", e.what());
      }
      asio::post(self->strand_, [self, key = Key{d.subscription_id, d.school_id}, ok, recorded, delay] {
        if (!recorded) {
          // The store kept no backoff: hold the queue here for it instead.
          auto timer = std::make_shared<asio::steady_timer>(self->strand_, delay);
          timer->async_wait([self, key, timer](boost::system::error_code) { self->release(key, false); });
          return;
        }
        self->release(key, ok);
      });
    });
  }

  void release(const Key& key, bool delivered) {
    in_flight_.erase(key);
    if (delivered) poke();  // the school's next alert may be waiting
  }

  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;
  StorePoster post_store_;
  store::Store& store_;
  const Clock& clock_;
  DispatcherOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  WebhookClient webhooks_;
  std::mt19937 rng_;
  bool stopped_ = false;
  bool polling_ = false;
  std::set<Key> in_flight_;
  mutable std::mutex counters_mu_;
  DispatcherCounters counters_;
};

Dispatcher::Dispatcher(asio::io_context& io, StorePoster post_store, store::Store& store, const Clock& clock,
                       DispatcherOptions options, std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<Impl>(io, std::move(post_store), store, clock, options, std::move(log))) {}
Dispatcher::~Dispatcher() = default;
void Dispatcher::start() { impl_->start(); }
void Dispatcher::poke() { impl_->poke(); }
void Dispatcher::stop() { impl_->stop(); }
DispatcherCounters Dispatcher::counters() const { return impl_->counters(); }

}  // namespace hwload::delivery
