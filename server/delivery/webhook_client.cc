#include "delivery/webhook_client.h"

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hwload::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

bool parse_webhook_url(const std::string& url, WebhookUrl& out) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty()) return false;
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
    out.port = "80";
  }
  if (out.host.size() > 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  return !out.host.empty() && !out.port.empty() && out.port.find_first_not_of("0123456789") == std::string::npos;
}

namespace {

class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(asio::io_context& io, std::chrono::milliseconds timeout, std::function<void(PostResult)> done)
      : resolver_(asio::make_strand(io)), stream_(resolver_.get_executor()), timeout_(timeout), done_(std::move(done)) {}

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
    stream_.expires_after(timeout_);
    resolver_.async_resolve(url.host, url.port, [self = shared_from_this()](beast::error_code ec, auto results) {
      if (ec) return self->finish(0, "resolve: " + ec.message());
      self->stream_.async_connect(results, [self](beast::error_code ec2, const auto&) {
        if (ec2) return self->finish(0, "connect: " + ec2.message());
        bhttp::async_write(self->stream_, self->req_, [self](beast::error_code ec3, size_t) {
          if (ec3) return self->finish(0, "write: " + ec3.message());
          bhttp::async_read(self->stream_, self->buffer_, self->res_, [self](beast::error_code ec4, size_t) {
            if (ec4) return self->finish(0, "read: " + ec4.message());
            const int status = static_cast<int>(self->res_.result_int());
            self->finish(status, status / 100 == 2 ? "" : "HTTP " + std::to_string(status));
          });
        });
      });
    });
  }

 private:
  void finish(int status, std::string error) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    if (done_) std::exchange(done_, nullptr)(PostResult{status, std::move(error)});
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  std::chrono::milliseconds timeout_;
  std::function<void(PostResult)> done_;
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
  beast::flat_buffer buffer_;
};

}  // namespace

void post_webhook(asio::io_context& io, const WebhookUrl& url, std::string body,
                  std::map<std::string, std::string> headers, std::chrono::milliseconds timeout,
                  std::function<void(PostResult)> done) {
  std::make_shared<Attempt>(io, timeout, std::move(done))->run(url, std::move(body), headers);
}

}  // namespace hwload::delivery
