// Webhook URLs: http[s]://HOST[:PORT][/PATH]. Pure parsing, shared by the
// subscription route's validation and the webhook client, so a URL the route
// accepts is one the dispatcher can use.
#pragma once

#include <string>

namespace hwload::core {

struct WebhookUrl {
  bool tls = false;
  std::string host, port, target;
};

// False for anything but http:// or https:// with a host and a numeric port (if any).
bool parse_webhook_url(const std::string& url, WebhookUrl& out);

}  // namespace hwload::core
