// One asynchronous HTTP POST to a webhook receiver (Boost.Beast), with a deadline
// for the whole attempt: resolve, connect, write, read.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace hwload::delivery {

struct WebhookUrl {
  std::string host, port, target;
};
// Parses http://HOST[:PORT][/PATH]; false for anything else (https is not yet
// supported by the dispatcher; the subscription route refuses it).
bool parse_webhook_url(const std::string& url, WebhookUrl& out);

struct PostResult {
  int status = 0;     // HTTP status, 0 when none came back
  std::string error;  // why, when status is 0 or not 2xx
};

// Posts `body` and calls `done` exactly once, on an io_context thread.
void post_webhook(boost::asio::io_context& io, const WebhookUrl& url, std::string body,
                  std::map<std::string, std::string> headers, std::chrono::milliseconds timeout,
                  std::function<void(PostResult)> done);

}  // namespace hwload::delivery
