#include "load.h"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <mutex>
#include <thread>

namespace hwload::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

void fail(Tally& t, const std::string& what) {
  ++t.failed;
  if (t.first_error.empty()) t.first_error = what;
}

namespace {

struct Run {
  const LoadOptions& options;
  const std::function<std::optional<Exchange>(int)>& next;
  std::vector<Tally>& tallies;
  client::wire::Endpoint at;
  tcp::resolver::results_type endpoints;
  std::optional<ssl::context> tls;
};

// One connection, plain or TLS; a new stream each time it is opened (a TLS stream
// cannot be reused once closed).
class Connection {
 public:
  Connection(asio::any_io_executor ex, Run& run) : ex_(std::move(ex)), run_(run) {}

  asio::awaitable<void> open() {
    if (run_.tls) {
      secure_.emplace(ex_, *run_.tls);
      const std::string& host = run_.at.host;
      boost::system::error_code ec;
      asio::ip::make_address(host, ec);
      // A name, not an address: SNI carries names only (RFC 6066).
      if (ec && !SSL_set_tlsext_host_name(secure_->native_handle(), host.c_str())) {
        throw boost::system::system_error(asio::error::invalid_argument, "cannot set the TLS server name " + host);
      }
      secure_->set_verify_callback(ssl::host_name_verification(host));
    } else {
      plain_.emplace(ex_);
    }
    tcp().expires_after(run_.options.timeout);
    co_await tcp().async_connect(run_.endpoints, asio::use_awaitable);
    if (secure_) co_await secure_->async_handshake(ssl::stream_base::client, asio::use_awaitable);
    buffer_.clear();
    open_ = true;
  }

  bool is_open() const { return open_; }

  asio::awaitable<void> exchange(const bhttp::request<bhttp::string_body>& req,
                                 bhttp::response<bhttp::string_body>& res) {
    tcp().expires_after(run_.options.timeout);
    if (secure_) {
      co_await bhttp::async_write(*secure_, req, asio::use_awaitable);
      co_await bhttp::async_read(*secure_, buffer_, res, asio::use_awaitable);
    } else {
      co_await bhttp::async_write(*plain_, req, asio::use_awaitable);
      co_await bhttp::async_read(*plain_, buffer_, res, asio::use_awaitable);
    }
  }

  void close() {
    if (plain_ || secure_) {
      boost::system::error_code ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      tcp().socket().close(ignored);
    }
    plain_.reset();
    secure_.reset();
    open_ = false;
  }

 private:
  beast::tcp_stream& tcp() { return secure_ ? beast::get_lowest_layer(*secure_) : *plain_; }

  asio::any_io_executor ex_;
  Run& run_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<TlsStream> secure_;
  beast::flat_buffer buffer_;
  bool open_ = false;
};

// After a failure that left no connection (refused, timed out, a failed handshake):
// a short pause before the next attempt, so that a server that is down is not
// hammered, nor one whose certificate is not trusted made to handshake without end.
constexpr auto kPauseAfterFailure = std::chrono::milliseconds(20);

// What a kept-alive connection the server has closed meanwhile looks like.
bool stale(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

asio::awaitable<void> drive(Run& run, int index) {
  const auto executor = co_await asio::this_coro::executor;  // the connection's strand
  Connection c(executor, run);
  Tally& t = run.tallies[static_cast<size_t>(index)];
  const std::string host = run.at.host;
  const std::string authorization = run.options.token.empty() ? std::string() : "Bearer " + run.options.token;
  while (Clock::now() < run.options.stop_at) {
    std::optional<Exchange> ex = run.next(index);
    if (!ex) break;
    auto& w = ex->request;
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(w.method), w.target, 11};
    req.set(bhttp::field::host, host);
    req.set(bhttp::field::user_agent, "hwload-bench/0.1");
    if (!authorization.empty()) req.set(bhttp::field::authorization, authorization);
    for (const auto& [k, v] : w.headers) req.set(k, v);
    req.body() = std::move(w.body);
    req.keep_alive(true);
    req.prepare_payload();
    // The latency runs from here (a connection opened for the request included) to
    // the answer's last byte; decoding the answer is the client's own time.
    const auto start = Clock::now();
    ++t.requests;
    std::string error;
    bool pause = false;
    try {
      bhttp::response<bhttp::string_body> res;
      for (int attempt = 0;; ++attempt) {
        const bool reused = c.is_open();
        if (!reused) co_await c.open();
        try {
          co_await c.exchange(req, res);
          break;
        } catch (const boost::system::system_error& e) {
          // A kept-alive connection the server closed meanwhile: once more on a new
          // one, as the SDK does.
          if (!reused || attempt > 0 || !stale(e.code())) throw;
          ++t.resent;
          c.close();
          res = {};
        }
      }
      const auto end = Clock::now();
      client::RawResponse raw;
      raw.status = static_cast<int>(res.result_int());
      raw.content_type = std::string(res[bhttp::field::content_type]);
      raw.body = std::move(res.body());
      if (!res.keep_alive()) c.close();
      if (ex->answer(raw, t, error)) {
        t.latency_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
        continue;
      }
    } catch (const boost::system::system_error& e) {
      c.close();
      pause = true;
      error = w.method + " " + w.target + ": " + e.code().message();
    } catch (const std::exception& e) {  // anything else: counted on this connection, the run goes on
      c.close();
      pause = true;
      error = w.method + " " + w.target + ": " + e.what();
    }
    fail(t, error);
    if (pause) {
      asio::steady_timer timer(executor, kPauseAfterFailure);
      co_await timer.async_wait(asio::use_awaitable);
    }
  }
  c.close();
}

}  // namespace

std::string run_load(const LoadOptions& options, const std::function<std::optional<Exchange>(int)>& next,
                     std::vector<Tally>& tallies) {
  tallies.assign(static_cast<size_t>(options.connections), Tally{});
  Run run{options, next, tallies, client::wire::parse_base_url(options.base_url), {}, {}};
  if (!run.at.error.empty()) return run.at.error;
  asio::io_context io(options.threads);
  boost::system::error_code ec;
  run.endpoints = tcp::resolver(io).resolve(run.at.host, run.at.port, ec);
  if (ec) return "cannot resolve " + run.at.host + ": " + ec.message();
  if (run.at.tls) {
    run.tls.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(run.tls->native_handle(), TLS1_2_VERSION);
    run.tls->set_default_verify_paths(ec);
    if (!options.ca_file.empty()) {
      run.tls->load_verify_file(options.ca_file, ec);
      if (ec) return "cannot read the CA file " + options.ca_file + ": " + ec.message();
    }
    run.tls->set_verify_mode(ssl::verify_peer);
  }
  std::mutex mu;
  std::exception_ptr escaped;  // what no connection expected (a bug), rethrown here
  for (int i = 0; i < options.connections; ++i) {
    // Each connection on its own strand: a Beast stream's operations and its timer
    // must not run on two threads at once.
    asio::co_spawn(asio::make_strand(io), drive(run, i), [&mu, &escaped](std::exception_ptr e) {
      const std::lock_guard lock(mu);
      if (e && !escaped) escaped = e;
    });
  }
  std::vector<std::thread> threads;
  for (int i = 1; i < options.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& th : threads) th.join();
  if (escaped) std::rethrow_exception(escaped);
  return {};
}

}  // namespace hwload::bench
