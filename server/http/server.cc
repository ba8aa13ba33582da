#include "http/server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <random>
#include <unordered_set>

#include "core/status.h"
#include "http/codec.h"
#include "http/router.h"

namespace hwload::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class Session;

class HttpServer::Impl : public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(asio::io_context& ioc, ServerOptions options, RequestHandler handler, WorkPoster post_work,
       std::shared_ptr<spdlog::logger> log)
      : ioc_(ioc),
        options_(std::move(options)),
        handler_(std::move(handler)),
        post_work_(std::move(post_work)),
        log_(std::move(log)),
        acceptor_(asio::make_strand(ioc)) {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    id_prefix_ = buf;
  }

  void start() {
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

  void on_accept(beast::error_code ec, tcp::socket socket);

  // Over the connection cap: a short 503 with Retry-After, then close, without
  // reading the request.
  void reject_busy(tcp::socket socket) {
    static const std::string kReply =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
        "Connection: close\r\nContent-Length: 71\r\n\r\n"
        "{\"code\":\"UNAVAILABLE\",\"message\":\"too many connections; retry shortly\"}\n";
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    asio::async_write(*s, asio::buffer(kReply), [s](beast::error_code, size_t) {
      beast::error_code ignored;
      s->shutdown(tcp::socket::shutdown_both, ignored);
      s->close(ignored);
    });
  }

  void shutdown(std::function<void()> on_drained);
  void session_closed(Session* s) {
    std::function<void()> drained;
    {
      std::lock_guard lock(mu_);
      sessions_.erase(s);
      if (stopping_ && sessions_.empty() && on_drained_) drained = std::exchange(on_drained_, nullptr);
    }
    if (drained) drained();
  }

  std::string next_request_id() { return id_prefix_ + "-" + std::to_string(++request_counter_); }

  asio::io_context& ioc_;
  ServerOptions options_;
  RequestHandler handler_;
  WorkPoster post_work_;
  std::shared_ptr<spdlog::logger> log_;
  tcp::acceptor acceptor_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> stopping_flag_{false};
  std::string id_prefix_;
  std::atomic<uint64_t> request_counter_{0};
  std::atomic<size_t> pending_{0};

  std::mutex mu_;
  bool stopping_ = false;
  std::unordered_set<Session*> sessions_;
  std::vector<std::weak_ptr<Session>> weak_sessions_;
  std::function<void()> on_drained_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~Session() { server_->session_closed(this); }

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  // Called through the strand at shutdown: idle connections close now, busy ones
  // after their response.
  void stop() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_) self->close();
    });
  }

 private:
  void do_read() {
    if (closing_) return close();
    parser_.emplace();
    parser_->body_limit(server_->options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options_.header_limit));
    stream_.expires_after(server_->options_.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    busy_ = true;
    server_->log_->debug("{} header read: {} {}", remote_, std::string(parser_->get().method_string()),
                         std::string(parser_->get().target()));
    stream_.expires_after(server_->options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec2, size_t) { self->on_read(ec2); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
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
    req.request_id = server_->next_request_id();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    stream_.expires_never();
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
    auto self = shared_from_this();
    auto shared_req = std::make_shared<Request>(std::move(req));
    server_->post_work_([self, shared_req] {
      --self->server_->pending_;
      auto start = std::chrono::steady_clock::now();
      Response res;
      try {
        res = self->server_->handler_(*shared_req);
      } catch (const std::exception& e) {
        self->server_->log_->error("{} handler failed: {}", shared_req->request_id, e.what());
        res = respond_error(*shared_req, Status::internal("internal error; nothing was stored"));
      }
      const auto elapsed = std::chrono::steady_clock::now() - start;
      self->server_->log_->info("{} {} {} {} {} {}B {:.2f}ms", shared_req->request_id, self->remote_,
                                shared_req->method, shared_req->target, res.status, res.body.size(),
                                std::chrono::duration<double, std::milli>(elapsed).count());
      asio::post(self->stream_.get_executor(), [self, shared_req, res = std::move(res)]() mutable {
        self->write(*shared_req, std::move(res), self->keep_alive_);
      });
    });
  }

  void write(const Request& req, Response res, bool keep_alive) {
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(version_ ? version_ : 11);
    out->result(static_cast<unsigned>(res.status));
    out->set(bhttp::field::server, "hwload");
    if (!req.request_id.empty()) out->set("X-Request-Id", req.request_id);
    if (!res.content_type.empty()) out->set(bhttp::field::content_type, res.content_type);
    for (auto& [k, v] : res.headers) out->set(k, v);
    out->body() = std::move(res.body);
    keep_alive = keep_alive && !closing_ && !server_->stopping_flag_.load();
    out->keep_alive(keep_alive);
    out->prepare_payload();
    stream_.expires_after(server_->options_.read_timeout);
    bhttp::async_write(stream_, *out, [self = shared_from_this(), out, keep_alive](beast::error_code ec, size_t) {
      self->busy_ = false;
      if (!ec && self->linger_) return self->linger();
      if (ec || !keep_alive) return self->close();
      self->do_read();
    });
  }

  // A lingering close: after refusing a request whose body is still arriving, stop
  // sending and read and discard what comes (bounded in time and bytes), so the
  // client gets to read the refusal instead of a connection reset.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(5));
    discard_ = std::make_unique<std::array<char, 65536>>();
    do_discard();
  }

  void do_discard() {
    stream_.async_read_some(asio::buffer(*discard_), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->discarded_ += n;
      if (ec || self->discarded_ > kMaxDiscard) return self->close();
      self->do_discard();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<HttpServer::Impl> server_;
  std::string remote_;
  static constexpr size_t kMaxDiscard = 256 * 1024 * 1024;
  bool busy_ = false;
  bool closing_ = false;
  bool linger_ = false;
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
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (sessions_.size() >= options_.max_connections) {
      reject_busy(std::move(socket));
    } else {
      session = std::make_shared<Session>(std::move(socket), shared_from_this());
      sessions_.insert(session.get());
      std::erase_if(weak_sessions_, [](const auto& w) { return w.expired(); });
      weak_sessions_.push_back(session);
    }
  }
  if (session) session->run();
  do_accept();
}

void HttpServer::Impl::shutdown(std::function<void()> on_drained) {
  std::vector<std::shared_ptr<Session>> live;
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

HttpServer::HttpServer(asio::io_context& ioc, ServerOptions options, RequestHandler handler, WorkPoster post_work,
                       std::shared_ptr<spdlog::logger> log)
    : impl_(std::make_shared<Impl>(ioc, std::move(options), std::move(handler), std::move(post_work), std::move(log))) {
}

HttpServer::~HttpServer() = default;

void HttpServer::start() { impl_->start(); }
uint16_t HttpServer::port() const { return impl_->port_.load(); }
void HttpServer::shutdown(std::function<void()> on_drained) { impl_->shutdown(std::move(on_drained)); }

}  // namespace hwload::http
