#include "delivery/webhook_client.h"

#include <openssl/ssl.h>

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace hwload::delivery {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// One attempt over a plain or TLS stream. `Stream` is beast::tcp_stream or
// beast::ssl_stream<beast::tcp_stream>.
template <typename Stream>
class Attempt : public std::enable_shared_from_this<Attempt<Stream>> {
 public:
  template <typename... StreamArgs>
  Attempt(asio::io_context& io, std::chrono::milliseconds timeout, std::function<void(PostResult)> done,
          StreamArgs&&... args)
      : resolver_(asio::make_strand(io)),
        resolve_deadline_(resolver_.get_executor()),
        stream_(resolver_.get_executor(), std::forward<StreamArgs>(args)...),
        timeout_(timeout),
        done_(std::move(done)) {}

  void run(const WebhookUrl& url, std::string body, const std::map<std::string, std::string>& headers) {
    req_.method(bhttp::verb::post);
    req_.target(url.target);
    req_.version(11);
    req_.set(bhttp::field::host, url.host);
    req_.set(bhttp::field::user_agent, "hwload-webhook/0.1");
    for (const auto& [k, v] : headers) req_.set(k, v);
    req_.body() = std::move(body);
    req_.keep_alive(false);
    req_.prepare_payload();
    if constexpr (kTls) {
      // SNI and the name (or address) the certificate must carry.
      if (!SSL_set_tlsext_host_name(stream_.native_handle(), url.host.c_str())) {
        return finish(0, "TLS: cannot set the server name");
      }
      stream_.set_verify_callback(ssl::host_name_verification(url.host));
    }
    tcp_layer().expires_after(timeout_);
    auto self = this->shared_from_this();
    // The stream's expiry covers connect, handshake, write and read; name
    // resolution gets its own deadline.
    resolve_deadline_.expires_after(timeout_);
    resolve_deadline_.async_wait([self](beast::error_code ec) {
      if (!ec) self->resolver_.cancel();
    });
    resolver_.async_resolve(url.host, url.port, [self](beast::error_code ec, tcp::resolver::results_type results) {
      self->resolve_deadline_.cancel();
      if (ec) return self->finish(0, "resolve: " + ec.message());
      self->tcp_layer().async_connect(results, [self](beast::error_code ec2, const tcp::endpoint&) {
        if (ec2) return self->finish(0, "connect: " + ec2.message());
        if constexpr (kTls) {
          self->stream_.async_handshake(ssl::stream_base::client, [self](beast::error_code ec3) {
            if (ec3) return self->finish(0, "TLS handshake: " + ec3.message());
            self->exchange();
          });
        } else {
          self->exchange();
        }
      });
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& tcp_layer() {
    if constexpr (kTls) {
      return beast::get_lowest_layer(stream_);
    } else {
      return stream_;
    }
  }

  void exchange() {
    auto self = this->shared_from_this();
    bhttp::async_write(stream_, req_, [self](beast::error_code ec, size_t) {
      if (ec) return self->finish(0, "write: " + ec.message());
      bhttp::async_read(self->stream_, self->buffer_, self->res_, [self](beast::error_code ec2, size_t) {
        if (ec2) return self->finish(0, "read: " + ec2.message());
        const int status = static_cast<int>(self->res_.result_int());
        self->finish(status, status / 100 == 2 ? "" : "HTTP " + std::to_string(status));
      });
    });
  }

  void finish(int status, std::string error) {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().socket().close(ignored);
    if (done_) std::exchange(done_, nullptr)(PostResult{status, std::move(error)});
  }

  tcp::resolver resolver_;
  asio::steady_timer resolve_deadline_;
  Stream stream_;
  std::chrono::milliseconds timeout_;
  std::function<void(PostResult)> done_;
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
  beast::flat_buffer buffer_;
};

}  // namespace

struct WebhookClient::Impl {
  asio::io_context& io;
  ssl::context tls{ssl::context::tls_client};
  explicit Impl(asio::io_context& i) : io(i) {}
};

WebhookClient::WebhookClient(asio::io_context& io, const std::string& ca_file) : impl_(std::make_unique<Impl>(io)) {
  impl_->tls.set_default_verify_paths();
  if (!ca_file.empty()) impl_->tls.load_verify_file(ca_file);
  impl_->tls.set_verify_mode(ssl::verify_peer);
  impl_->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
}

WebhookClient::~WebhookClient() = default;

void WebhookClient::post(const WebhookUrl& url, std::string body, std::map<std::string, std::string> headers,
                         std::chrono::milliseconds timeout, std::function<void(PostResult)> done) {
  if (url.tls) {
    std::make_shared<Attempt<beast::ssl_stream<beast::tcp_stream>>>(impl_->io, timeout, std::move(done), impl_->tls)
        ->run(url, std::move(body), headers);
  } else {
    std::make_shared<Attempt<beast::tcp_stream>>(impl_->io, timeout, std::move(done))
        ->run(url, std::move(body), headers);
  }
}

}  // namespace hwload::delivery
