#include "http/server.h"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "auth/rate_limit.h"
#include "core/status.h"
#include "http/codec.h"
#include "http/router.h"

namespace hwload::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What the listener needs of a connection, whatever its stream (plain or TLS).
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void run() = 0;
  // Idle connections close now, busy ones after their response.
  virtual void stop() = 0;
};

namespace {

// The peer's IP address without the port: the key of the per-address limits.
std::string peer_address(const tcp::socket& socket) {
  beast::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  return ec ? std::string() : ep.address().to_string();
}

}  // namespace

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(asio::io_context& ioc, ServerOptions options, WorkPoster post_work, std::shared_ptr<spdlog::logger> log)
      : ioc_(ioc),
        options_(std::move(options)),
        post_work_(std::move(post_work)),
        log_(std::move(log)),
        acceptor_(asio::make_strand(ioc)) {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    id_prefix_ = buf;
  }

  void start() {
    load_tls();
    if (options_.per_address_rps > 0) rate_.emplace(options_.per_address_rps, options_.per_address_burst);
    const auto address = asio::ip::make_address(options_.host);
    tcp::endpoint ep(address, options_.port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    do_accept();
  }

  void do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      self->on_accept(ec, std::move(s));
    });
  }

  // TLS settings: TLS 1.2 or later, no compression, the chain and key from PEM
  // files. Throws naming the file that cannot be used.
  void load_tls() {
    const bool cert = !options_.tls_cert_file.empty();
    const bool key = !options_.tls_key_file.empty();
    if (cert != key) {
      throw std::runtime_error(
          std::string("TLS needs both a certificate and a key file; only the ") +
          (cert ? "certificate (" + options_.tls_cert_file + ")" : "key (" + options_.tls_key_file + ")") + " is set");
    }
    if (!cert) return;
    ssl::context ctx(ssl::context::tls_server);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                    ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    ctx.use_certificate_chain_file(options_.tls_cert_file, ec);
    if (ec) {
      throw std::runtime_error("TLS certificate file " + options_.tls_cert_file +
                               ": cannot load a PEM certificate chain (" + ec.message() + ")");
    }
    ctx.use_private_key_file(options_.tls_key_file, ssl::context::pem, ec);
    if (ec || SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
      throw std::runtime_error("TLS key file " + options_.tls_key_file +
                               ": cannot load a PEM private key matching the certificate " + options_.tls_cert_file +
                               (ec ? " (" + ec.message() + ")" : std::string()));
    }
    tls_.emplace(std::move(ctx));
  }

  void on_accept(beast::error_code ec, tcp::socket socket);

  // Over a connection cap: a short 503 with Retry-After, then close, without
  // reading the request. On a TLS listener the refusal goes through a handshake
  // (bounded in time), so that clients can read it.
  void reject_busy(tcp::socket socket) {
    static const std::string kReply =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
        "Connection: close\r\nContent-Length: 71\r\n\r\n"
        "{\"code\":\"UNAVAILABLE\",\"message\":\"too many connections; retry shortly\"}\n";
    auto close = [](beast::tcp_stream& s) {
      beast::error_code ignored;
      s.socket().shutdown(tcp::socket::shutdown_both, ignored);
      s.socket().close(ignored);
    };
    if (tls_) {
      // Over TLS a readable refusal would cost a handshake (a private-key operation)
      // per refused connection: past the cap, the connection is just closed.
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    auto s = std::make_shared<beast::tcp_stream>(std::move(socket));
    asio::async_write(*s, asio::buffer(kReply), [s, close](beast::error_code, size_t) { close(*s); });
  }

  // Takes one request from `address`'s bucket: nullopt when allowed, else how long
  // to wait.
  std::optional<std::chrono::seconds> over_rate(const std::string& address) {
    if (!rate_) return std::nullopt;
    std::lock_guard lock(rate_mu_);
    const auto verdict = rate_->take(address, auth::RateLimiter::Clock::now());
    if (verdict.allowed) return std::nullopt;
    return verdict.retry_after;
  }

  void shutdown(std::function<void()> on_drained);
  void session_closed(SessionBase* s, const std::string& address) {
    std::function<void()> drained;
    {
      std::lock_guard lock(mu_);
      sessions_.erase(s);
      if (auto it = per_address_.find(address); it != per_address_.end() && --it->second == 0) {
        per_address_.erase(it);
      }
      if (stopping_ && sessions_.empty() && on_drained_) drained = std::exchange(on_drained_, nullptr);
    }
    if (drained) drained();
  }

  std::string next_request_id() { return id_prefix_ + "-" + std::to_string(++request_counter_); }

  asio::io_context& ioc_;
  ServerOptions options_;
  WorkPoster post_work_;
  std::shared_ptr<spdlog::logger> log_;
  tcp::acceptor acceptor_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> stopping_flag_{false};
  std::string id_prefix_;
  std::atomic<uint64_t> request_counter_{0};
  std::atomic<size_t> pending_{0};
  std::optional<ssl::context> tls_;  // set: the listener speaks only HTTPS

  std::mutex rate_mu_;  // RateLimiter is single-threaded
  std::optional<auth::RateLimiter> rate_;

  std::mutex mu_;
  bool stopping_ = false;
  std::unordered_set<SessionBase*> sessions_;
  std::vector<std::weak_ptr<SessionBase>> weak_sessions_;
  std::unordered_map<std::string, size_t> per_address_;  // open sessions by peer address
  std::function<void()> on_drained_;
};

// One connection. `Stream` is beast::tcp_stream or TlsStream (as in Beast's
// advanced_server_flex example); everything but the handshake and the close is the
// same for both.
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `address`: the peer's IP, counted in the server's per-address connections.
  template <typename... StreamArgs>
  Session(tcp::socket socket, std::string address, std::shared_ptr<HttpServer::Impl> server, StreamArgs&... args)
      : stream_(std::move(socket), args...), server_(std::move(server)), address_(std::move(address)) {
    beast::error_code ec;
    auto ep = tcp_layer().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~Session() override { server_->session_closed(this, address_); }

  void run() override {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->handshake();
      } else {
        self->do_read();
      }
    });
  }

  // Called through the strand at shutdown: idle connections close now, busy ones
  // after their response.
  void stop() override {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_) self->close();
    });
  }

 private:
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  // The TLS handshake, under the read timeout. A failed one (a plain-HTTP client,
  // an untrusting client, a scanner) just closes.
  void handshake() {
    tcp_layer().expires_after(server_->options_.read_timeout);
    stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->server_->log_->debug("{} TLS handshake failed: {}", self->remote_, ec.message());
        return self->close();
      }
      self->do_read();
    });
  }

  void do_read() {
    if (closing_) return close();
    parser_.emplace();
    parser_->body_limit(server_->options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options_.header_limit));
    tcp_layer().expires_after(server_->options_.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    busy_ = true;
    server_->log_->debug("{} header read: {} {}", remote_, std::string(parser_->get().method_string()),
                         std::string(parser_->get().target()));
    tcp_layer().expires_after(server_->options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec2, size_t) { self->on_read(ec2); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    if constexpr (kTls) {
      // A peer that drops TCP without close_notify, or a TLS-level failure: nothing
      // can be answered on this connection.
      if (ec == ssl::error::stream_truncated || ec.category() == asio::error::get_ssl_category()) {
        server_->log_->debug("{} TLS read failed: {}", remote_, ec.message());
        return close();
      }
    }
    Request req;
    if (parser_ && parser_->is_header_done()) {
      req.accept = std::string(parser_->get()[bhttp::field::accept]);
      req.content_type = std::string(parser_->get()[bhttp::field::content_type]);
    }
    Status st;
    int status = 400;
    if (ec == bhttp::error::body_limit) {
      st = Status(Code::kPayloadTooLarge,
                  "request body exceeds the limit of " + std::to_string(server_->options_.body_limit) + " bytes");
      status = 413;
      linger_ = true;  // the client may still be sending: let it finish, then close
    } else if (ec == bhttp::error::header_limit) {
      st = Status(Code::kInvalidArgument,
                  "request header exceeds the limit of " + std::to_string(server_->options_.header_limit) + " bytes");
      status = 431;
    } else {
      st = Status(Code::kInvalidArgument, "malformed HTTP request: " + ec.message());
    }
    Response res = respond_error(req, st);
    res.status = status;
    req.request_id = server_->next_request_id();
    server_->log_->info("{} {} - {} {}", req.request_id, remote_, status, st.message());
    closing_ = true;
    write(req, std::move(res), false);
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    auto& msg = parser_->get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.content_type = std::string(msg[bhttp::field::content_type]);
    req.accept = std::string(msg[bhttp::field::accept]);
    req.authorization = std::string(msg[bhttp::field::authorization]);
    req.cookie = std::string(msg[bhttp::field::cookie]);
    req.origin = std::string(msg[bhttp::field::origin]);
    req.body = std::move(msg.body());
    req.remote = remote_;
    req.secure = kTls;
    req.request_id = server_->next_request_id();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    tcp_layer().expires_never();
    // Every request counts against its address (health checks too), before any
    // work reaches the store thread.
    if (auto wait = server_->over_rate(address_)) {
      Response res =
          respond_error(req, Status(Code::kResourceExhausted, "too many requests from this address; retry in " +
                                                                  std::to_string(wait->count()) + " s"));
      set_retry_after(res, *wait);
      server_->log_->info("{} {} {} {} {} rate limited", req.request_id, remote_, req.method, req.target, res.status);
      return write(req, std::move(res), keep_alive_);
    }
    if (!split_target(req.target, req.path, req.query)) {
      Response res = respond_error(req, Status::invalid("target", "is not a valid request target"));
      return write(req, std::move(res), false);
    }
    // The handler does storage work: run it off the I/O threads, then come back
    // to this connection's strand to write.
    if (server_->pending_.load() >= server_->options_.max_pending) {
      Response res = respond_error(req, Status(Code::kUnavailable, "the server is overloaded; retry shortly"));
      server_->log_->warn("{} {} {} {} 503 overloaded", req.request_id, remote_, req.method, req.target);
      return write(req, std::move(res), keep_alive_);
    }
    ++server_->pending_;
    if (server_->options_.prepare) {
      try {
        server_->options_.prepare(req);
      } catch (const std::exception& e) {
        req.prepared.reset();
        server_->log_->warn("{} prepare failed: {}", req.request_id, e.what());
      }
    }
    auto self = this->shared_from_this();
    auto shared_req = std::make_shared<Request>(std::move(req));
    const auto start = std::chrono::steady_clock::now();
    Work work;
    work.request = shared_req;
    work.run = [self, shared_req](const RequestHandler& handler) {
      try {
        return handler(*shared_req);
      } catch (const std::exception& e) {
        self->server_->log_->error("{} handler failed: {}", shared_req->request_id, e.what());
        return respond_error(*shared_req, Status::internal("internal error; nothing was stored"));
      }
    };
    work.reply = [self, shared_req, start](Response res) {
      --self->server_->pending_;
      const auto elapsed = std::chrono::steady_clock::now() - start;
      self->server_->log_->info("{} {} {} {} {} {}B {:.2f}ms", shared_req->request_id, self->remote_,
                                shared_req->method, shared_req->target, res.status, res.body.size(),
                                std::chrono::duration<double, std::milli>(elapsed).count());
      asio::post(self->stream_.get_executor(), [self, shared_req, res = std::move(res)]() mutable {
        self->write(*shared_req, std::move(res), self->keep_alive_);
      });
    };
    server_->post_work_(std::move(work));
  }

  static void set_retry_after(Response& res, std::chrono::seconds wait) {
    const std::string value = std::to_string(std::max<long long>(1, wait.count()));
    for (auto& [name, v] : res.headers) {
      if (name == "Retry-After") {
        v = value;
        return;
      }
    }
    res.headers.emplace_back("Retry-After", value);
  }

  void write(const Request& req, Response res, bool keep_alive) {
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(version_ ? version_ : 11);
    out->result(static_cast<unsigned>(res.status));
    out->set(bhttp::field::server, "hwload");
    if (!req.request_id.empty()) out->set("X-Request-Id", req.request_id);
    if (!res.content_type.empty()) out->set(bhttp::field::content_type, res.content_type);
    for (auto& [k, v] : res.headers) {
      // A line break in a value would end the header early (response splitting):
      // such a header is dropped, never sent.
      if (v.find_first_of("\r\n") != std::string::npos || k.find_first_of("\r\n:") != std::string::npos) {
        server_->log_->error("{} header {} dropped: it holds a line break", req.request_id, k);
        continue;
      }
      out->set(k, v);
    }
    out->body() = std::move(res.body);
    keep_alive = keep_alive && !closing_ && !server_->stopping_flag_.load();
    out->keep_alive(keep_alive);
    out->prepare_payload();
    tcp_layer().expires_after(server_->options_.read_timeout);
    bhttp::async_write(stream_, *out, [self = this->shared_from_this(), out, keep_alive](beast::error_code ec, size_t) {
      self->busy_ = false;
      if (!ec && self->linger_) return self->linger();
      if (ec) return self->close();
      if (!keep_alive) return self->finish();
      self->do_read();
    });
  }

  // The last response is written: over TLS, say close_notify (briefly) first.
  void finish() {
    if constexpr (kTls) {
      if (closing_tls_) return close();
      closing_tls_ = true;
      tcp_layer().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close(); });
    } else {
      close();
    }
  }

  // A lingering close: after refusing a request whose body is still arriving, stop
  // sending and read and discard what comes (bounded in time and bytes), so the
  // client gets to read the refusal instead of a connection reset.
  // Over TLS the discarded bytes are read below the TLS layer: the connection is
  // never used again.
  void linger() {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_layer().expires_after(std::chrono::seconds(5));
    discard_ = std::make_unique<std::array<char, 65536>>();
    do_discard();
  }

  void do_discard() {
    tcp_layer().async_read_some(asio::buffer(*discard_),
                                [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                                  self->discarded_ += n;
                                  if (ec || self->discarded_ > kMaxDiscard) return self->close();
                                  self->do_discard();
                                });
  }

  void close() {
    beast::error_code ec;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp_layer().socket().close(ec);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<HttpServer::Impl> server_;
  std::string address_;  // the peer's IP: the key of the per-address limits
  std::string remote_;   // IP:port, for the logs
  static constexpr size_t kMaxDiscard = 256 * 1024 * 1024;
  bool busy_ = false;
  bool closing_ = false;
  bool linger_ = false;
  bool closing_tls_ = false;
  size_t discarded_ = 0;
  std::unique_ptr<std::array<char, 65536>> discard_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
};

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    // Out of file descriptors (or similar): pause instead of spinning.
    log_->warn("accept failed: {}; pausing 100 ms", ec.message());
    auto timer = std::make_shared<asio::steady_timer>(acceptor_.get_executor(), std::chrono::milliseconds(100));
    timer->async_wait([self = shared_from_this(), timer](beast::error_code) {
      if (self->acceptor_.is_open()) self->do_accept();
    });
    return;
  }
  std::shared_ptr<SessionBase> session;
  std::string address = peer_address(socket);
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    const auto it = per_address_.find(address);
    const size_t from_address = it == per_address_.end() ? 0 : it->second;
    if (sessions_.size() >= options_.max_connections) {
      reject_busy(std::move(socket));
    } else if (options_.max_connections_per_address > 0 && from_address >= options_.max_connections_per_address) {
      log_->debug("{}: {} connections open from this address; refusing another", address, from_address);
      reject_busy(std::move(socket));
    } else {
      if (tls_) {
        session = std::make_shared<Session<TlsStream>>(std::move(socket), address, shared_from_this(), *tls_);
      } else {
        session = std::make_shared<Session<beast::tcp_stream>>(std::move(socket), address, shared_from_this());
      }
      ++per_address_[address];
      sessions_.insert(session.get());
      std::erase_if(weak_sessions_, [](const auto& w) { return w.expired(); });
      weak_sessions_.push_back(session);
    }
  }
  if (session) session->run();
  do_accept();
}

void HttpServer::Impl::shutdown(std::function<void()> on_drained) {
  std::vector<std::shared_ptr<SessionBase>> live;
  bool drained_now = false;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    stopping_flag_ = true;
    for (auto& w : weak_sessions_) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
    if (sessions_.empty()) {
      drained_now = true;
    } else {
      on_drained_ = std::move(on_drained);
    }
  }
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    self->acceptor_.close(ec);
  });
  for (auto& s : live) s->stop();
  live.clear();
  if (drained_now && on_drained) on_drained();
}

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, WorkPoster post_work,
                       std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(post_work), std::move(log))) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() { impl_->start(); }
uint16_t HttpServer::port() const { return impl_->port_.load(); }
bool HttpServer::tls() const { return impl_->tls_.has_value(); }
void HttpServer::shutdown(std::function<void()> on_drained) { impl_->shutdown(std::move(on_drained)); }

}  // namespace hwload::http
