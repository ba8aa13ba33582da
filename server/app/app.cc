#include "app/app.h"

#include <boost/asio.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <stdexcept>
#include <thread>

#include "api/api.h"
#include "app/demo.h"
#include "app/group_commit.h"
#include "app/read_pool.h"
#include "delivery/dispatcher.h"
#include "http/server.h"
#include "hwload/thread_name.h"
#include "store/checkpointer.h"
#include "store/store.h"
#include "store/wal_buffer.h"

namespace hwload::app {

namespace asio = boost::asio;

struct App::Impl {
  Config config;
  std::shared_ptr<spdlog::logger> log;
  SystemClock system_clock;
  std::unique_ptr<core::TimeOrderedIdGenerator> own_ids;
  const Clock* clock;
  core::IdGenerator* ids;

  analytics::ProfileSet profiles;
  std::unique_ptr<api::TokenRates> token_rates;  // one budget per token, whichever thread serves it
  api::Metrics metrics;                          // one set of request metrics for every Api
  // Readers make no ids (they change nothing); the writer's generator is not theirs
  // to share across threads.
  struct NoIds final : core::IdGenerator {
    std::string next() override { throw std::logic_error("a reader makes no ids"); }
  } no_ids;

  // A SQLite connection and the API over it: the store thread's (the writer), and
  // each reader's (a read-only connection, GETs only).
  struct Stack {
    std::unique_ptr<store::Store> store;
    std::unique_ptr<core::Service> service;
    std::unique_ptr<api::Access> access;
    std::unique_ptr<api::Api> api;
  };
  // Gathers the writer's WAL writes until each commit's sync (file stores only).
  // Declared before the writer: it must outlive the connection that uses it.
  std::unique_ptr<store::WalBufferVfs> wal_buffer;
  Stack writer;
  // Copies the writer's WAL back into the file on its own thread (file stores only).
  std::unique_ptr<store::Checkpointer> checkpointer;
  std::vector<std::unique_ptr<Stack>> readers;
  std::unique_ptr<ReadPool> read_pool;

  // Builds the Service, Access and Api over `s.store`.
  void build(Stack& s, core::IdGenerator& id_source, const core::ServiceOptions& so, const api::AccessOptions& ao) {
    s.service = std::make_unique<core::Service>(*s.store, profiles, *clock, id_source, so);
    s.access = std::make_unique<api::Access>(*s.store, *clock, ao, token_rates.get());
    s.api = std::make_unique<api::Api>(
        *s.service, *s.access, [this, &s] { return delivery_metrics(*s.store); }, &metrics);
  }

  asio::io_context io;        // sockets and timers
  asio::io_context store_io;  // the store thread: every Service call
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> store_guard;
  std::unique_ptr<GroupCommit> group;  // requests' store work, committed in groups
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<delivery::Dispatcher> dispatcher;
  std::optional<asio::steady_timer> sweep_timer;
  std::optional<asio::steady_timer> notice_timer;
  std::optional<asio::steady_timer> drain_timer;
  std::vector<std::thread> io_threads;
  std::thread store_thread;
  std::once_flag stopped;

  void schedule_sweep() {
    sweep_timer->expires_after(std::chrono::seconds(config.sweep_interval_seconds));
    sweep_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      asio::post(store_io, [this] { sweep(); });
      schedule_sweep();
    });
  }

  void schedule_notices() {
    notice_timer->expires_after(std::chrono::seconds(config.notice_check_interval_seconds));
    notice_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      asio::post(store_io, [this] { publish_notices(); });
      schedule_notices();
    });
  }

  void publish_notices() {
    try {
      const int n = writer.service->publish_scheduled();
      if (n > 0) log->info("published {} scheduled notice(s)", n);
    } catch (const std::exception& e) {
      log->error("scheduled notice publishing failed: {}", e.what());
    }
  }

  // Delivery gauges and counters for /metrics, read through `st` (the connection
  // of the thread that serves /metrics).
  std::string delivery_metrics(store::Store& st) {
    const auto s = st.delivery_stats();
    const auto c = dispatcher->counters();
    const long long now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock->now().time_since_epoch()).count();
    const double oldest = s.oldest_pending_created_ms ? (now_ms - s.oldest_pending_created_ms) / 1000.0 : 0.0;
    std::string out;
    auto line = [&](const char* name, const char* type, const char* help, double v) {
      char value[32];
      std::snprintf(value, sizeof value, "%.15g", v);
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " + value +
             "\n";
    };
    line("hwload_alert_deliveries_pending", "gauge", "Webhook deliveries not yet made.",
         static_cast<double>(s.pending));
    line("hwload_alert_deliveries_delivered", "gauge", "Webhook deliveries made (2xx), all time.",
         static_cast<double>(s.delivered));
    line("hwload_alert_deliveries_given_up", "gauge", "Webhook deliveries abandoned after the give-up horizon.",
         static_cast<double>(s.given_up));
    line("hwload_alert_delivery_attempts", "gauge", "Webhook delivery attempts recorded, all time.",
         static_cast<double>(s.attempts));
    line("hwload_alert_oldest_undelivered_age_seconds", "gauge", "Age of the oldest pending delivery.", oldest);
    line("hwload_alert_delivery_attempts_total", "counter", "Attempts made since this process started.",
         static_cast<double>(c.attempts));
    line("hwload_alert_delivery_failures_total", "counter", "Failed attempts since this process started.",
         static_cast<double>(c.failed));
    const auto g = group->counters();
    line("hwload_group_commits_total", "counter", "Groups of changing requests begun (one transaction each).",
         static_cast<double>(g.groups));
    line("hwload_group_commit_requests_total", "counter", "Changing requests committed in groups.",
         static_cast<double>(g.requests));
    line("hwload_group_commit_largest", "gauge", "The most requests one group has held.",
         static_cast<double>(g.largest));
    if (checkpointer) {
      const auto k = checkpointer->counters();
      line("hwload_wal_checkpoints_total", "counter", "WAL checkpoints run by the background thread.",
           static_cast<double>(k.background));
      line("hwload_wal_catch_up_checkpoints_total", "counter",
           "WAL checkpoints a commit ran so that the log could start over.", static_cast<double>(k.caught_up));
      line("hwload_wal_checkpoint_failures_total", "counter", "WAL checkpoints that failed (retried later).",
           static_cast<double>(k.failed));
    }
    if (wal_buffer) {
      const auto w = wal_buffer->counters();
      line("hwload_wal_writes_total", "counter", "Writes the writer's SQLite connection made to its WAL.",
           static_cast<double>(w.writes));
      line("hwload_wal_write_flushes_total", "counter",
           "Writes that reached the WAL file (the buffered ones gathered, up to 124 KiB each).",
           static_cast<double>(w.flushes));
    }
    return out;
  }

  void sweep() {
    try {
      const int opened = writer.service->sweep_finished_weeks();
      if (opened > 0) log->info("week sweep opened {} breach(es)", opened);
    } catch (const std::exception& e) {
      log->error("week sweep failed: {}", e.what());
    }
  }
};

App::App(Config config, std::shared_ptr<spdlog::logger> log, const Clock* clock, core::IdGenerator* ids)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->log = std::move(log);
  impl_->clock = clock ? clock : &impl_->system_clock;
  if (!ids) impl_->own_ids = std::make_unique<core::TimeOrderedIdGenerator>(*impl_->clock);
  impl_->ids = ids ? ids : impl_->own_ids.get();
  for (const auto& p : impl_->config.profiles) impl_->profiles.put(p);
}

App::~App() { stop(); }

void App::start() {
  Impl& m = *impl_;
  const Config& c = m.config;
  core::ServiceOptions so;
  so.utc_offset_minutes = c.utc_offset_minutes;
  so.max_batch_items = c.max_batch_items;
  so.public_url = c.public_url;
  so.notice_catch_up_days = c.notice_catch_up_days;
  api::AccessOptions ao;
  ao.per_token_rps = c.per_token_rps;
  ao.per_token_burst = c.per_token_burst;
  ao.metrics_public = c.metrics_public;
  ao.session_lifetime = std::chrono::minutes(c.session_minutes);
  ao.secure_cookies = !c.tls_cert_file.empty();
  m.token_rates = std::make_unique<api::TokenRates>(ao);
  if (c.db != ":memory:") {
    // A name of this App's own: tests run several in one process.
    m.wal_buffer = std::make_unique<store::WalBufferVfs>("hwload-wal-buffer-" +
                                                         std::to_string(reinterpret_cast<uintptr_t>(&m)));
  }
  m.writer.store = store::Store::open(c.db, m.wal_buffer ? m.wal_buffer->name() : std::string());
  m.build(m.writer, *m.ids, so, ao);
  delivery::DispatcherOptions dopt;
  dopt.attempt_timeout = std::chrono::milliseconds(c.delivery_timeout_ms);
  dopt.first_retry = std::chrono::milliseconds(c.delivery_first_retry_ms);
  dopt.max_backoff = std::chrono::seconds(c.delivery_max_backoff_seconds);
  dopt.give_up_after = std::chrono::hours(c.delivery_give_up_hours);
  dopt.poll_interval = std::chrono::milliseconds(c.delivery_poll_interval_ms);
  dopt.max_in_flight = c.delivery_max_in_flight;
  dopt.ca_file = c.delivery_ca_file;
  m.dispatcher = std::make_unique<delivery::Dispatcher>(
      m.io, [this](std::function<void()> work) { asio::post(impl_->store_io, std::move(work)); }, *m.writer.store,
      *m.clock, dopt, m.log);
  m.log->info("store {} ready (schema version {})", c.db, m.writer.store->schema_version());
  if (const int rebuilt = m.writer.service->refresh_rollups(); rebuilt > 0) {
    m.log->info("rebuilt the load rollups of {} class(es) (new store or changed profiles)", rebuilt);
  }
  if (c.demo) load_demo(*m.writer.service, *m.log);
  m.sweep();
  m.publish_notices();  // catch up on what was due while the server was down

  m.group = std::make_unique<GroupCommit>(
      m.store_io, m.writer.store->db(), [&m](const http::Request& req) { return m.writer.api->handle(req); },
      [&m] { m.dispatcher->poke(); },  // the group's changes may have written alerts
      [&m](const std::string& why, size_t changes) {
        m.log->error("a group of {} change(s) could not be stored, each answered 503: {}", changes, why);
      });
  if (c.db != ":memory:") {
    m.checkpointer = std::make_unique<store::Checkpointer>(c.db, m.writer.store->db(), store::Checkpointer::Options{});
  }
  if (c.read_threads > 0 && c.db != ":memory:") {
    std::vector<http::RequestHandler> handlers;
    for (int i = 0; i < c.read_threads; ++i) {
      auto r = std::make_unique<Impl::Stack>();
      r->store = store::Store::open_reader(c.db);
      m.build(*r, m.no_ids, so, ao);
      Impl::Stack& reader = *r;
      handlers.push_back([&reader](const http::Request& req) {
        // One snapshot per request: everything it reads is of one commit.
        store::ReadSnapshot snapshot(reader.store->db());
        return reader.api->handle(req);
      });
      m.readers.push_back(std::move(r));
    }
    m.read_pool = std::make_unique<ReadPool>(std::move(handlers));
  }
  http::ServerOptions ho;
  if (Status st = split_listen(c.listen, ho.host, ho.port); !st.is_ok()) throw std::invalid_argument(st.message());
  ho.body_limit = c.body_limit_bytes;
  ho.header_limit = c.header_limit_bytes;
  ho.idle_timeout = std::chrono::seconds(c.idle_timeout_seconds);
  ho.read_timeout = std::chrono::seconds(c.read_timeout_seconds);
  ho.max_connections = c.max_connections;
  ho.tls_cert_file = c.tls_cert_file;
  ho.tls_key_file = c.tls_key_file;
  ho.per_address_rps = c.per_address_rps;
  ho.per_address_burst = c.per_address_burst;
  ho.max_connections_per_address = c.max_connections_per_address;
  // The token's hash and the body's decoding, on the I/O thread that read the
  // request: the store thread then does only what needs the store.
  if (c.prepare_requests) ho.prepare = [&m](http::Request& req) { m.writer.api->prepare(req); };
  m.server = std::make_unique<http::HttpServer>(
      m.io, ho,
      [&m](http::Work work) {
        if (m.read_pool && !work.request->may_change()) {
          m.read_pool->post(std::move(work));
        } else {
          m.group->post(std::move(work));
        }
      },
      m.log);
  m.server->start();
  m.log->info("hwload-server listening on {}://{}:{}", m.server->tls() ? "https" : "http", ho.host, m.server->port());
  if (!c.port_file.empty()) {
    std::ofstream(c.port_file + ".tmp") << m.server->port() << "\n";
    std::rename((c.port_file + ".tmp").c_str(), c.port_file.c_str());
  }

  m.sweep_timer.emplace(m.io);
  m.schedule_sweep();
  m.notice_timer.emplace(m.io);
  m.schedule_notices();
  m.dispatcher->start();
  m.store_guard.emplace(asio::make_work_guard(m.store_io));
  m.store_thread = std::thread([&m] {
    name_this_thread("hwload-store");
    m.store_io.run();
  });
  for (int i = 0; i < std::max(1, c.threads); ++i) {
    m.io_threads.emplace_back([&m, i] {
      name_this_thread("hwload-io-" + std::to_string(i));
      m.io.run();
    });
  }
}

uint16_t App::port() const { return impl_->server ? impl_->server->port() : 0; }

void App::stop() {
  Impl& m = *impl_;
  if (!m.server) return;
  std::call_once(m.stopped, [&m] {
    m.log->info("draining: no new connections; waiting for requests in flight");
    m.dispatcher->stop();
    asio::post(m.io, [&m] {
      if (m.sweep_timer) m.sweep_timer->cancel();
      if (m.notice_timer) m.notice_timer->cancel();
      m.drain_timer.emplace(m.io, std::chrono::seconds(m.config.drain_timeout_seconds));
      m.drain_timer->async_wait([&m](boost::system::error_code ec) {
        if (!ec) {
          m.log->warn("drain timeout reached; closing remaining connections");
          m.io.stop();
        }
      });
      m.server->shutdown([&m] {
        asio::post(m.io, [&m] {
          if (m.drain_timer) m.drain_timer->cancel();
        });
      });
    });
    if (m.io_threads.empty()) m.io.stop();  // start() failed before the threads ran
    for (auto& t : m.io_threads) t.join();
    if (m.read_pool) m.read_pool->stop();
    m.store_guard.reset();
    if (m.store_thread.joinable()) m.store_thread.join();
    m.log->info("stopped");
  });
}

void App::run_until_signal() {
  {
    asio::io_context signals_io;
    asio::signal_set signals(signals_io, SIGTERM, SIGINT);
    signals.async_wait([this](boost::system::error_code, int sig) { impl_->log->info("signal {} received", sig); });
    signals_io.run();
  }
  // The drain is bounded by its timeout: a second signal must not cut it short.
  std::signal(SIGTERM, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);
  stop();
}

}  // namespace hwload::app
