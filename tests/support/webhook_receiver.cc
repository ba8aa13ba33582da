#include "support/webhook_receiver.h"

#include <google/protobuf/util/json_util.h>

#include <optional>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <random>
#include <thread>

namespace hwload::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Handlers capture the raw pointer: stop() joins the I/O thread before the Impl goes,
// and the io_context (a member) destroys whatever handlers are left.
class WebhookReceiver::Impl {
 public:
  explicit Impl(Options o)
      : options_(o), rng_(o.seed), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    if (!o.tls_cert_file.empty()) {
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->use_certificate_chain_file(o.tls_cert_file);
      tls_->use_private_key_file(o.tls_key_file, asio::ssl::context::pem);
    }
  }

  void start() {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  void stop() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void accept() {
    acceptor_.async_accept([self = this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      if (self->tls_) {
        auto stream = std::make_shared<asio::ssl::stream<tcp::socket>>(std::move(s), *self->tls_);
        stream->async_handshake(asio::ssl::stream_base::server, [self, stream](beast::error_code ec2) {
          if (!ec2) self->serve(stream);
        });
      } else {
        self->serve(std::make_shared<tcp::socket>(std::move(s)));
      }
      self->accept();
    });
  }

  template <typename Stream>
  void serve(std::shared_ptr<Stream> socket) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    auto req = std::make_shared<bhttp::request<bhttp::string_body>>();
    bhttp::async_read(*socket, *buffer, *req, [self = this, socket, buffer, req](beast::error_code ec, size_t) {
      if (ec) return;
      Received r;
      r.alert_id = std::string((*req)["X-Hwload-Alert-Id"]);
      r.signature = std::string((*req)["X-Hwload-Signature"]);
      r.content_type = std::string((*req)[bhttp::field::content_type]);
      r.body = req->body();
      if (r.content_type == "application/x-protobuf") {
        r.alert.ParseFromString(r.body);
      } else {
        (void)google::protobuf::util::JsonStringToMessage(r.body, &r.alert);
      }
      int status = 200;
      bool hang = false;
      std::chrono::milliseconds delay;
      {
        std::lock_guard lock(self->mu_);
        std::uniform_real_distribution<double> u(0, 1);
        const double x = u(self->rng_);
        hang = x < self->options_.hang_rate;
        if (!hang && x < self->options_.hang_rate + self->options_.fail_rate) status = 500;
        if (!hang && !self->options_.fail_school.empty() &&
            r.alert.breach().school_id() == self->options_.fail_school) {
          status = 500;
        }
        delay = hang ? self->options_.hang_for : self->options_.delay;
        r.answered = hang ? 0 : status;
        self->received_.push_back(r);
      }
      auto timer = std::make_shared<asio::steady_timer>(self->io_, delay);
      timer->async_wait([socket, timer, hang, status](beast::error_code) {
        if (hang) {
          beast::error_code ignored;
          beast::get_lowest_layer(*socket).close(ignored);
          return;
        }
        auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(status), 11);
        res->body() = status == 200 ? "ok" : "try again";
        res->keep_alive(false);
        res->prepare_payload();
        bhttp::async_write(*socket, *res, [socket, res](beast::error_code, size_t) {
          beast::error_code ignored;
          beast::get_lowest_layer(*socket).shutdown(tcp::socket::shutdown_both, ignored);
          beast::get_lowest_layer(*socket).close(ignored);
        });
      });
    });
  }

  Options options_;
  std::optional<asio::ssl::context> tls_;
  std::mt19937 rng_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Received> received_;
};

WebhookReceiver::WebhookReceiver(Options options) : impl_(std::make_shared<Impl>(std::move(options))) {
  impl_->start();
}
WebhookReceiver::~WebhookReceiver() { impl_->stop(); }
uint16_t WebhookReceiver::port() const { return impl_->acceptor_.local_endpoint().port(); }
std::string WebhookReceiver::url(const std::string& path) const {
  return std::string(impl_->tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + path;
}
std::vector<WebhookReceiver::Received> WebhookReceiver::received() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->received_;
}
void WebhookReceiver::set_options(Options options) {
  std::lock_guard lock(impl_->mu_);
  impl_->options_ = options;
}

}  // namespace hwload::testing
