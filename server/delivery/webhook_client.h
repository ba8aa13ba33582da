// Asynchronous HTTP(S) POSTs to webhook receivers (Boost.Beast), each with a
// deadline for the whole attempt: resolve, connect, TLS handshake, write, read.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/webhook_url.h"

namespace boost::asio {
class io_context;
}

namespace hwload::delivery {

using core::parse_webhook_url;
using core::WebhookUrl;

struct PostResult {
  int status = 0;     // HTTP status, 0 when none came back
  std::string error;  // why, when status is 0 or not 2xx
};

class WebhookClient {
 public:
  // https receivers are verified against the system's CA store, plus `ca_file`
  // (PEM) when given, with the host name (or IP address) checked. Throws when
  // `ca_file` cannot be read.
  WebhookClient(boost::asio::io_context& io, const std::string& ca_file);
  ~WebhookClient();
  // Posts `body` and calls `done` exactly once, on an io_context thread.
  void post(const WebhookUrl& url, std::string body, std::map<std::string, std::string> headers,
            std::chrono::milliseconds timeout, std::function<void(PostResult)> done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hwload::delivery
